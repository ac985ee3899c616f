"""A person's whole record: for the person and the admins whose scope holds them, on a page and as a file."""
from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa

from lms.accounts.models import AssignmentKind, User
from lms.delivery import services as delivery
from lms.delivery.models import Nomination, NominationState
from lms.extensions import db
from lms.formats import local_today
from lms.learning.models import Certificate


def _person(make, app):
    province = make.unit("Tỉnh ủy Hà Tĩnh")
    commune = make.unit("Đảng ủy xã Kỳ Anh", parent=province)
    other = make.unit("Thành ủy Huế")
    secretary = make.title("Bí thư Đảng ủy xã")
    chair = make.title("Chủ tịch UBND xã")
    make.admin("ht.admin", scope=province)
    make.admin("hue.admin", scope=other)
    an = make.user("hv.an", full_name="Nguyễn Văn An", unit=commune, held=[secretary])
    make.user("hv.binh", full_name="Trần Thị Bình", unit=commune)
    basics = make.program_record("Bồi dưỡng Bí thư Đảng ủy xã", titles=[secretary])
    skills = make.program_record("Kỹ năng lãnh đạo, quản lý")
    make.program_status(an, basics, "completed", completed_at=local_today() - timedelta(days=3))
    make.program_status(an, skills, "in_progress", due_on=local_today() + timedelta(days=30), done=1)
    with app.app_context():
        from lms.accounts import services as accounts

        admin = db.session.scalar(sa.select(User).where(User.username == "ht.admin"))
        person = db.session.get(User, an.id)
        accounts.assign_title(admin, person, db.session.get(type(chair), chair.id), AssignmentKind.PLANNED,
                              local_today())
        db.session.commit()
    klass = make.training_class(program=skills, unit=province, code="HT-KN-2026")
    nomination = make.nomination(klass, an, NominationState.APPROVED)
    with app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.username == "ht.admin"))
        delivery.change_state(admin, db.session.get(Nomination, nomination.id), NominationState.WITHDRAWN,
                              note="Bận công tác")
        db.session.commit()
    valid = make.certificate(an, basics)
    expired = make.certificate(an, skills)
    revoked = make.certificate(an, basics)
    with app.app_context():
        db.session.get(Certificate, expired.id).valid_until = local_today() - timedelta(days=1)
        gone = db.session.get(Certificate, revoked.id)
        gone.revoked_at, gone.revoked_reason = gone.issued_at, "Cấp nhầm"
        db.session.commit()
    return an, valid


def test_admin_in_scope_reads_the_whole_record(app, client, auth, make):
    an, _valid = _person(make, app)
    auth.login("ht.admin")
    page = client.get(f"/people/{an.id}").get_data(as_text=True)
    for expected in ("Nguyễn Văn An", "Bí thư Đảng ủy xã", "Quy hoạch", "Chủ tịch UBND xã",
                     "Kỹ năng lãnh đạo, quản lý", "Đang học", "HT-KN-2026", "Đã rút",
                     "Còn hiệu lực", "Hết hiệu lực", "Đã thu hồi", "Cấp nhầm",
                     "Rút khỏi lớp", "Ghi chú: Bận công tác", "Giao chức danh"):
        assert expected in page, expected
    assert "nomination.withdrawn" not in page  # the audit trail in words
    assert "title.assign" not in page


def test_the_person_reads_their_own_record_and_nobody_elses(app, client, auth, make):
    an, _valid = _person(make, app)
    auth.login("hv.an")
    assert client.get(f"/people/{an.id}").status_code == 200
    assert f'href="/people/{an.id}"' in client.get("/my/record").get_data(as_text=True)
    auth.logout()
    auth.login("hv.binh")
    assert client.get(f"/people/{an.id}").status_code == 403
    assert client.get(f"/people/{an.id}/record.csv").status_code == 403


def test_an_admin_outside_the_scope_is_refused(app, client, auth, make):
    an, _valid = _person(make, app)
    auth.login("hue.admin")
    assert client.get(f"/people/{an.id}").status_code == 403
    assert client.get(f"/people/{an.id}/record.xlsx").status_code == 403


def test_the_record_exports_as_csv_and_xlsx(app, client, auth, make):
    from openpyxl import load_workbook

    an, _valid = _person(make, app)
    auth.login("ht.admin")
    response = client.get(f"/people/{an.id}/record.csv")
    assert response.headers["Content-Disposition"].startswith('attachment; filename="ho-so-hv-an-')
    text = response.get_data().decode("utf-8-sig")
    assert "Chứng nhận,Bồi dưỡng Bí thư Đảng ủy xã,Đã thu hồi" in text
    rows = list(load_workbook(io.BytesIO(client.get(f"/people/{an.id}/record.xlsx").get_data()))
                .active.iter_rows(values_only=True))
    assert rows[0][0] == "Hồ sơ học tập"
    klass = next(r for r in rows if r[0] == "Lớp")
    assert klass[1].startswith("HT-KN-2026: ")
    assert klass[2] == "Đã rút"


def test_user_list_and_class_roster_link_to_the_record(app, client, auth, make):
    an, _valid = _person(make, app)
    auth.login("ht.admin")
    assert f'href="/people/{an.id}"' in client.get("/admin/users/").get_data(as_text=True)
    with app.app_context():
        class_id = db.session.scalar(sa.select(Nomination.class_id).where(Nomination.trainee_id == an.id))
    assert f'href="/people/{an.id}"' in client.get(f"/classes/{class_id}").get_data(as_text=True)


def test_the_record_runs_the_same_statements_however_long_it_is(app, client, auth, make, page_statements):
    an, _valid = _person(make, app)
    auth.login("ht.admin")
    small = page_statements(f"/people/{an.id}")
    for n in range(5):
        program = make.program_record(f"Chương trình thêm {n}")
        make.program_status(an, program, "in_progress")
        klass = make.training_class(program=program, unit=make.unit(f"Đơn vị {n}"))
        make.nomination(klass, an, NominationState.ENROLLED)
        make.certificate(an, program)
    assert page_statements(f"/people/{an.id}") == small
