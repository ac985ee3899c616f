"""`flask lms content import/export`: all or nothing, idempotent, edits become revisions, and a lossless round trip."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.audit import AuditEntry
from lms.content.loader import load_content
from lms.curriculum.models import Lesson, Module, ModuleKind, ModuleRevision, Program, ReviewFlag
from lms.documents.models import Document, DocumentStatus
from lms.extensions import db
from lms.learning import gift
from lms.learning.models import Quiz, QuizQuestion
from lms.organisation.models import LocalityKind, Title

SHIPPED = Path(__file__).resolve().parents[2] / "content"
COMMUNES = ["19360", "19432", "19429", "19594", "18904"]


@pytest.fixture
def localities(make):
    """The province and communes the shipped local topics are tied to (GSO codes)."""
    province = make.locality("Quảng Trị", code="44", kind=LocalityKind.PROVINCE)
    for code in COMMUNES:
        make.locality(f"Xã {code}", code=code, parent=province)
    return province


@pytest.fixture
def tree(tmp_path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(SHIPPED, root)
    return root


def run(runner, *args):
    return runner.invoke(args=["lms", "content", *[str(a) for a in args]])


def counts(app) -> dict:
    with app.app_context():
        return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                for model in (Title, Document, Module, ModuleRevision, Lesson, Program, ReviewFlag, AuditEntry,
                              Quiz, QuizQuestion)}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_shipped_content_imports_cleanly_and_meets_the_counts(app, runner, localities):
    result = run(runner, "import", SHIPPED)
    assert result.exit_code == 0, result.output
    assert ("content: titles 5 added; documents 22 added; modules 17 added; quizzes 1 added; programs 3 added"
            in result.output)
    with app.app_context():
        programs = db.session.scalars(sa.select(Program)).all()
        assert len(programs) >= 3
        assert {t.code for p in programs for t in p.titles} >= {"XA-BT", "SO-GD", "TU-UV"}
        modules = db.session.scalars(sa.select(Module)).all()
        assert len(modules) >= 12
        assert {m.kind for m in modules} == set(ModuleKind)
        assert all(m.published is not None and m.published.number == 1 for m in modules)
        published_lessons = db.session.scalar(
            sa.select(sa.func.count(Lesson.id)).join(Module, Module.published_revision_id == Lesson.revision_id))
        assert published_lessons >= 30
        local = db.session.scalar(sa.select(Module).where(Module.code == "QT-BIENGIOI"))
        assert {loc.code for loc in local.localities} == {"44", "19432", "19429", "19594", "18904"}
        docs = {d.code: d for d in db.session.scalars(sa.select(Document))}
        assert len(docs) >= 10
        assert docs["164-QĐ/TW"].status == DocumentStatus.SUPERSEDED
        assert docs["256-QĐ/TW"].status == DocumentStatus.STOPPED
        assert docs["28-NQ/TW"].status == DocumentStatus.SUPERSEDED
        assert docs["145-QĐ/TW"].status == DocumentStatus.IN_FORCE
        cited = db.session.scalar(sa.select(Module).where(Module.code == "XDD-CANBO")).published.documents
        assert "145-QĐ/TW" in {d.code for d in cited}
        lesson = db.session.scalar(sa.select(Lesson).where(Lesson.key == "quy-dinh-145"))
        assert "<h2>" in lesson.body_html
        assert "<ol>" in lesson.body_html


def test_a_second_import_reports_no_change_and_changes_nothing(app, runner, localities):
    assert run(runner, "import", SHIPPED).exit_code == 0
    before = counts(app)
    result = run(runner, "import", SHIPPED)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "content: no change"
    assert counts(app) == before


def test_existing_titles_are_kept_and_missing_ones_created(app, runner, localities, make):
    make.title("Giám đốc Sở (tên do quản trị viên đặt)", code="SO-GD")
    assert run(runner, "import", SHIPPED).exit_code == 0
    with app.app_context():
        titles = {t.code: t.name for t in db.session.scalars(sa.select(Title))}
    assert titles["SO-GD"] == "Giám đốc Sở (tên do quản trị viên đặt)"
    assert titles["XA-BT"] == "Bí thư Đảng ủy xã"


def test_an_edited_lesson_becomes_a_new_revision_of_its_module(app, runner, localities, tree):
    assert run(runner, "import", tree).exit_code == 0
    lesson = tree / "modules" / "KN-LDQL" / "02-dan-van-doi-thoai.md"
    edit(lesson, "## Kỹ năng đối thoại", "## Kỹ năng đối thoại với nhân dân")
    result = run(runner, "import", tree)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "content: modules 1 updated"
    with app.app_context():
        module = db.session.scalar(sa.select(Module).where(Module.code == "KN-LDQL"))
        first, second = module.revisions
        assert (first.number, second.number) == (1, 2)
        assert module.published.id == second.id
        assert second.change_summary == "Cập nhật từ tệp nội dung"
        old = {ls.key: ls for ls in first.lessons}["dan-van-doi-thoai"]
        new = {ls.key: ls for ls in second.lessons}["dan-van-doi-thoai"]
        assert "Kỹ năng đối thoại với nhân dân" not in old.body_md
        assert "Kỹ năng đối thoại với nhân dân" in new.body_html
        others = db.session.scalars(sa.select(Module).where(Module.code != "KN-LDQL")).all()
        assert {m.published.number for m in others} == {1}
    assert run(runner, "import", tree).output.strip() == "content: no change"


def test_a_bad_file_is_reported_and_nothing_is_imported(app, runner, localities, tree):
    bad = tree / "modules" / "QPAN-BVTQ" / "_module.md"
    edit(bad, "kind: lecture", "kind: hoi-thao")
    before = counts(app)
    result = run(runner, "import", tree)
    assert result.exit_code == 1
    assert f"{bad}:3: trường 'kind': giá trị 'hoi-thao' không hợp lệ" in result.output
    assert "nothing was imported" in result.output
    assert counts(app) == before


def test_an_unknown_locality_is_reported_with_its_line(app, runner, make, tree):
    make.locality("Quảng Trị", code="44", kind=LocalityKind.PROVINCE)
    result = run(runner, "import", tree)
    assert result.exit_code == 1
    assert f"{tree / 'modules' / 'QT-BIENGIOI' / '_module.md'}:7: không có địa phương mã 19432" in result.output
    assert counts(app)["Module"] == 0


def test_a_failure_while_importing_rolls_back_the_whole_run(app, runner, localities, tree, make):
    assert run(runner, "import", tree).exit_code == 0
    lecturer = make.lecturer()
    with app.app_context():
        from lms.curriculum import services

        module = db.session.scalar(sa.select(Module).where(Module.code == "XDD-CSD"))
        actor = db.session.get(type(lecturer), lecturer.id)
        draft = services.get_or_create_draft(actor, module)
        services.save_draft(actor, draft, lock_version=draft.lock_version, title="Bản nháp của giảng viên",
                            summary_md=draft.summary_md, document_ids=[d.id for d in draft.documents],
                            lessons=[{"key": ls.key, "title": ls.title, "body_md": ls.body_md,
                                      "minutes": ls.minutes} for ls in draft.lessons])
        db.session.commit()
    edit(tree / "modules" / "KN-LDQL" / "01-ra-quyet-dinh.md", "## Sai lầm thường gặp", "## Những sai lầm")
    edit(tree / "modules" / "XDD-CSD" / "01-tap-trung-dan-chu.md", "## Câu hỏi thảo luận", "## Thảo luận")
    before = counts(app)
    result = run(runner, "import", tree)
    assert result.exit_code == 1
    assert f"{tree / 'modules' / 'XDD-CSD' / '_module.md'}:1: học phần XDD-CSD đang có bản nháp" in result.output
    assert counts(app) == before  # KN-LDQL, read and revised before XDD-CSD failed, was rolled back too
    with app.app_context():
        module = db.session.scalar(sa.select(Module).where(Module.code == "KN-LDQL"))
        assert [r.number for r in module.revisions] == [1]


def test_a_new_superseding_document_flags_the_modules_citing_the_old_one(app, runner, localities, tree):
    assert run(runner, "import", tree).exit_code == 0
    (tree / "documents" / "2026-11-01-99-nq-tw.md").write_text(
        '---\ncode: "99-NQ/TW"\nkind: resolution\nnumber: "99"\nissuer: Bộ Chính trị\nissued_on: 2026-11-01\n'
        'title: "Nghị quyết thử nghiệm"\nrelations:\n  - kind: supersedes\n    target: "57-NQ/TW"\n---\n',
        encoding="utf-8")
    result = run(runner, "import", tree)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "content: documents 1 added"
    with app.app_context():
        flagged = {f.module.code for f in db.session.scalars(sa.select(ReviewFlag))}
        assert flagged == {"KTXH-PT", "SO-QLNN"}


def test_export_writes_the_same_format_and_reimporting_it_changes_nothing(app, runner, localities, tmp_path):
    assert run(runner, "import", SHIPPED).exit_code == 0
    before = counts(app)
    out = tmp_path / "exported"
    result = run(runner, "export", out)
    assert result.exit_code == 0, result.output
    assert "documents 22, lessons 37, modules 17, quizzes 1, programs 3, titles 5" in result.output
    assert sorted(p.name for p in (out / "modules" / "LLCT-MLN").iterdir()) == [
        "01-phuong-phap-luan.md", "02-kinh-te-thi-truong.md", "03-chu-nghia-xa-hoi.md", "_module.md"]
    result = run(runner, "import", out)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "content: no change"
    assert counts(app) == before
    again = tmp_path / "again"
    assert run(runner, "export", again).exit_code == 0
    for path in out.rglob("*"):
        if path.is_file():
            assert path.read_bytes() == (again / path.relative_to(out)).read_bytes(), path


def test_export_refuses_a_folder_that_is_not_empty(runner, app, tmp_path):
    (tmp_path / "x.txt").write_text("giữ lại", encoding="utf-8")
    result = run(runner, "export", tmp_path)
    assert result.exit_code == 1
    assert "not empty" in result.output
    assert (tmp_path / "x.txt").read_text(encoding="utf-8") == "giữ lại"


def test_content_written_in_the_application_survives_export_and_import(app, runner, make, tmp_path):
    """Codes with spaces and diacritics, a lesson without text, zero minutes: all round-trip unchanged."""
    title = make.title("Trưởng thôn", code="THON-TT")
    old = make.document("12-CT/TU", kind="directive", number="12", issuer="Tỉnh ủy Quảng Trị",
                        issued_on=date(2021, 3, 1), title="Chỉ thị thử")
    new = make.document("20-CT/TU", kind="directive", number="20", issuer="Tỉnh ủy Quảng Trị",
                        issued_on=date(2024, 3, 1), title="Chỉ thị mới",
                        relations=[("amends", old)])
    module = make.module("Chuyên đề thôn 1", documents=[new], lessons=[
        {"title": "Bài không có chữ", "body_md": "", "minutes": 0},
        {"title": "Bài có chữ", "body_md": "Nội dung *một dòng*.", "minutes": None}])
    make.program("CT thôn", titles=[title], modules=[(module, False, 0)], grade_scale="100")
    before = counts(app)
    out = tmp_path / "out"
    assert run(runner, "export", out).exit_code == 0
    assert "grade_scale: '100'" in (out / "programs" / "ct-thon.md").read_text(encoding="utf-8")
    assert (out / "modules" / "chuyen-de-thon-1" / "_module.md").exists()
    result = run(runner, "import", out)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "content: no change"
    assert counts(app) == before


def test_registering_09_qdi_tw_supersedes_184_and_flags_the_modules_still_citing_it(app, runner, make, localities,
                                                                                     tree):
    """The landed database holds the earlier register (184-QĐ/TW in force) and a school's own module citing it."""
    (tree / "documents" / "2018-11-13-09-qdi-tw.md").unlink()
    assert run(runner, "import", tree).exit_code == 0
    with app.app_context():
        old = db.session.scalar(sa.select(Document).where(Document.code == "184-QĐ/TW"))
        assert old.status == DocumentStatus.IN_FORCE
    school_module = make.module("TCT-CHUCNANG", title="Chức năng, nhiệm vụ của trường chính trị tỉnh",
                                documents=[old])

    result = run(runner, "import", SHIPPED)

    assert result.exit_code == 0, result.output
    assert "documents 1 added" in result.output
    with app.app_context():
        docs = {d.code: d for d in db.session.scalars(sa.select(Document))}
        new = docs["09-QĐi/TW"]
        assert (new.issuer, new.issued_on, new.term) == ("Ban Bí thư", date(2018, 11, 13), "XII")
        assert new.status == DocumentStatus.IN_FORCE
        assert docs["184-QĐ/TW"].status == DocumentStatus.SUPERSEDED
        flags = db.session.scalars(sa.select(ReviewFlag)).all()
        assert [(f.module_id, f.old_document_id, f.new_document_id) for f in flags] == [
            (school_module.id, docs["184-QĐ/TW"].id, new.id)]
        assert "09-QĐi/TW" in flags[0].reason


def test_the_shipped_documents_import_with_their_official_sources(app, runner, localities):
    assert run(runner, "import", SHIPPED).exit_code == 0
    with app.app_context():
        docs = db.session.scalars(sa.select(Document)).all()
        assert docs
        # Only official addresses (tests/content/test_document_sources.py); the rest are left empty.
        assert {d.code for d in docs if d.source} >= {"54-QĐ/TW", "57-NQ/TW"}
        assert all(d.source.startswith("https://") for d in docs if d.source)
        conclusion = next(d for d in docs if d.code == "21-KL/TW")
        assert (conclusion.issuer, conclusion.issued_on) == ("Ban Chấp hành Trung ương", date(2021, 10, 25))


def test_the_party_rectification_module_imports_with_its_question_bank_and_exports_back(app, runner, localities,
                                                                                      tmp_path):
    assert run(runner, "import", SHIPPED).exit_code == 0
    with app.app_context():
        module = db.session.scalar(sa.select(Module).where(Module.code == "XDD-CHINHDON"))
        assert "21-KL/TW" in {d.code for d in module.published.documents}
        assert len(module.published.lessons) >= 4
        assert "chỉnh đốn" in module.published.lessons[0].body_md
        quiz = db.session.scalar(sa.select(Quiz).where(Quiz.module_id == module.id))
        assert len(quiz.questions) >= 10
        program = db.session.scalar(sa.select(Program).where(Program.code == "BD-XA-BT"))
        assert "XDD-CHINHDON" in [item.module.code for item in program.items]

    out = tmp_path / "out"
    assert run(runner, "export", out).exit_code == 0
    exported = out / "modules" / "XDD-CHINHDON"
    assert (exported / "quiz.gift").exists()
    with app.app_context():
        def spec(root):
            m = load_content(root).modules["XDD-CHINHDON"]
            return (m.kind, m.title, m.summary_md, sorted(m.documents),
                    [(ls.key, ls.title, ls.body_md, ls.minutes) for ls in m.lessons], bank(m.quiz))

        def bank(source):
            return [(q.kind, q.category, q.title, q.text, q.feedback,
                     [(c.text, c.weight, c.feedback) for c in q.choices]) for q in gift.parse(source)[0]]

        assert spec(out) == spec(SHIPPED)
    again = run(runner, "import", out)
    assert again.output.strip() == "content: no change"


def test_a_question_bank_edited_in_the_application_is_kept_on_reimport(app, runner, localities, tree):
    assert run(runner, "import", tree).exit_code == 0
    with app.app_context():
        question = db.session.scalar(sa.select(QuizQuestion).where(QuizQuestion.title == "Dựa vào nhân dân"))
        question.text = "Câu hỏi đã được giảng viên sửa"
        db.session.commit()
    result = run(runner, "import", tree)
    assert result.exit_code == 0, result.output
    assert "XDD-CHINHDON" in result.output
    assert "content: no change" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(QuizQuestion.text).where(QuizQuestion.title == "Dựa vào nhân dân")) == \
            "Câu hỏi đã được giảng viên sửa"


def test_a_broken_question_bank_is_reported_by_line_and_nothing_is_imported(app, runner, localities, tree):
    edit(tree / "modules" / "XDD-CHINHDON" / "quiz.gift", "=Ủy ban Mặt trận Tổ quốc Việt Nam xã\n", "")
    result = run(runner, "import", tree)
    assert result.exit_code == 1
    assert "modules/XDD-CHINHDON/quiz.gift:" in result.output
    assert counts(app)["Module"] == 0


def _terms(app) -> list[tuple]:
    from lms.search.models import SearchTerm

    with app.app_context():
        return sorted(tuple(row) for row in db.session.execute(sa.select(
            SearchTerm.kind, SearchTerm.object_id, SearchTerm.module_id, SearchTerm.draft, SearchTerm.term,
            SearchTerm.exact, SearchTerm.weight)))


def test_imported_modules_are_indexed_as_a_rebuild_of_the_index_would_index_them(app, runner, localities):
    from lms.search.indexing import reindex_all

    assert run(runner, "import", SHIPPED).exit_code == 0
    imported = _terms(app)
    with app.app_context():
        reindex_all(db.session)
        db.session.commit()
    assert imported == _terms(app)
    assert len(imported) > 1000


def test_search_terms_are_written_after_the_import_commits_in_short_transactions(app, runner, localities,
                                                                                  monkeypatch):
    """A large tree's terms run to hundreds of thousands of rows: inside the import's own transaction they held
    the write lock for many seconds. The import commits without them; they follow in batches of their own."""
    from lms.search import indexing

    monkeypatch.setattr(indexing, "BATCH_ROWS", 2000)
    at_commit = []  # (modules, terms of modules and lessons, all terms) as each transaction commits

    def on_commit(conn):
        at_commit.append(tuple(conn.exec_driver_sql(
            "SELECT (SELECT count(*) FROM modules), "
            "(SELECT count(*) FROM search_terms WHERE kind <> 'document'), (SELECT count(*) FROM search_terms)"
        ).one()))

    with app.app_context():
        sa.event.listen(db.engine, "commit", on_commit)
        try:
            assert run(runner, "import", SHIPPED).exit_code == 0
        finally:
            sa.event.remove(db.engine, "commit", on_commit)
    total, modules = len(_terms(app)), at_commit[-1][0]
    assert modules > 10
    assert total > 10 * 2000
    # The import committed every module and not one of their terms ...
    imported = next(i for i, c in enumerate(at_commit) if c[0] == modules)
    assert at_commit[imported][1] == 0
    # ... which followed, 2,000 to a transaction.
    steps = [c[2] for c in at_commit[imported:]]
    assert all(0 < b - a <= 2000 for a, b in zip(steps, steps[1:], strict=False))
    assert steps[-1] == total


def _modules(root: Path, prefix: str, n: int) -> Path:
    (root / "modules").mkdir(parents=True)
    for i in range(n):
        folder = root / "modules" / f"{prefix}-{i}"
        folder.mkdir()
        (folder / "_module.md").write_text(f"---\ncode: {prefix}-{i}\nkind: self_study\ntitle: Học phần {i}\n---\n"
                                           "Giới thiệu **ngắn**.\n", encoding="utf-8")
        for k in range(3):
            (folder / f"0{k}-bai.md").write_text(f"---\nkey: bai-{k}\ntitle: Bài {k}\n---\nNội dung bài {k}.\n",
                                                 encoding="utf-8")
    return root


def test_new_modules_are_written_in_as_many_statements_for_thirty_as_for_three(app, tmp_path, statements):
    from lms.content.importer import import_content

    few, many = _modules(tmp_path / "few", "IT", 3), _modules(tmp_path / "many", "NHIEU", 30)
    with app.app_context():
        with statements() as seen_few:
            assert import_content(few).created["modules"] == 3
        db.session.commit()
        with statements() as seen_many:
            assert import_content(many).created["modules"] == 30
        db.session.commit()
    assert len(seen_many) == len(seen_few)
    with app.app_context():
        module = db.session.scalar(sa.select(Module).where(Module.code == "NHIEU-29"))
        assert module.published.number == 1
        assert [ls.key for ls in module.published.lessons] == ["bai-0", "bai-1", "bai-2"]
        assert module.published.lessons[1].body_html == "<p>Nội dung bài 1.</p>"
        assert module.published.summary_html == "<p>Giới thiệu <strong>ngắn</strong>.</p>"
