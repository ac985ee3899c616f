"""A training admin manages the users of their own unit subtree, and nobody else's."""
import re
from datetime import date

import pytest
import sqlalchemy as sa

from lms.accounts.models import AssignmentKind, Role, TitleAssignment, User
from lms.audit import AuditEntry
from lms.extensions import db


@pytest.fixture
def province(make):
    """Two provinces, each with a commune unit; an admin of the first one, signed in."""
    quang_tri = make.unit("Tỉnh ủy Quảng Trị")
    dan_hoa = make.unit("Đảng ủy xã Dân Hóa", parent=quang_tri)
    hue = make.unit("Thành ủy Huế")
    phu_vang = make.unit("Đảng ủy xã Phú Vang", parent=hue)
    admin = make.admin("admin", scope=quang_tri, full_name="Nguyễn Thị Hồng Nhung")
    return {"root": quang_tri, "commune": dan_hoa, "other_root": hue, "other_commune": phu_vang, "admin": admin}


def _names(response) -> list[str]:
    return re.findall(r'<td><a href="/admin/users/\d+">([^<]+)</a>', response.get_data(as_text=True))


def test_list_shows_only_users_in_the_admins_scope_in_vietnamese_name_order(client, auth, make, province):
    make.user("hv.binh", unit=province["commune"], full_name="Trần Văn Bình", password=None)
    make.user("hv.anh", unit=province["commune"], full_name="Trương Thị Ngọc Ánh", password=None)
    make.user("hv.an", unit=province["root"], full_name="Chu Văn An", password=None)
    make.user("hue.dung", unit=province["other_commune"], full_name="Lê Văn Dũng", password=None)
    auth.login("admin")
    names = _names(client.get("/admin/users/"))
    assert names == ["Chu Văn An", "Trương Thị Ngọc Ánh", "Trần Văn Bình", "Nguyễn Thị Hồng Nhung"]


def test_search_ignores_accents_and_filter_by_unit_takes_its_subtree(client, auth, make, province):
    make.user("hv.nguyen", unit=province["commune"], full_name="Nguyễn Đức Thắng", password=None)
    make.user("hv.tran", unit=province["commune"], full_name="Trần Văn Bình", password=None)
    make.user("hue.nguyen", unit=province["other_commune"], full_name="Nguyễn Văn Huế", password=None)
    auth.login("admin")
    assert _names(client.get("/admin/users/?q=nguyen+duc")) == ["Nguyễn Đức Thắng"]
    assert _names(client.get("/admin/users/?q=NGUYỄN")) == ["Nguyễn Thị Hồng Nhung", "Nguyễn Đức Thắng"]
    assert _names(client.get("/admin/users/?q=hv.tran")) == ["Trần Văn Bình"]
    commune = province["commune"].id
    assert _names(client.get(f"/admin/users/?unit={commune}")) == ["Trần Văn Bình", "Nguyễn Đức Thắng"]
    assert _names(client.get("/admin/users/?q=100%")) == []


def test_filter_by_a_unit_of_another_province_is_refused(client, auth, province):
    auth.login("admin")
    response = client.get(f"/admin/users/?unit={province['other_commune'].id}")
    assert _names(response) == ["Nguyễn Thị Hồng Nhung"]  # not a valid choice: the filter is ignored


def test_list_is_paginated_by_fifty(client, auth, make, province):
    for n in range(55):
        make.user(f"hv{n:02d}", unit=province["commune"], full_name=f"Học Viên {n:02d}", password=None)
    auth.login("admin")
    first = client.get("/admin/users/")
    assert len(_names(first)) == 50
    assert "56 người dùng" in first.get_data(as_text=True)
    second = client.get("/admin/users/?page=2")
    assert len(_names(second)) == 6
    assert set(_names(first)).isdisjoint(_names(second))


def test_admin_creates_a_user_who_can_then_sign_in(app, client, auth, province):
    auth.login("admin")
    response = client.post("/admin/users/new", data={
        "username": "HV.Moi", "full_name": "Phạm Thị Mới", "email": "moi@example.vn",
        "unit_id": province["commune"].id, "roles": ["trainee", "lecturer"], "admin_scope_id": 0,
        "theory_level": 2, "password": "mat-khau-moi-1",
    })
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "hv.moi"))
        assert user.unit_id == province["commune"].id
        assert user.roles == {Role.TRAINEE, Role.LECTURER}
        assert user.theory_level == 2
        entry = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.object_id == user.id, AuditEntry.object_type == "users"))
        assert (entry.action, entry.object_id, entry.actor_id) == ("user.create", user.id, province["admin"].id)
    client.post("/sign-out")
    assert auth.login("hv.moi", "mat-khau-moi-1").status_code == 302


def test_create_with_a_taken_username_keeps_what_was_typed(client, auth, province):
    auth.login("admin")
    response = client.post("/admin/users/new", data={
        "username": "admin", "full_name": "Người Trùng Tên", "unit_id": province["commune"].id,
        "roles": ["trainee"], "admin_scope_id": 0, "theory_level": 0, "password": "mat-khau-moi-1",
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Tên đăng nhập admin đã có người dùng." in page
    assert 'value="Người Trùng Tên"' in page


def test_create_in_a_unit_of_another_province_is_refused(app, client, auth, province):
    auth.login("admin")
    response = client.post("/admin/users/new", data={
        "username": "hv.hue", "full_name": "Người Huế", "unit_id": province["other_commune"].id,
        "roles": ["trainee"], "admin_scope_id": 0, "theory_level": 0, "password": "mat-khau-moi-1",
    })
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(User.id).where(User.username == "hv.hue")) is None


def _edit_data(user, **changes):
    data = {"full_name": user.full_name, "email": "", "unit_id": user.unit_id, "roles": ["trainee"],
            "admin_scope_id": 0, "theory_level": 0, "password": ""}
    data.update(changes)
    return data


def test_edit_roles_unit_scope_and_theory_level(app, client, auth, make, province):
    user = make.user("hv.ha", unit=province["commune"], full_name="Lê Thị Thu Hà")
    auth.login("admin")
    response = client.post(f"/admin/users/{user.id}", data=_edit_data(
        user, full_name="Lê Thị Thu Hà", unit_id=province["root"].id, roles=["trainee", "admin"],
        admin_scope_id=province["commune"].id, theory_level=3,
    ))
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(User, user.id)
        assert saved.unit_id == province["root"].id
        assert saved.roles == {Role.TRAINEE, Role.ADMIN}
        assert saved.admin_scope.id == province["commune"].id
        assert saved.theory_level == 3


def test_password_reset_by_the_admin_ends_the_users_sessions(app, client, auth, make, province):
    user = make.user("hv.ha", unit=province["commune"])
    other = app.test_client()
    other.post("/sign-in", data={"username": "hv.ha", "password": "secret-pass-1"})
    assert other.get("/").status_code == 200
    auth.login("admin")
    client.post(f"/admin/users/{user.id}", data=_edit_data(user, password="mat-khau-moi-2"))
    assert other.get("/").status_code == 302
    assert other.post("/sign-in", data={"username": "hv.ha", "password": "mat-khau-moi-2"}).status_code == 302


def test_deactivation_ends_sessions_and_reactivation_lets_the_user_back(app, client, auth, make, province):
    user = make.user("hv.ha", unit=province["commune"])
    other = app.test_client()
    other.post("/sign-in", data={"username": "hv.ha", "password": "secret-pass-1"})
    auth.login("admin")
    response = client.post(f"/admin/users/{user.id}/active", data={"active": "0"}, follow_redirects=True)
    assert "Đã khóa tài khoản hv.ha" in response.get_data(as_text=True)
    assert other.get("/").status_code == 302
    assert other.post("/sign-in", data={"username": "hv.ha", "password": "secret-pass-1"}).status_code == 200
    client.post(f"/admin/users/{user.id}/active", data={"active": "1"})
    assert other.post("/sign-in", data={"username": "hv.ha", "password": "secret-pass-1"}).status_code == 302


def test_an_admin_cannot_deactivate_themself(app, client, auth, province):
    auth.login("admin")
    response = client.post(f"/admin/users/{province['admin'].id}/active", data={"active": "0"},
                           follow_redirects=True)
    assert "Bạn không thể tự khóa tài khoản của chính mình." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, province["admin"].id).active


def test_titles_held_and_planned_are_added_with_dates_and_ended(app, client, auth, make, province):
    bi_thu = make.title("Bí thư Đảng ủy xã", code="XA-BT")
    tinh_uy_vien = make.title("Tỉnh ủy viên", code="TU-UV")
    user = make.user("hv.ha", unit=province["commune"])
    auth.login("admin")
    client.post(f"/admin/users/{user.id}/titles", data={
        "title_id": bi_thu.id, "kind": "held", "start_date": "2025-07-01", "end_date": ""})
    client.post(f"/admin/users/{user.id}/titles", data={
        "title_id": tinh_uy_vien.id, "kind": "planned", "start_date": "2025-09-15", "end_date": "2030-09-14"})
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "01/07/2025" in page
    assert "15/09/2025" in page
    with app.app_context():
        rows = db.session.execute(
            sa.select(TitleAssignment.title_id, TitleAssignment.kind, TitleAssignment.start_date,
                      TitleAssignment.end_date, TitleAssignment.id).order_by(TitleAssignment.start_date)
        ).all()
    assert [r[:4] for r in rows] == [
        (bi_thu.id, AssignmentKind.HELD, date(2025, 7, 1), None),
        (tinh_uy_vien.id, AssignmentKind.PLANNED, date(2025, 9, 15), date(2030, 9, 14)),
    ]
    response = client.post(f"/admin/users/{user.id}/titles/{rows[0].id}/end", data={"end_date": "2026-01-31"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(TitleAssignment, rows[0].id).end_date == date(2026, 1, 31)


def test_an_overlapping_title_is_refused_with_the_reason(client, auth, make, province):
    bi_thu = make.title(code="XA-BT")
    user = make.user("hv.ha", unit=province["commune"], held=[bi_thu], since=date(2025, 7, 1))
    auth.login("admin")
    response = client.post(f"/admin/users/{user.id}/titles", data={
        "title_id": bi_thu.id, "kind": "held", "start_date": "2025-08-01", "end_date": ""})
    assert response.status_code == 400
    assert "đã được ghi nhận" in response.get_data(as_text=True)
    assert 'value="2025-08-01"' in response.get_data(as_text=True)


def test_an_admin_of_one_province_cannot_touch_a_user_of_another(app, client, auth, make, province):
    title = make.title()
    stranger = make.user("hue.dung", unit=province["other_commune"], held=[title])
    with app.app_context():
        assignment_id = db.session.scalar(sa.select(TitleAssignment.id))
    auth.login("admin")
    base = f"/admin/users/{stranger.id}"
    assert client.get(base).status_code in (403, 404)
    assert client.post(base, data=_edit_data(stranger, full_name="Đổi Tên")).status_code in (403, 404)
    assert client.post(f"{base}/active", data={"active": "0"}).status_code in (403, 404)
    assert client.post(f"{base}/titles", data={
        "title_id": title.id, "kind": "planned", "start_date": "2026-01-01"}).status_code in (403, 404)
    assert client.post(f"{base}/titles/{assignment_id}/end",
                       data={"end_date": "2026-01-01"}).status_code in (403, 404)
    with app.app_context():
        untouched = db.session.get(User, stranger.id)
        assert (untouched.full_name, untouched.active) == (stranger.full_name, True)
        assert len(untouched.title_assignments) == 1
        assert untouched.title_assignments[0].end_date is None


def test_ending_an_assignment_of_another_user_through_ones_own_user_is_404(app, client, auth, make, province):
    title = make.title()
    mine = make.user("hv.ha", unit=province["commune"])
    stranger = make.user("hue.dung", unit=province["other_commune"], held=[title])
    with app.app_context():
        theirs = db.session.scalar(sa.select(TitleAssignment.id).where(TitleAssignment.user_id == stranger.id))
    auth.login("admin")
    response = client.post(f"/admin/users/{mine.id}/titles/{theirs}/end", data={"end_date": "2026-01-01"})
    assert response.status_code == 404


def test_admin_pages_speak_english_when_chosen(client, auth, province):
    auth.login("admin")
    client.post("/language", data={"locale": "en"})
    assert "Add user" in client.get("/admin/users/").get_data(as_text=True)
    assert "Deactivate account" in client.get(f"/admin/users/{province['admin'].id}").get_data(as_text=True)
    assert "File format" in client.get("/admin/users/import").get_data(as_text=True)
    assert "Add a unit under it" in client.get("/admin/units").get_data(as_text=True)
    assert "List of titles" in client.get("/admin/titles").get_data(as_text=True)


def test_a_too_short_password_is_explained_in_vietnamese(app, client, auth, province):
    auth.login("admin")
    response = client.post("/admin/users/new", data={
        "username": "hv.ngan", "full_name": "Mật Khẩu Ngắn", "unit_id": province["commune"].id,
        "roles": ["trainee"], "admin_scope_id": 0, "theory_level": 0, "password": "ngan"})
    assert response.status_code == 400
    assert "Mật khẩu phải có từ 8 đến 200 ký tự." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(User.id).where(User.username == "hv.ngan")) is None
