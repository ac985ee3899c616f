"""Demo delivery data: a small demonstration program (named as such: it stands in for no real curriculum) with a
field-trip module, a concentrated and an online class at the provincial school, a 2026 plan, nominations, and a
field trip with a submitted report, and the concentrated class's timetable with its first attendance lists.

Idempotent: each part is looked up by its code first. Runs after the demo people exist.
"""
from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa

from lms.accounts.models import User
from lms.curriculum import services as curriculum
from lms.curriculum.models import Module, Program
from lms.delivery import reports, trips
from lms.delivery.models import (
    AttendanceMethod,
    DeliveryMode,
    FieldTrip,
    Nomination,
    NominationState,
    PlanQuota,
    RubricCriterion,
    TrainingClass,
    TrainingPlan,
)
from lms.delivery.timetable_models import ClassSession, Presence, SessionAttendance
from lms.extensions import db
from lms.markup import render_markdown
from lms.organisation.models import Title, Unit

PROGRAM_CODE = "DEMO-DTT"
PROGRAM_NAME = "Chương trình minh họa (dữ liệu demo): đi thực tế xây dựng nông thôn mới"
PROGRAM_DESCRIPTION = ("Dữ liệu demo để thử lớp học, cử học và đi thực tế. Đây không phải chương trình bồi dưỡng "
                       "Bí thư, Phó Bí thư Đảng ủy xã: chương trình thật là BD-XA-BT trong content/.")
CLASS_CODE = "DEMO-DTT-2026"
RUBRIC = "Nội dung, số liệu | 2 | Chưa đạt | Đạt | Tốt\nLiên hệ thực tiễn địa phương | 1 | Chưa đạt | Đạt | Tốt"


def _user(username: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.username == username))


def _unit(key: str) -> Unit | None:
    return db.session.scalar(sa.select(Unit).where(Unit.code == f"demo-{key}"))


def load_delivery_demo() -> dict[str, int]:
    summary = {"classes": 0, "nominations": 0}
    school, lecturer = _unit("school"), _user("giangvien")
    if school is None or lecturer is None:
        return summary
    module = db.session.scalar(sa.select(Module).where(Module.code == "DEMO-DTT-NTM"))
    if module is None:
        # Written and published by the demo lecturer, who also teaches it: their "của tôi" is not empty.
        module = curriculum.create_module(lecturer, code="DEMO-DTT-NTM", kind="field_trip",
                                          title="Đi thực tế (demo): xây dựng nông thôn mới ở xã miền núi")
        draft = curriculum.get_or_create_draft(lecturer, module)
        curriculum.save_draft(lecturer, draft, lock_version=draft.lock_version, title=draft.title,
                              summary_md="Tìm hiểu mô hình dân vận khéo và nông thôn mới tại xã Dân Hóa.",
                              lessons=[{"title": "Chuẩn bị chuyến đi", "body_md": "Đọc tài liệu về xã trước khi đi.",
                                        "minutes": 20}], document_ids=[])
        curriculum.publish(lecturer, draft, change_summary="Bản đầu tiên")
    program = db.session.scalar(sa.select(Program).where(Program.code == PROGRAM_CODE))
    if program is None:
        title_ids = list(db.session.scalars(sa.select(Title.id).where(Title.code.in_(("XA-BT", "XA-PBT")))))
        program = curriculum.save_program(None, None, code=PROGRAM_CODE, name=PROGRAM_NAME,
                                          description=PROGRAM_DESCRIPTION, title_ids=title_ids,
                                          items=[(module, True, None)], required_theory_level=2, hours=2)
    classes = {}
    for code, name, mode in ((CLASS_CODE, "Lớp minh họa (demo): đi thực tế 2026, tập trung", DeliveryMode.CONCENTRATED),
                             (f"{CLASS_CODE}-TT", "Lớp minh họa (demo): đi thực tế 2026, trực tuyến",
                              DeliveryMode.ONLINE)):
        klass = db.session.scalar(sa.select(TrainingClass).where(TrainingClass.code == code))
        if klass is None:
            klass = TrainingClass(code=code, name=name, program=program, mode=mode, starts_on=date(2026, 9, 7),
                                  ends_on=date(2026, 9, 18), place="Trường Chính trị Lê Duẩn", capacity=30,
                                  unit=school, lecturers=[lecturer])
            db.session.add(klass)
            summary["classes"] += 1
        classes[code] = klass
    db.session.flush()
    for key in ("dongHoi", "danHoa"):
        unit = _unit(key)
        if unit and not db.session.scalar(sa.select(TrainingPlan.id).where(TrainingPlan.unit_id == unit.id,
                                                                           TrainingPlan.year == 2026)):
            save_plan_as_system(unit, program)
    concentrated = classes[CLASS_CODE]
    for username, state in (("hv.dang", NominationState.ENROLLED), ("hv.mai", NominationState.ENROLLED),
                            ("hv.ly", NominationState.NOMINATED), ("hv.ho", NominationState.APPROVED)):
        trainee = _user(username)
        if trainee and not db.session.scalar(sa.select(Nomination.id).where(
                Nomination.class_id == concentrated.id, Nomination.trainee_id == trainee.id)):
            db.session.add(Nomination(training_class=concentrated, trainee=trainee, state=state))
            summary["nominations"] += 1
    db.session.flush()
    trip = db.session.scalar(sa.select(FieldTrip).where(FieldTrip.class_id == concentrated.id))
    if trip is None:
        instructions = "Ghi chép mô hình, phỏng vấn cán bộ xã, viết bài thu hoạch 3–5 trang."
        trip = FieldTrip(training_class=concentrated, module=module, topic="Dân vận khéo trong xây dựng nông thôn mới",
                         site="UBND xã Dân Hóa", locality=_unit("danHoa").locality, starts_on=date(2026, 9, 15),
                         ends_on=date(2026, 9, 16), instructions_md=instructions,
                         instructions_html=render_markdown(instructions), deadline=datetime(2026, 9, 30, 10, 0),
                         created_by_id=lecturer.id)
        trip.criteria = [RubricCriterion(position=i, name=c.name, weight=c.weight, levels=c.levels)
                         for i, c in enumerate(trips.parse_rubric(RUBRIC))]
        db.session.add(trip)
        db.session.flush()
        dang = _user("hv.dang")
        if dang is not None:
            body = "## Mô hình\n\nXã Dân Hóa vận động đồng bào hiến đất làm đường."
            reports.save_submission(dang, trip, body_md=body, submit=True, now=datetime(2026, 9, 20, 8, 0))
    summary["sessions"] = _timetable(concentrated, lecturer)
    return summary


SESSIONS = [(date(2026, 9, 7), time(7, 30), time(11, 0), "Khai giảng; quán triệt Nghị quyết về công tác cán bộ"),
            (date(2026, 9, 8), time(7, 30), time(11, 0), "Công tác dân vận ở cơ sở"),
            (date(2026, 9, 9), time(13, 30), time(17, 0), "Xây dựng nông thôn mới ở xã miền núi"),
            (date(2026, 9, 10), time(7, 30), time(11, 0), "Chuẩn bị đi thực tế"),
            (date(2026, 9, 18), time(7, 30), time(11, 0), "Tổng kết, bế giảng")]


def _timetable(klass: TrainingClass, lecturer: User) -> int:
    """The concentrated class's timetable, with attendance taken for its first two sessions (as the list)."""
    if db.session.scalar(sa.select(ClassSession.id).where(ClassSession.class_id == klass.id).limit(1)):
        return 0
    sessions = [ClassSession(training_class=klass, held_on=day, starts_at=start, ends_at=end, topic=topic,
                             lecturer=lecturer, room="Phòng 201") for day, start, end, topic in SESSIONS]
    db.session.add_all(sessions)
    db.session.flush()
    dang, mai = _user("hv.dang"), _user("hv.mai")
    marks = [(sessions[0], dang, Presence.PRESENT, ""), (sessions[0], mai, Presence.PRESENT, ""),
             (sessions[1], dang, Presence.PRESENT, ""), (sessions[1], mai, Presence.EXCUSED, "Ốm, có giấy")]
    db.session.add_all(SessionAttendance(session_id=s.id, trainee_id=u.id, presence=p, reason=r,
                                         method=AttendanceMethod.LIST, recorded_by_id=lecturer.id)
                       for s, u, p, r in marks if u is not None)
    db.session.flush()
    return len(sessions)


def save_plan_as_system(unit: Unit, program: Program) -> None:
    """The demo plan (2 places per commune); written as the command line, without an acting admin."""
    plan = TrainingPlan(unit=unit, year=2026, note="Kế hoạch mẫu")
    db.session.add(plan)
    db.session.flush()
    plan.quotas.append(PlanQuota(program=program, quota=2))

