"""Authoring rules: drafts, optimistic locking, publishing, programs by title."""
from datetime import date

import pytest
import sqlalchemy as sa

from lms import signals
from lms.audit import AuditEntry
from lms.curriculum import services as curriculum
from lms.curriculum.models import Lesson, Module, ModuleKind, ModuleRevision
from lms.errors import Conflict, InvalidInput, NotAllowed
from lms.extensions import db


def _save(draft, **changes):
    fields = {
        "lock_version": draft.lock_version,
        "title": draft.title,
        "summary_md": draft.summary_md,
        "lessons": [{"key": x.key, "title": x.title, "body_md": x.body_md, "minutes": x.minutes}
                    for x in draft.lessons],
        "document_ids": [d.id for d in draft.documents],
    }
    fields.update(changes)
    return curriculum.save_draft(None, draft, **fields)


def test_create_module_makes_a_first_draft_nobody_sees_yet(ctx, make):
    module = curriculum.create_module(None, code="HP-01", kind=ModuleKind.SELF_STUDY, title="Học tập Nghị quyết",
                                      summary_md="Tóm *tắt*")
    assert module.published is None
    draft = curriculum.get_or_create_draft(None, module)
    assert draft.is_draft
    assert draft.title == "Học tập Nghị quyết"
    assert "<em>tắt</em>" in draft.summary_html


def test_only_lecturers_and_admins_author(ctx, make):
    trainee = make.user("hv")
    with pytest.raises(NotAllowed):
        curriculum.create_module(trainee, code="HP-01", kind="self_study", title="X")
    lecturer = make.lecturer("gv")
    assert curriculum.create_module(lecturer, code="HP-01", kind="self_study", title="X").id


def test_local_topic_needs_a_locality_and_codes_are_unique(ctx, make):
    with pytest.raises(InvalidInput):
        curriculum.create_module(None, code="HP-L", kind="local_topic", title="Chuyên đề")
    province = make.locality("Quảng Trị")
    module = curriculum.create_module(None, code="HP-L", kind="local_topic", title="Chuyên đề",
                                      locality_ids=[province.id])
    assert [loc.name for loc in module.localities] == ["Quảng Trị"]
    with pytest.raises(Conflict):
        curriculum.create_module(None, code="HP-L", kind="self_study", title="Khác")


def test_save_draft_renders_markdown_once_orders_lessons_and_keeps_keys(ctx, make):
    doc = make.document("32-NQ/TW")
    module = curriculum.create_module(None, code="HP-01", kind="lecture", title="T")
    draft = curriculum.get_or_create_draft(None, module)
    _save(draft, lessons=[{"title": "Mở đầu", "body_md": "# Chào", "minutes": "15"},
                          {"title": "Nội dung chính", "body_md": "*a*"}], document_ids=[doc.id])
    assert [x.title for x in draft.lessons] == ["Mở đầu", "Nội dung chính"]
    assert draft.lessons[0].body_html == "<h1>Chào</h1>"
    assert draft.lessons[0].minutes == 15
    keys = [x.key for x in draft.lessons]
    assert keys == ["mo-dau", "noi-dung-chinh"]
    assert [d.code for d in draft.documents] == ["32-NQ/TW"]
    # reorder, edit one, drop none, add one
    _save(draft, lessons=[{"key": keys[1], "title": "Nội dung chính", "body_md": "**b**"},
                          {"key": keys[0], "title": "Mở đầu", "body_md": "# Chào"},
                          {"title": "Mở đầu", "body_md": ""}])
    assert [x.key for x in draft.lessons] == ["noi-dung-chinh", "mo-dau", "mo-dau-2"]
    assert draft.lessons[0].body_html == "<p><strong>b</strong></p>"
    # remove
    _save(draft, lessons=[{"key": "mo-dau", "title": "Mở đầu", "body_md": "# Chào"}])
    assert [x.key for x in draft.lessons] == ["mo-dau"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Lesson)) == 1


def test_bad_lessons_are_refused_with_reasons(ctx, make):
    module = curriculum.create_module(None, code="HP-01", kind="lecture", title="T")
    draft = curriculum.get_or_create_draft(None, module)
    with pytest.raises(InvalidInput) as refused:
        _save(draft, lessons=[{"title": "", "body_md": "x"}, {"title": "B", "minutes": "nhiều"}])
    assert len(refused.value.problems) == 2
    assert draft.lock_version == 1


def test_a_stale_lock_version_is_refused(ctx, make):
    module = curriculum.create_module(None, code="HP-01", kind="lecture", title="T")
    draft = curriculum.get_or_create_draft(None, module)
    _save(draft, title="Bản của giảng viên A", lock_version=1)
    assert draft.lock_version == 2
    with pytest.raises(Conflict):
        _save(draft, title="Bản của giảng viên B", lock_version=1)
    db.session.expire_all()
    assert db.session.get(ModuleRevision, draft.id).title == "Bản của giảng viên A"


def test_publish_numbers_revisions_and_a_new_draft_copies_the_published_one(ctx, make):
    doc = make.document("32-NQ/TW")
    received = []
    module = curriculum.create_module(None, code="HP-01", kind="lecture", title="T")
    draft = curriculum.get_or_create_draft(None, module)
    _save(draft, lessons=[{"title": "Bài 1", "body_md": "a"}], document_ids=[doc.id])
    with pytest.raises(InvalidInput):
        curriculum.publish(None, draft, change_summary="  ")

    def listener(sender, **kw):
        received.append((kw["module"].code, kw["revision"].number))

    with signals.revision_published.connected_to(listener):
        first = curriculum.publish(None, draft, change_summary="Bản đầu", requires_restudy=True)
    assert (first.number, module.published, received) == (1, first, [("HP-01", 1)])
    assert first.requires_restudy
    assert first.published_at is not None
    with pytest.raises(Conflict):
        _save(first, title="Sửa bản đã xuất bản")
    second = curriculum.get_or_create_draft(None, module)
    assert second.id != first.id
    assert second.is_draft
    assert [(x.key, x.body_html) for x in second.lessons] == [(x.key, x.body_html) for x in first.lessons]
    assert [d.id for d in second.documents] == [doc.id]
    assert curriculum.get_or_create_draft(None, module).id == second.id
    _save(second, title="T2")
    assert curriculum.publish(None, second, change_summary="Sửa").number == 2
    assert module.published.title == "T2"
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_id == module.id,
                                                                    AuditEntry.object_type == "modules")).all()
    assert actions.count("module.publish") == 2


def test_save_module_draft_from_the_published_text_refuses_when_someone_started_a_draft(ctx, make):
    module = make.module("HP-01")
    module = db.session.get(Module, module.id)
    curriculum.save_module_draft(None, module, lock_version=0, title="A", summary_md="", lessons=[],
                                 document_ids=[])
    with pytest.raises(Conflict):
        curriculum.save_module_draft(None, module, lock_version=0, title="B", summary_md="", lessons=[],
                                     document_ids=[])


def test_programs_for_user_follow_held_and_planned_titles(ctx, make):
    secretary, chair, other = make.title("Bí thư xã"), make.title("Chủ tịch xã"), make.title("Khác")
    m1, m2 = make.module("HP-1"), make.module("HP-2")
    p_secretary = make.program("CT-BT", name="A. Bí thư", titles=[secretary], modules=[m1, (m2, False, 30)])
    p_chair = make.program("CT-CT", name="B. Chủ tịch", titles=[chair], modules=[m2])
    make.program("CT-K", name="C. Khác", titles=[other])
    user = make.user("hv", held=[secretary], planned=[chair])
    assert [p.code for p in curriculum.programs_for_user(user)] == ["CT-BT", "CT-CT"]
    assert [(i.module.code, i.required, i.due_days) for i in p_secretary.items] == [
        ("HP-1", True, None), ("HP-2", False, 30)]
    assert curriculum.programs_for_user(user, day=date(2020, 1, 1)) == []
    curriculum.set_program_active(None, p_chair, False)
    assert [p.code for p in curriculum.programs_for_user(user)] == ["CT-BT"]


def test_save_program_reorders_and_validates(ctx, make):
    m1, m2, m3 = make.module("HP-1"), make.module("HP-2"), make.module("HP-3")
    program = make.program("CT-1", modules=[m1, m2])
    curriculum.save_program(None, program, code="CT-1", name="Mới", items=[(m3, True, 10), (m1, False, None)],
                            hours=40, validity_months=60, required_theory_level=2)
    assert [i.module.code for i in program.items] == ["HP-3", "HP-1"]
    assert (program.hours, program.validity_months, program.required_theory_level) == (40, 60, 2)
    with pytest.raises(InvalidInput):
        curriculum.save_program(None, program, code="CT-1", name="X", items=[(m1, True, None), (m1, True, None)])
    with pytest.raises(InvalidInput):
        curriculum.save_program(None, program, code="CT-1", name="X", items=[(m1, True, -1)])
    make.program("CT-2")
    with pytest.raises(Conflict):
        curriculum.save_program(None, program, code="CT-2", name="X")
