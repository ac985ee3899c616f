"""Changes that concern someone write their notification in the same transaction: a rolled-back change
notifies nobody, and each notice is written once."""
from datetime import date

import pytest
import sqlalchemy as sa

from lms.accounts.models import TheoryLevel, User
from lms.curriculum.models import Module, ModuleRevision
from lms.delivery import reports
from lms.delivery import services as delivery
from lms.delivery.models import FieldTrip, NominationState, SubmissionStatus, TrainingClass
from lms.documents import services as documents
from lms.documents.models import RelationKind
from lms.extensions import db
from lms.learning.certificates import issue_certificate
from lms.learning.models import ModuleState, ModuleStatus, ProgramStatus
from lms.notifications import services
from lms.notifications.kinds import kind
from tests.notifications.helpers import notices


@pytest.fixture
def class_world(ctx, make):
    province = make.unit("Tỉnh ủy")
    secretary = make.title("Bí thư Đảng ủy xã", code="XA-BT")
    program = make.program(name="Bồi dưỡng Bí thư Đảng ủy xã", titles=[secretary])
    klass = make.training_class(program=program, unit=province, code="BT-2026")
    admin = make.admin("admin", scope=province)
    cadre = make.user("hocvien", unit=province, held=[secretary], theory_level=TheoryLevel.INTERMEDIATE)
    return type("W", (), dict(admin=db.session.get(User, admin.id), cadre=db.session.get(User, cadre.id),
                              klass=db.session.get(TrainingClass, klass.id)))


def test_each_step_of_a_nomination_tells_the_trainee(class_world):
    w = class_world
    nomination = delivery.nominate(w.admin, w.cadre, w.klass)
    delivery.change_state(w.admin, nomination, NominationState.APPROVED)
    delivery.change_state(w.admin, nomination, NominationState.ENROLLED)
    delivery.change_state(w.admin, nomination, NominationState.WITHDRAWN, note="Bận công tác")
    rows = notices(user_id=w.cadre.id)
    assert [r.kind for r in rows] == ["nomination.nominated", "nomination.approved", "nomination.enrolled",
                                      "nomination.withdrawn"]
    assert kind("nomination.nominated").text(rows[0].params) == (
        f"Bạn được cử đi học lớp {w.klass.name} (BT-2026), khai giảng 01/09/2026.")


def test_a_rolled_back_nomination_notifies_nobody(class_world):
    w = class_world
    delivery.nominate(w.admin, w.cadre, w.klass)
    assert len(notices()) == 1  # written with the nomination, in its transaction
    db.session.rollback()
    assert notices() == []


@pytest.fixture
def graded_world(ctx, make):
    unit = make.unit()
    lecturer = make.lecturer("giangvien")
    klass = make.training_class(unit=unit, lecturers=[lecturer])
    alice = make.user("alice", unit=unit)
    make.nomination(klass, alice, NominationState.ENROLLED)
    trip = make.trip(klass)
    alice = db.session.get(User, alice.id)
    trip = db.session.get(FieldTrip, trip.id)
    submission = reports.save_submission(alice, trip, body_md="Nội dung", submit=True)
    return type("W", (), dict(lecturer=db.session.get(User, lecturer.id), alice=alice, trip=trip,
                              submission=submission))


def test_a_report_returned_then_graded_tells_the_trainee_each_time(graded_world):
    w = graded_world
    reports.grade(w.lecturer, w.submission, points={}, feedback_md="Bổ sung số liệu", return_for_revision=True)
    reports.save_submission(w.alice, w.trip, body_md="Nội dung đã sửa", submit=True)
    points = {c.id: 1 for c in w.trip.criteria}
    reports.grade(w.lecturer, w.submission, points=points, feedback_md="Tốt")
    assert w.submission.status == SubmissionStatus.GRADED
    rows = notices(user_id=w.alice.id)
    assert [r.kind for r in rows] == ["report.returned", "report.graded"]
    assert "Xây dựng nông thôn mới" in kind("report.returned").text(rows[0].params)


def test_a_re_study_revision_tells_those_who_completed_the_module_what_changed(ctx, make):
    module = make.learning_module("HP-1", title="Xây dựng Đảng")
    done, started = make.user("done"), make.user("started")
    db.session.add_all([
        ModuleStatus(user_id=done.id, module_id=module.id, state=ModuleState.COMPLETED,
                     completed_revision_id=db.session.get(Module, module.id).published_revision_id),
        ModuleStatus(user_id=started.id, module_id=module.id, state=ModuleState.IN_PROGRESS),
    ])
    db.session.flush()
    make.publish_revision(module, change_summary="Cập nhật Nghị quyết 12", requires_restudy=False)
    assert notices() == []  # a minor revision keeps completions: nobody needs to hear of it
    make.publish_revision(module, change_summary="Bổ sung Kết luận 21-KL/TW", requires_restudy=True)
    [row] = notices()
    assert (row.user_id, row.kind) == (done.id, "revision.restudy")
    assert kind("revision.restudy").detail(row.params) == "Nội dung thay đổi: Bổ sung Kết luận 21-KL/TW"


def test_a_review_flag_tells_the_lecturers_who_wrote_the_module(ctx, make):
    old = make.document("4-NQ/TW", number="4", issued_on=date(2016, 10, 30))
    author, other = make.lecturer("tacgia"), make.lecturer("khac")
    module = make.module("HP-A", documents=[old])
    db.session.execute(sa.update(ModuleRevision).where(ModuleRevision.module_id == module.id)
                       .values(author_id=author.id))
    documents.register_document(db.session.get(User, other.id), code="12-NQ/TW", kind="resolution", number="12",
                                issuer="Ban Chấp hành Trung ương", issued_on=date(2025, 1, 1), title="Về Đảng",
                                relations=[(RelationKind.SUPERSEDES, old)])
    [row] = notices()
    assert (row.user_id, row.kind) == (author.id, "review_flag.raised")
    assert kind("review_flag.raised").text(row.params).startswith("Học phần HP-A cần rà soát: Văn bản 4-NQ/TW")


def test_a_certificate_issued_tells_its_holder(ctx, make):
    user = make.user("hv")
    program = make.learning_program("Bồi dưỡng cập nhật kiến thức")
    status = ProgramStatus(user_id=user.id, program_id=program.id, cycle=1)
    db.session.add(status)
    db.session.flush()
    certificate = issue_certificate(db.session.get(User, user.id), program, status)
    [row] = notices()
    assert (row.user_id, row.kind, row.params["certificate_id"]) == (user.id, "certificate.issued", certificate.id)


def test_the_same_notice_is_written_once(ctx, make):
    user = make.user("hv")
    first = services.notify(user.id, "certificate.issued", "7", {"certificate_id": 7, "program_name": "CT"})
    again = services.notify(user.id, "certificate.issued", "7", {"certificate_id": 7, "program_name": "CT"})
    assert first is not None
    assert again is None
    assert len(notices()) == 1
