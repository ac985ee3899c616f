"""Reading and checking a content tree: titles, documents, modules, programs, then their references."""
from __future__ import annotations

from pathlib import Path

import yaml
from flask_babel import gettext as _

from lms.content.loader.fields import Fields, item_lines
from lms.content.loader.specs import (
    DOCUMENTS_DIR,
    KEY,
    LOCALITY_CODE,
    MODULE_FILE,
    MODULES_DIR,
    PROGRAMS_DIR,
    QUIZ_FILE,
    THEORY_LEVELS,
    TITLES_FILE,
    Content,
    ContentErrors,
    DocumentSpec,
    LessonSpec,
    ModuleSpec,
    Problem,
    ProgramItemSpec,
    ProgramSpec,
    RelationSpec,
    TitleSpec,
    nfc,
    normalise_body,
)
from lms.curriculum.models import ModuleKind
from lms.dates import DOCUMENT_DATES
from lms.documents.models import DocumentKind, RelationKind
from lms.grading import DEFAULT_SCALE, GradeScale
from lms.learning import gift
from lms.organisation.models import TitleLevel
from lms.text import NotUtf8, decode_utf8


class Reader:
    """Collects problems while reading one tree."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []
        # Module folders that hold a module file we could not read: programs citing them are not
        # reported a second time.
        self.broken_modules: set[str] = set()

    def rel(self, path: Path) -> str:
        # Paths are built from the root as given, so they read as the user typed it: content/modules/...
        return str(path)

    def error(self, path: str, line: int, reason: str) -> None:
        self.problems.append(Problem(path, line, reason))

    # -- YAML with line numbers -------------------------------------------------------------------
    def parse_yaml(self, path: str, text: str, first_line: int):
        """Parse YAML; returns (data, node) or (None, None) after recording the error with its line."""
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            data = yaml.safe_load(text)
        except yaml.MarkedYAMLError as bad:
            mark = bad.problem_mark or bad.context_mark
            line = first_line + (mark.line if mark else 0)
            self.error(path, line, _("YAML không hợp lệ: %(reason)s", reason=bad.problem or bad))
            return None, None
        except yaml.YAMLError as bad:
            self.error(path, first_line, _("YAML không hợp lệ: %(reason)s", reason=bad))
            return None, None
        if node is not None:
            self._check_duplicate_keys(path, node, first_line)
        return data, node

    def _check_duplicate_keys(self, path: str, node, first_line: int) -> None:
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        self.error(path, first_line + key.start_mark.line, _("khóa '%(key)s' lặp lại", key=key.value))
                    seen.add(key.value)
                self._check_duplicate_keys(path, value, first_line)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                self._check_duplicate_keys(path, item, first_line)

    def read_text(self, file: Path) -> str | None:
        """A file's text, or None with the problem reported when it is not UTF-8."""
        try:
            return decode_utf8(file.read_bytes())
        except NotUtf8 as bad:
            self.error(self.rel(file), bad.line, bad.message)
            return None

    def front_matter(self, file: Path):
        """Split a Markdown file into its front matter (data, key lines) and body."""
        path = self.rel(file)
        text = self.read_text(file)
        if text is None:
            return None
        text = text.replace("\r\n", "\n")
        lines = text.split("\n")
        if not lines or lines[0].strip() != "---":
            self.error(path, 1, _("thiếu phần đầu YAML (tệp phải bắt đầu bằng dòng '---')"))
            return None
        try:
            end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
        except StopIteration:
            self.error(path, 1, _("phần đầu YAML không có dòng '---' kết thúc"))
            return None
        data, node = self.parse_yaml(path, "\n".join(lines[1:end]), 2)
        if node is None and data is None:
            if not any(line.strip() for line in lines[1:end]):
                self.error(path, 2, _("phần đầu YAML trống"))
            return None
        if not isinstance(data, dict):
            self.error(path, 2, _("phần đầu YAML phải là một bảng khóa: giá trị"))
            return None
        return Fields(self, path, data, node, 2, 1, end + 1), normalise_body("\n".join(lines[end + 1:]))

    # -- the tree -----------------------------------------------------------------------------------
    def titles(self, content: Content) -> None:
        file = self.root / TITLES_FILE
        if not file.exists():
            return
        path = self.rel(file)
        text = self.read_text(file)
        if text is None:
            return
        data, node = self.parse_yaml(path, text, 1)
        if data is None:
            return
        if not isinstance(data, list):
            self.error(path, 1, _("tệp chức danh phải là một danh sách"))
            return
        for item, item_node in zip(data, node.value, strict=True):
            line = item_node.start_mark.line + 1
            if not isinstance(item, dict):
                self.error(path, line, _("mỗi chức danh phải là một bảng khóa: giá trị"))
                continue
            f = Fields(self, path, item, item_node, 1, line)
            code = f.code("code", upper=True)
            name = f.text("name")
            level = f.choice("level", [lv.value for lv in TitleLevel])
            group = f.text("group", required=False)
            is_key = f.boolean("is_key", default=False)
            f.no_extra({"code", "name", "level", "group", "is_key"})
            if code and name and level:
                if code in content.titles:
                    self.error(path, line, _("mã chức danh %(code)s lặp lại", code=code))
                    continue
                content.titles[code] = TitleSpec(code, name, level, group, is_key, path, line)

    def documents(self, content: Content) -> None:
        for file in sorted((self.root / DOCUMENTS_DIR).glob("*.md")):
            parsed = self.front_matter(file)
            if parsed is None:
                continue
            f, body = parsed
            code = f.text("code")
            kind = f.choice("kind", [k.value for k in DocumentKind])
            number = f.text("number")
            issuer = f.text("issuer")
            issued_on = f.date("issued_on", DOCUMENT_DATES)
            title = f.text("title")
            term = f.text("term", required=False)
            source = f.text("source", required=False)
            if source and ("\n" in source or len(source) > 500):
                self.error(f.path, f.line_of("source"), _("trường 'source' phải nằm trên một dòng, tối đa 500 ký tự"))
            relations = []
            for rel, line in f.mappings("relations"):
                rf = Fields(self, f.path, rel, None, 0, line)
                rkind = rf.choice("kind", [k.value for k in RelationKind])
                target = rf.text("target")
                rf.no_extra({"kind", "target"})
                if rkind and target:
                    relations.append(RelationSpec(rkind, target, line))
            f.no_extra({"code", "kind", "number", "issuer", "issued_on", "title", "term", "source", "relations"})
            if not (code and kind and number and issuer and issued_on and title):
                continue
            if code in content.documents:
                first = content.documents[code]
                self.error(f.path, f.line_of("code"), _("mã văn bản %(code)s lặp lại (đã có ở %(path)s)",
                                                        code=code, path=first.path))
                continue
            content.documents[code] = DocumentSpec(code, kind, number, issuer, issued_on, title, term,
                                                   body or None, relations, f.path, f.line_of("code"),
                                                   source=source)

    def modules(self, content: Content) -> None:
        base = self.root / MODULES_DIR
        if not base.is_dir():
            return
        for folder in sorted(p for p in base.iterdir() if p.is_dir()):
            file = folder / MODULE_FILE
            if not file.exists():
                self.error(self.rel(folder), 0, _("thư mục học phần thiếu tệp %(file)s", file=MODULE_FILE))
                continue
            before = len(self.problems)
            parsed = self.front_matter(file)
            if parsed is None:
                self.broken_modules.add(folder.name)
                continue
            f, body = parsed
            code = f.code("code", max_length=80)
            kind = f.choice("kind", [k.value for k in ModuleKind])
            title = f.text("title")
            localities = f.strings("localities")
            documents = f.strings("documents")
            f.no_extra({"code", "kind", "title", "localities", "documents"})
            for code_, line in zip(localities, f.item_lines("localities"), strict=False):
                if not LOCALITY_CODE.match(code_):
                    self.error(f.path, line, _("mã địa phương '%(code)s' không đúng dạng mã GSO (2 hoặc 5 chữ số)",
                                               code=code_))
            if kind == ModuleKind.LOCAL_TOPIC.value and not localities:
                self.error(f.path, f.line_of("kind"), _("chuyên đề thực tiễn địa phương phải gắn với ít nhất "
                                                      "một địa phương (localities)"))
            if len(self.problems) > before:
                self.broken_modules.update({folder.name, code or folder.name})
            lessons = self.lessons(folder)
            quiz = self.quiz(folder)
            if not (code and kind and title):
                continue
            if code in content.modules:
                self.error(f.path, f.line_of("code"),
                           _("mã học phần %(code)s lặp lại (đã có ở %(path)s)",
                             code=code, path=content.modules[code].path))
                continue
            content.modules[code] = ModuleSpec(code, kind, title, body, localities, documents, lessons, f.path,
                                               dict(f.lines), quiz)

    def quiz(self, folder: Path) -> str | None:
        """The module's question bank (quiz.gift), checked question by question; None when there is none."""
        file = folder / QUIZ_FILE
        if not file.exists():
            return None
        source = self.read_text(file)
        if source is None:
            return None
        _questions, problems = gift.parse(source)
        for problem in problems:
            self.error(self.rel(file), problem.line, problem.message)
        return None if problems else nfc(source)

    def lessons(self, folder: Path) -> list[LessonSpec]:
        lessons: list[LessonSpec] = []
        seen: dict[str, str] = {}
        files = sorted(p for p in folder.glob("*.md") if p.name != MODULE_FILE)
        for file in files:
            parsed = self.front_matter(file)
            if parsed is None:
                continue
            f, body = parsed
            key = f.text("key")
            if key and not KEY.match(key):
                self.error(f.path, f.line_of("key"), _("khóa bài học '%(key)s' chỉ gồm chữ thường không dấu, số và '-'",
                                                       key=key))
                key = None
            title = f.text("title")
            minutes = f.integer("minutes", required=False, minimum=0)
            f.no_extra({"key", "title", "minutes"})
            if key and key in seen:
                self.error(f.path, f.line_of("key"), _("khóa bài học '%(key)s' lặp lại (đã có ở %(path)s)",
                                                       key=key, path=seen[key]))
                continue
            if key and title:
                seen[key] = f.path
                lessons.append(LessonSpec(key, title, body, minutes, f.path))
        return lessons

    def programs(self, content: Content) -> None:
        for file in sorted((self.root / PROGRAMS_DIR).glob("*.md")):
            parsed = self.front_matter(file)
            if parsed is None:
                continue
            f, body = parsed
            code = f.code("code")
            name = f.text("name")
            titles = f.strings("titles")
            if "titles" in f.data and not titles:
                self.error(f.path, f.line_of("titles"), _("chương trình phải nhắm tới ít nhất một chức danh"))
            level = f.choice("required_theory_level", list(THEORY_LEVELS), required=False)
            hours = f.integer("hours", required=False, minimum=0)
            validity = f.integer("validity_months", required=False, minimum=0)
            scale = f.choice("grade_scale", [str(g) for g in GradeScale], required=False)
            items = []
            for item, line in f.mappings("modules"):
                itf = Fields(self, f.path, item, None, 0, line)
                module = itf.code("module", max_length=80)
                required = itf.boolean("required", default=True)
                due = itf.integer("due_days", required=False, minimum=0)
                itf.no_extra({"module", "required", "due_days"})
                if module:
                    items.append(ProgramItemSpec(module, required, due, line))
            if "modules" in f.data and not items and not f.data.get("modules"):
                self.error(f.path, f.line_of("modules"), _("chương trình phải có ít nhất một học phần"))
            f.no_extra({"code", "name", "titles", "required_theory_level", "hours", "validity_months", "grade_scale",
                        "modules"})
            if not (code and name and titles):
                continue
            if code in content.programs:
                self.error(f.path, f.line_of("code"),
                           _("mã chương trình %(code)s lặp lại (đã có ở %(path)s)",
                             code=code, path=content.programs[code].path))
                continue
            content.programs[code] = ProgramSpec(code, name, titles, items, body, THEORY_LEVELS.get(level or "none", 0),
                                                 hours, validity, f.path, dict(f.lines),
                                                 scale or str(DEFAULT_SCALE))

    # -- references between files ----------------------------------------------------------------
    def cross_check(self, content: Content, known_titles, known_documents, known_localities) -> None:
        documents = set(content.documents) | set(known_documents)
        for doc in content.documents.values():
            targets = set()
            for rel in doc.relations:
                if rel.target not in documents:
                    self.error(doc.path, rel.line, _("văn bản được dẫn chiếu %(code)s không có trong danh mục",
                                                     code=rel.target))
                elif rel.target == doc.code:
                    self.error(doc.path, rel.line, _("văn bản không thể liên hệ với chính nó"))
                elif rel.target in targets:
                    self.error(doc.path, rel.line, _("liên hệ tới %(code)s lặp lại", code=rel.target))
                targets.add(rel.target)
        self._check_cycles(content)
        for module in content.modules.values():
            seen = set()
            for code, line in zip(module.documents, item_lines(module.lines, "documents", module.documents),
                                  strict=True):
                if code not in documents:
                    self.error(module.path, line, _("mã văn bản %(code)s không có trong danh mục văn bản", code=code))
                elif code in seen:
                    self.error(module.path, line, _("văn bản %(code)s được trích dẫn hai lần", code=code))
                seen.add(code)
            if known_localities is not None:
                for code, line in zip(module.localities, item_lines(module.lines, "localities", module.localities),
                                      strict=True):
                    if LOCALITY_CODE.match(code) and code not in known_localities:
                        self.error(module.path, line, _("không có địa phương mã %(code)s (hãy chạy `flask lms "
                                                      "localities` trước)", code=code))
        titles = set(content.titles) | set(known_titles)
        for program in content.programs.values():
            for code, line in zip(program.titles, item_lines(program.lines, "titles", program.titles), strict=True):
                if code not in titles:
                    self.error(program.path, line, _("chức danh %(code)s không có (thêm vào %(file)s "
                                                   "hoặc tạo trong ứng dụng)", code=code, file=TITLES_FILE))
            seen = set()
            for item in program.items:
                if item.module in self.broken_modules and item.module not in content.modules:
                    pass
                elif item.module not in content.modules:
                    self.error(program.path, item.line, _("không có học phần %(code)s trong %(folder)s/",
                                                          code=item.module, folder=MODULES_DIR))
                elif item.module in seen:
                    self.error(program.path, item.line, _("học phần %(code)s xuất hiện hai lần", code=item.module))
                seen.add(item.module)

    def _check_cycles(self, content: Content) -> None:
        state: dict[str, int] = {}

        def visit(code: str, trail: list[str]) -> None:
            state[code] = 1
            for rel in content.documents[code].relations:
                if rel.target not in content.documents:
                    continue
                if state.get(rel.target) == 1:
                    doc = content.documents[code]
                    self.error(doc.path, rel.line, _("vòng lặp liên hệ văn bản: %(cycle)s",
                                                     cycle=" → ".join(trail + [rel.target])))
                elif rel.target not in state:
                    visit(rel.target, trail + [rel.target])
            state[code] = 2

        for code in content.documents:
            if code not in state:
                visit(code, [code])


def load_content(root: str | Path, *, known_titles=(), known_documents=(), known_localities=None) -> Content:
    """Read and check a whole content tree; raises ContentErrors listing every problem."""
    root = Path(root)
    reader = Reader(root)
    if not root.is_dir():
        raise ContentErrors([Problem(str(root), 0, _("không phải một thư mục"))])
    content = Content()
    reader.titles(content)
    reader.documents(content)
    reader.modules(content)
    reader.programs(content)
    reader.cross_check(content, known_titles, known_documents, known_localities)
    if reader.problems:
        raise ContentErrors(reader.problems)
    return content
