"""Authoring modules in revisions, publishing them, programs by title, and review flags."""
from __future__ import annotations

import unicodedata
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from lms import audit, signals
from lms.curriculum import impact
from lms.curriculum.models import (
    FlagStatus,
    Lesson,
    Module,
    ModuleKind,
    ModuleRevision,
    Program,
    ProgramModule,
    ReviewFlag,
    ReviewPassage,
    module_localities,
    program_titles,
    revision_citations,
)
from lms.db import each_value, utcnow
from lms.documents.services import ensure_author
from lms.errors import Conflict, InvalidInput
from lms.extensions import db
from lms.formats import local_today
from lms.grading import DEFAULT_SCALE, GradeScale
from lms.markup import render_markdown
from lms.text import clean_name, slug

__all__ = [
    "create_module", "update_module", "get_or_create_draft", "save_draft", "save_module_draft", "publish",
    "save_program", "programs_for_user", "dismiss_flag", "open_flags", "ensure_author", "prepare_module",
    "create_published_modules",
]


def _clean(text: str | None) -> str:
    return unicodedata.normalize("NFC", text or "").strip()


# --- modules -------------------------------------------------------------------------------------


def _localities(locality_ids) -> list:
    from lms.organisation.models import Locality

    ids = {int(i) for i in locality_ids or ()}
    found = db.session.scalars(sa.select(Locality).where(Locality.id.in_(ids))).all() if ids else []
    if len(found) != len(ids):
        raise InvalidInput(_("Có địa phương không tồn tại."))
    return sorted(found, key=lambda loc: loc.name)


def _check_kind(kind, localities) -> ModuleKind:
    try:
        kind = ModuleKind(kind)
    except ValueError:
        raise InvalidInput(_("Loại học phần không hợp lệ.")) from None
    if kind == ModuleKind.LOCAL_TOPIC and not localities:
        raise InvalidInput(_("Chuyên đề thực tiễn địa phương cần gắn với ít nhất một địa phương."))
    return kind


def create_module(actor, *, code: str, kind, title: str, summary_md: str = "", locality_ids=()) -> Module:
    """A new module with its first draft."""
    ensure_author(actor)
    code, title = clean_name(code), clean_name(title)
    if not code or not title:
        raise InvalidInput(_("Học phần cần có mã và tên."))
    localities = _localities(locality_ids)
    kind = _check_kind(kind, localities)
    if db.session.scalar(sa.select(Module.id).where(Module.code == code)):
        raise Conflict(_("Mã học phần %(code)s đã tồn tại.", code=code))
    module = Module(code=code, kind=kind, localities=localities)
    db.session.add(module)
    draft = ModuleRevision(module=module, title=title, summary_md=summary_md or "",
                           summary_html=render_markdown(summary_md), author_id=getattr(actor, "id", None))
    db.session.add(draft)
    db.session.flush()
    audit.record(actor, "module.create", module, code=code, kind=str(kind))
    return module


def update_module(actor, module: Module, *, kind, locality_ids=()) -> Module:
    """Change a module's kind and localities (they are not versioned)."""
    ensure_author(actor)
    localities = _localities(locality_ids)
    module.kind = _check_kind(kind, localities)
    module.localities = localities
    db.session.flush()
    audit.record(actor, "module.update", module, kind=str(module.kind),
                 localities=[loc.code for loc in localities])
    return module


def current_draft(module: Module) -> ModuleRevision | None:
    return db.session.scalar(
        sa.select(ModuleRevision).where(ModuleRevision.module_id == module.id, ModuleRevision.number.is_(None))
    )


def get_or_create_draft(actor, module: Module) -> ModuleRevision:
    """The module's draft; a new one copies the published revision's lessons and citations."""
    ensure_author(actor)
    draft = current_draft(module)
    if draft is not None:
        return draft
    base = module.published
    draft = ModuleRevision(module_id=module.id, author_id=getattr(actor, "id", None))
    if base is not None:
        draft.title, draft.summary_md, draft.summary_html = base.title, base.summary_md, base.summary_html
        draft.documents = list(base.documents)
        draft.lessons = [Lesson(key=x.key, position=x.position, title=x.title, body_md=x.body_md,
                                body_html=x.body_html, minutes=x.minutes) for x in base.lessons]
    else:
        draft.title = module.code
    try:
        with db.session.begin_nested():
            db.session.add(draft)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("Một giảng viên khác vừa mở bản nháp của học phần này. Hãy tải lại trang.")) from None
    audit.record(actor, "module.draft", module, revision_id=draft.id)
    return draft


def _lesson_rows(lessons) -> list[dict]:
    rows, problems = [], []
    for i, raw in enumerate(lessons, start=1):
        title = clean_name(raw.get("title"))
        body = (raw.get("body_md") or "").replace("\r\n", "\n")
        minutes = raw.get("minutes")
        if not title:
            problems.append(_("Bài %(n)d chưa có tên.", n=i))
        if minutes in ("", None):
            minutes = None
        else:
            try:
                minutes = int(minutes)
                if minutes < 0 or minutes > 10000:
                    raise ValueError
            except (TypeError, ValueError):
                problems.append(_("Bài %(n)d: thời lượng phải là số phút từ 0 đến 10000.", n=i))
                minutes = None
        rows.append({"key": _clean(raw.get("key")) or None, "title": title, "body_md": body, "minutes": minutes})
    keys = [r["key"] for r in rows if r["key"]]
    if len(keys) != len(set(keys)):
        problems.append(_("Hai bài học không được trùng mã."))
    if problems:
        raise InvalidInput(" ".join(problems), problems)
    return rows


def _documents(document_ids) -> list:
    from lms.documents.models import Document

    ids = {int(i) for i in document_ids or ()}
    docs = db.session.scalars(sa.select(Document).where(Document.id.in_(ids))).all() if ids else []
    if len(docs) != len(ids):
        raise InvalidInput(_("Có văn bản được trích dẫn không tồn tại."))
    return docs


def save_draft(actor, draft: ModuleRevision, *, lock_version: int, title: str, summary_md: str, lessons,
               document_ids) -> ModuleRevision:
    """Save a draft's text; refused with Conflict when someone saved it since `lock_version` was read."""
    ensure_author(actor)
    if not draft.is_draft:
        raise Conflict(_("Phiên bản này đã được xuất bản và không thể sửa nữa."))
    title = clean_name(title)
    if not title:
        raise InvalidInput(_("Học phần cần có tên."), [_("Học phần cần có tên.")])
    rows = _lesson_rows(lessons)
    documents = _documents(document_ids)
    # Compare-and-set in one statement: of two concurrent saves from the same version, only one matches.
    bumped = db.session.execute(
        sa.update(ModuleRevision)
        .where(ModuleRevision.id == draft.id, ModuleRevision.lock_version == int(lock_version),
               ModuleRevision.number.is_(None))
        .values(lock_version=ModuleRevision.lock_version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if bumped != 1:
        raise Conflict(_("Bản nháp đã được một người khác lưu trong lúc bạn sửa. Nội dung của bạn chưa được "
                         "lưu: hãy xem bản mới nhất, rồi chép lại phần thay đổi của mình."))
    set_committed_value(draft, "lock_version", int(lock_version) + 1)

    existing = {lesson.key: lesson for lesson in draft.lessons}
    used = set(db.session.scalars(
        sa.select(Lesson.key).join(ModuleRevision).where(ModuleRevision.module_id == draft.module_id)))
    kept = []
    for position, row in enumerate(rows):
        lesson = existing.pop(row["key"], None) if row["key"] else None
        if lesson is None:
            key = row["key"] or _new_key(row["title"], used)
            used.add(key)
            lesson = Lesson(key=key)
        if lesson.body_md != row["body_md"] or not lesson.body_html:
            lesson.body_html = render_markdown(row["body_md"])
        lesson.position, lesson.title, lesson.body_md, lesson.minutes = (
            position, row["title"], row["body_md"], row["minutes"])
        kept.append(lesson)
    for gone in existing.values():
        draft.lessons.remove(gone)
    db.session.flush()  # deletions first, so a removed key can come back in the same save
    draft.lessons = kept
    summary_md = (summary_md or "").replace("\r\n", "\n")
    draft.title, draft.summary_md, draft.summary_html = title, summary_md, render_markdown(summary_md)
    draft.documents = documents
    draft.author_id = getattr(actor, "id", draft.author_id)
    draft.updated_at = utcnow()
    db.session.flush()
    audit.record(actor, "module.save_draft", draft.module, revision_id=draft.id, lock_version=draft.lock_version)
    return draft


def _new_key(title: str, used: set) -> str:
    base = slug(title, fallback="bai", limit=60)
    key, n = base, 2
    while key in used:
        key, n = f"{base}-{n}", n + 1
    return key


def save_module_draft(actor, module: Module, *, lock_version: int, **fields) -> ModuleRevision:
    """Save from the editor: lock_version 0 means the text was based on the published revision, no draft."""
    ensure_author(actor)
    if int(lock_version) == 0:
        if current_draft(module) is not None:
            raise Conflict(_("Một giảng viên khác đã mở và lưu bản nháp trong lúc bạn sửa. Nội dung của bạn chưa "
                             "được lưu: hãy xem bản mới nhất, rồi chép lại phần thay đổi của mình."))
        draft = get_or_create_draft(actor, module)
        lock_version = draft.lock_version
    else:
        draft = current_draft(module)
        if draft is None:
            raise Conflict(_("Bản nháp đã được xuất bản trong lúc bạn sửa. Nội dung của bạn chưa được lưu."))
    return save_draft(actor, draft, lock_version=lock_version, **fields)


def publish(actor, draft: ModuleRevision, *, change_summary: str, requires_restudy: bool = False) -> ModuleRevision:
    """Make the draft the module's next immutable revision and the one trainees see."""
    ensure_author(actor)
    change_summary = _clean(change_summary)
    if not change_summary:
        raise InvalidInput(_("Hãy tóm tắt những gì đã thay đổi."), [_("Hãy tóm tắt những gì đã thay đổi.")])
    module = draft.module
    number = (db.session.scalar(sa.select(sa.func.max(ModuleRevision.number))
                                .where(ModuleRevision.module_id == module.id)) or 0) + 1
    now = utcnow()
    claimed = db.session.execute(
        sa.update(ModuleRevision)
        .where(ModuleRevision.id == draft.id, ModuleRevision.number.is_(None))
        .values(number=number, lock_version=ModuleRevision.lock_version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise Conflict(_("Bản nháp này vừa được xuất bản bởi người khác."))
    set_committed_value(draft, "number", number)
    set_committed_value(draft, "lock_version", draft.lock_version + 1)
    draft.change_summary, draft.requires_restudy = change_summary, bool(requires_restudy)
    draft.published_at, draft.published_by_id = now, getattr(actor, "id", None)
    module.published = draft
    db.session.flush()
    audit.record(actor, "module.publish", module, revision_id=draft.id, number=number,
                 requires_restudy=bool(requires_restudy), change_summary=change_summary)
    impact.settle_on_publish(actor, module, draft)
    signals.revision_published.send(module=module, revision=draft, actor=actor)
    return draft


# --- many new modules at once (an import) ---------------------------------------------------------


def prepare_module(*, code: str, kind, title: str, summary_md: str = "", locality_ids=(), document_ids=(),
                   lessons=()) -> dict:
    """Check a new module as create_module and save_draft do, and render its text, without touching the
    database: what `create_published_modules` writes. Raises InvalidInput like them."""
    code, title = _clean(code), _clean(title)
    if not code or not title:
        raise InvalidInput(_("Học phần cần có mã và tên."))
    kind = _check_kind(kind, list(locality_ids))
    rows, used = _lesson_rows(lessons), set()
    for position, row in enumerate(rows):
        row["key"] = row["key"] or _new_key(row["title"], used)
        used.add(row["key"])
        row["position"], row["body_html"] = position, render_markdown(row["body_md"])
    summary_md = (summary_md or "").replace("\r\n", "\n")
    return {"code": code, "kind": kind, "title": title, "summary_md": summary_md,
            "summary_html": render_markdown(summary_md), "locality_ids": sorted(set(locality_ids)),
            "document_ids": sorted(set(document_ids)), "lessons": rows}


def create_published_modules(actor, prepared: list[dict], *, change_summary: str) -> dict[str, dict]:
    """Create and publish many new modules (from `prepare_module`) in a fixed number of statements, each
    with its first revision as create_module, save_draft and publish would leave it, and their audit entries.

    No revision_published signal is sent: nothing refers to a module that did not exist (the caller indexes
    the new text for search). Returns, by code, {"module_id", "revision_id", "lessons": {key: lesson_id}}.
    """
    ensure_author(actor)
    if not prepared:
        return {}
    now, actor_id = utcnow(), getattr(actor, "id", None)
    codes = [m["code"] for m in prepared]
    modules, revisions, lessons = Module.__table__, ModuleRevision.__table__, Lesson.__table__
    db.session.execute(modules.insert(), [{"code": m["code"], "kind": m["kind"].value, "created_at": now}
                                          for m in prepared])
    ids = dict(db.session.execute(sa.select(modules.c.code, modules.c.id).where(
        modules.c.code.in_(each_value(db.session, codes, sa.String())))).all())
    db.session.execute(revisions.insert(), [
        {"module_id": ids[m["code"]], "number": 1, "title": m["title"], "summary_md": m["summary_md"],
         "summary_html": m["summary_html"], "change_summary": change_summary, "requires_restudy": False,
         "lock_version": 3, "author_id": actor_id, "created_at": now, "updated_at": now, "published_at": now,
         "published_by_id": actor_id} for m in prepared])
    revision_of = dict(db.session.execute(sa.select(revisions.c.module_id, revisions.c.id).where(
        revisions.c.module_id.in_(each_value(db.session, list(ids.values()))))).all())
    db.session.execute(modules.update().where(modules.c.id == sa.bindparam("b_id"))
                       .values(published_revision_id=sa.bindparam("b_revision")),
                       [{"b_id": module_id, "b_revision": revision_of[module_id]} for module_id in ids.values()])
    lesson_rows = [{"revision_id": revision_of[ids[m["code"]]], "key": row["key"], "position": row["position"],
                    "title": row["title"], "body_md": row["body_md"], "body_html": row["body_html"],
                    "minutes": row["minutes"]} for m in prepared for row in m["lessons"]]
    if lesson_rows:
        db.session.execute(lessons.insert(), lesson_rows)
    lesson_ids: dict[int, dict[str, int]] = {}
    for lesson_id, revision_id, key in db.session.execute(
            sa.select(lessons.c.id, lessons.c.revision_id, lessons.c.key).where(
                lessons.c.revision_id.in_(each_value(db.session, list(revision_of.values()))))):
        lesson_ids.setdefault(revision_id, {})[key] = lesson_id
    citations = [{"revision_id": revision_of[ids[m["code"]]], "document_id": d}
                 for m in prepared for d in m["document_ids"]]
    if citations:
        db.session.execute(revision_citations.insert(), citations)
    places = [{"module_id": ids[m["code"]], "locality_id": loc} for m in prepared for loc in m["locality_ids"]]
    if places:
        db.session.execute(module_localities.insert(), places)
    entries = []
    for m in prepared:
        module_id, revision_id = ids[m["code"]], revision_of[ids[m["code"]]]
        entries += [
            {"action": "module.create", "object_id": module_id, "detail": {"code": m["code"], "kind": str(m["kind"])}},
            {"action": "module.save_draft", "object_id": module_id,
             "detail": {"revision_id": revision_id, "lock_version": 2}},
            {"action": "module.publish", "object_id": module_id,
             "detail": {"revision_id": revision_id, "number": 1, "requires_restudy": False,
                        "change_summary": change_summary}},
        ]
    audit.insert_entries(db.session, [
        {**entry, "at": now, "actor_id": actor_id, "object_type": "modules", "ip": audit.client_address()}
        for entry in entries])
    return {m["code"]: {"module_id": ids[m["code"]], "revision_id": revision_of[ids[m["code"]]],
                        "lessons": lesson_ids.get(revision_of[ids[m["code"]]], {})} for m in prepared}


# --- review flags --------------------------------------------------------------------------------


def dismiss_flag(actor, flag: ReviewFlag, reason: str) -> ReviewFlag:
    """Close a review flag without a new revision, with the lecturer's written reason."""
    ensure_author(actor)
    reason = _clean(reason)
    if not reason:
        raise InvalidInput(_("Hãy ghi lý do không cần sửa học phần."), [_("Hãy ghi lý do không cần sửa học phần.")])
    if flag.status != FlagStatus.OPEN:
        raise Conflict(_("Yêu cầu rà soát này đã được xử lý."))
    impact.refresh_passages(actor, flag.passages)
    waiting = impact.open_passage_count(flag)
    if waiting:
        raise InvalidInput(ngettext(
            "Còn %(num)d đoạn nhắc đến %(old)s: hãy sửa, hoặc xác nhận từng đoạn là vẫn đúng, trước khi bỏ qua.",
            "Còn %(num)d đoạn nhắc đến %(old)s: hãy sửa, hoặc xác nhận từng đoạn là vẫn đúng, trước khi bỏ qua.",
            waiting, old=flag.old_document.code))
    flag.status, flag.resolution_note = FlagStatus.DISMISSED, reason
    flag.resolved_at, flag.resolved_by_id = utcnow(), getattr(actor, "id", None)
    db.session.flush()
    audit.record(actor, "review_flag.dismiss", flag, module=flag.module.code, reason=reason)
    return flag


def open_flags(module_ids=None) -> sa.Select:
    """Open review flags, oldest first (optionally for some modules only)."""
    query = (sa.select(ReviewFlag).where(ReviewFlag.status == FlagStatus.OPEN)
             .options(selectinload(ReviewFlag.module), selectinload(ReviewFlag.old_document),
                      selectinload(ReviewFlag.new_document))
             .order_by(ReviewFlag.raised_at, ReviewFlag.id))
    if module_ids is not None:
        query = query.where(ReviewFlag.module_id.in_(list(module_ids)))
    return query


# --- programs ------------------------------------------------------------------------------------


def save_program(actor, program: Program | None, *, code: str, name: str, description: str = "", title_ids=None,
                 items=(), required_theory_level: int = 0, hours: int | None = None,
                 validity_months: int | None = None, active: bool | None = None,
                 grade_scale: GradeScale | str | None = None) -> Program:
    """Create or update a program: its target titles and its ordered (module, required, due_days) items.

    `title_ids` None keeps the target titles as they are; changing them is for those who may change titles
    (lms.organisation.services.can_edit_titles), as they decide who is eligible in every tree."""
    from lms.accounts.models import TheoryLevel
    from lms.organisation.models import Title
    from lms.organisation.services import ensure_can_edit_titles

    ensure_author(actor)
    code, name = clean_name(code), clean_name(name)
    problems = []
    if not code or not name:
        problems.append(_("Chương trình cần có mã và tên."))
    try:
        required_theory_level = int(TheoryLevel(int(required_theory_level or 0)))
    except ValueError:
        problems.append(_("Trình độ lý luận chính trị không hợp lệ."))
    try:
        grade_scale = GradeScale(grade_scale) if grade_scale else (program.grade_scale if program else DEFAULT_SCALE)
    except ValueError:
        problems.append(_("Thang điểm không hợp lệ (10 hoặc 100)."))
    for value, label in ((hours, _("Số giờ")), (validity_months, _("Thời hạn hiệu lực"))):
        if value is not None and int(value) < 0:
            problems.append(_("%(field)s không được âm.", field=label))
    items = list(items)
    seen = set()
    for module, _required, due_days in items:
        if module.id in seen:
            problems.append(_("Học phần %(code)s có hai lần trong chương trình.", code=module.code))
        seen.add(module.id)
        if due_days is not None and int(due_days) < 0:
            problems.append(_("Hạn hoàn thành của học phần %(code)s không được âm.", code=module.code))
    current = {t.id for t in program.titles} if program is not None else set()
    title_ids = current if title_ids is None else {int(t) for t in title_ids}
    if title_ids != current:
        ensure_can_edit_titles(actor)
    titles = db.session.scalars(sa.select(Title).where(Title.id.in_(title_ids))).all() if title_ids else []
    if len(titles) != len(title_ids):
        problems.append(_("Có chức danh không tồn tại."))
    if problems:
        raise InvalidInput(" ".join(problems), problems)
    clash = db.session.scalar(sa.select(Program.id).where(Program.code == code))
    if clash and (program is None or clash != program.id):
        raise Conflict(_("Mã chương trình %(code)s đã tồn tại.", code=code))
    created = program is None
    if created:
        program = Program(code=code)
        db.session.add(program)
    program.code, program.name, program.description = code, name, (description or "").strip()
    program.required_theory_level = required_theory_level
    program.hours = None if hours is None else int(hours)
    program.validity_months = None if validity_months is None else int(validity_months)
    program.grade_scale = grade_scale
    program.titles = sorted(titles, key=lambda t: t.name)
    if active is not None:
        program.active = bool(active)
    existing = {item.module_id: item for item in program.items}
    kept = []
    for position, (module, required, due_days) in enumerate(items):
        item = existing.pop(module.id, None) or ProgramModule(module=module)
        item.position, item.required = position, bool(required)
        item.due_days = None if due_days is None else int(due_days)
        kept.append(item)
    program.items = kept
    db.session.flush()
    if not created:  # a passage of the description mentioning a superseded document may be gone now
        impact.refresh_passages(actor, db.session.scalars(
            impact.program_passages().where(ReviewPassage.program_id == program.id)).all())
    audit.record(actor, "program.create" if created else "program.update", program, code=code,
                 modules=[m.code for m, _r, _d in items], titles=sorted(t.code for t in titles))
    signals.program_saved.send(program=program, actor=actor)
    return program


def set_program_active(actor, program: Program, active: bool) -> None:
    ensure_author(actor)
    program.active = bool(active)
    audit.record(actor, "program.activate" if active else "program.deactivate", program)


def programs_for_user(user, day: date | None = None) -> list[Program]:
    """Live programs targeting a title the user holds or is planned for on `day`."""
    from lms.accounts.models import TitleAssignment

    day = day or local_today()
    titles = (sa.select(TitleAssignment.title_id)
              .where(TitleAssignment.user_id == user.id, TitleAssignment.start_date <= day,
                     sa.or_(TitleAssignment.end_date.is_(None), TitleAssignment.end_date >= day)))
    targeted = sa.select(program_titles.c.program_id).where(program_titles.c.title_id.in_(titles))
    return list(db.session.scalars(
        sa.select(Program).where(Program.active.is_(True), Program.id.in_(targeted))
        .options(selectinload(Program.titles),
                 selectinload(Program.items).selectinload(ProgramModule.module).selectinload(Module.localities),
                 selectinload(Program.items).selectinload(ProgramModule.module).selectinload(Module.published))
        .order_by(Program.name)
    ))

