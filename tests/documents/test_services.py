"""The registry: codes, supersession, review flags raised, resolved and dismissed, all audited."""
from datetime import date

import pytest
import sqlalchemy as sa

from lms import signals
from lms.audit import AuditEntry
from lms.curriculum import services as curriculum
from lms.curriculum.models import FlagStatus, Module, ReviewFlag
from lms.documents import services as documents
from lms.documents.models import Document, DocumentStatus, RelationKind
from lms.errors import Conflict, InvalidInput, NotAllowed
from lms.extensions import db


@pytest.mark.parametrize("code", ["32-NQ/TW", "32/NQ-TW", " 32 nq tw ", "32-nq/tw"])
def test_fold_code(code):
    assert documents.fold_code(code) == "32nqtw"


def test_fold_code_drops_diacritics_and_d_stroke():
    assert documents.fold_code("164-QĐ/TW") == "164qdtw"
    assert documents.fold_code("19/2025/QĐ-TTg") == "192025qdttg"


def _register(actor=None, **kw):
    fields = {"code": "12-NQ/TW", "kind": "resolution", "number": "12", "issuer": "Ban Chấp hành Trung ương",
              "issued_on": date(2025, 1, 1), "title": "Về tiếp tục xây dựng Đảng"}
    fields.update(kw)
    return documents.register_document(actor, **fields)


def test_register_checks_fields_permission_and_duplicates(ctx, make):
    with pytest.raises(InvalidInput) as bad:
        _register(code="", title="", issued_on=None)
    assert len(bad.value.problems) == 3
    with pytest.raises(NotAllowed):
        _register(make.user("hv"))
    doc = _register(make.lecturer("gv"))
    assert (doc.code_key, doc.status) == ("12nqtw", DocumentStatus.IN_FORCE)
    with pytest.raises(Conflict):
        _register()


def _citing_module(make, doc, code):
    module = make.module(code, documents=[doc])
    return db.session.get(Module, module.id)


def test_superseding_flags_every_module_citing_the_old_document_with_the_reason(ctx, make):
    old = make.document("4-NQ/TW", number="4", issued_on=date(2016, 10, 30))
    unrelated = make.document("5-NQ/TW", number="5")
    a, b = _citing_module(make, old, "HP-A"), _citing_module(make, old, "HP-B")
    _citing_module(make, unrelated, "HP-C")
    make.module("HP-D", documents=[old], publish=False)  # only a draft cites it: nothing to flag
    announced = []
    lecturer = make.lecturer("gv")
    with signals.document_registered.connected_to(lambda s, **kw: announced.append(kw["document"].code)):
        new = _register(lecturer, relations=[(RelationKind.SUPERSEDES, old)])
    assert announced == ["12-NQ/TW"]
    assert old.status == DocumentStatus.SUPERSEDED
    flags = db.session.scalars(sa.select(ReviewFlag).order_by(ReviewFlag.module_id)).all()
    assert [(f.module_id, f.old_document_id, f.new_document_id, f.status) for f in flags] == [
        (a.id, old.id, new.id, FlagStatus.OPEN), (b.id, old.id, new.id, FlagStatus.OPEN)]
    assert "4-NQ/TW" in flags[0].reason
    assert "12-NQ/TW" in flags[0].reason
    assert "thay thế" in flags[0].reason
    audit = db.session.execute(sa.select(AuditEntry.action, AuditEntry.actor_id)
                               .where(AuditEntry.action.in_(["document.register", "review_flag.raise",
                                                             "document.status"]),
                                      AuditEntry.actor_id.is_not(None))).all()
    assert sorted(audit) == sorted([("document.register", lecturer.id), ("document.status", lecturer.id),
                                    ("review_flag.raise", lecturer.id), ("review_flag.raise", lecturer.id)])


def test_amending_marks_amended_but_never_downgrades_superseded(ctx, make):
    old = make.document("4-NQ/TW", number="4")
    _register(relations=[(RelationKind.AMENDS, old)])
    assert old.status == DocumentStatus.AMENDED
    _register(code="21-NQ/TW", number="21", relations=[(RelationKind.SUPERSEDES, old)])
    _register(code="22-NQ/TW", number="22", relations=[(RelationKind.AMENDS, old)])
    assert old.status == DocumentStatus.SUPERSEDED
    guide = _register(code="1-HD/TW", kind="guidance", number="1", relations=[(RelationKind.GUIDES, old)])
    assert guide.status == DocumentStatus.IN_FORCE
    assert old.status == DocumentStatus.SUPERSEDED


def test_publishing_a_revision_citing_the_new_document_resolves_the_flag(ctx, make):
    old = make.document("4-NQ/TW", number="4")
    module = _citing_module(make, old, "HP-A")
    new = _register(relations=[(RelationKind.SUPERSEDES, old)])
    flag = db.session.scalar(sa.select(ReviewFlag))
    lecturer = make.lecturer("gv")
    draft = curriculum.get_or_create_draft(lecturer, module)
    curriculum.publish(lecturer, draft, change_summary="Chưa đổi văn bản")
    assert flag.status == FlagStatus.OPEN  # still cites the old one only
    draft = curriculum.get_or_create_draft(lecturer, module)
    curriculum.save_draft(lecturer, draft, lock_version=draft.lock_version, title=draft.title, summary_md="",
                          lessons=[{"key": x.key, "title": x.title, "body_md": x.body_md} for x in draft.lessons],
                          document_ids=[new.id])
    revision = curriculum.publish(lecturer, draft, change_summary="Cập nhật theo Nghị quyết 12")
    assert (flag.status, flag.resolved_revision_id, flag.resolved_by_id) == (FlagStatus.RESOLVED, revision.id,
                                                                             lecturer.id)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "review_flag.resolve"))
    assert (entry.object_id, entry.actor_id) == (flag.id, lecturer.id)


def test_dismissing_needs_a_written_reason_and_is_audited(ctx, make):
    old = make.document("4-NQ/TW", number="4")
    _citing_module(make, old, "HP-A")
    _register(relations=[(RelationKind.AMENDS, old)])
    flag = db.session.scalar(sa.select(ReviewFlag))
    lecturer = make.lecturer("gv")
    with pytest.raises(InvalidInput):
        curriculum.dismiss_flag(lecturer, flag, "   ")
    with pytest.raises(NotAllowed):
        curriculum.dismiss_flag(make.user("hv"), flag, "Không liên quan")
    curriculum.dismiss_flag(lecturer, flag, "Phần sửa đổi không liên quan đến học phần")
    assert (flag.status, flag.resolution_note) == (FlagStatus.DISMISSED, "Phần sửa đổi không liên quan đến học phần")
    with pytest.raises(Conflict):
        curriculum.dismiss_flag(lecturer, flag, "Lần hai")
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "review_flag.dismiss"))
    assert entry.detail["reason"] == "Phần sửa đổi không liên quan đến học phần"
    assert entry.actor_id == lecturer.id
    assert db.session.scalars(curriculum.open_flags()).all() == []


def test_registering_the_same_relation_twice_raises_no_second_flag(ctx, make):
    old = make.document("4-NQ/TW", number="4")
    _citing_module(make, old, "HP-A")
    new = _register(relations=[(RelationKind.SUPERSEDES, old)])
    assert documents.add_relations(None, new, [(RelationKind.SUPERSEDES, old)]) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewFlag)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 2
