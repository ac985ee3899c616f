"""Accounts that can sign in: one-time activation links printed on slips, and admin-set passwords that must
be changed at the first sign-in."""
from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.accounts.models import ActivationLink, User
from lms.audit import AuditEntry
from lms.db import utcnow
from lms.extensions import db


@pytest.fixture
def people(make):
    province = make.unit("Tỉnh ủy Hà Tĩnh")
    make.admin("admin", scope=province)
    imported = [make.user(f"hv{n}", full_name=f"Nguyễn Văn Học {n}", unit=province, password=None) for n in range(3)]
    stranger = make.user("ngoai", unit=make.unit("Thành ủy Huế"), password=None)
    return imported, stranger


def _read(app, statement):
    with app.app_context():
        return db.session.execute(statement).all()


def _print(client, users) -> list[str]:
    html = client.post("/admin/users/activation-slips", data={"ids": [str(u.id) for u in users]}).get_data(as_text=True)
    tokens = re.findall(r'class="slip-link">http://localhost/activate/<span class="slip-token">([A-Za-z0-9_-]+)<', html)
    return [f"/activate/{token}" for token in tokens]


def test_slips_carry_a_name_username_link_and_qr_and_store_only_a_hash(app, client, auth, people):
    imported, _stranger = people
    auth.login("admin")
    response = client.post("/admin/users/activation-slips", data={"ids": [str(u.id) for u in imported]})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count('class="slip"') == 3
    assert "Nguyễn Văn Học 0" in html
    assert "hv0" in html
    assert html.count("<svg") == 3
    links = re.findall(r'class="slip-link">http://localhost/activate/<span class="slip-token">([A-Za-z0-9_-]+)<', html)
    assert len(links) == 3
    assert all(len(token) >= 43 for token in links)  # 256 random bits, url-safe
    stored = {h for (h,) in _read(app, sa.select(ActivationLink.token_hash))}
    assert stored == {hashlib.sha256(t.encode()).hexdigest() for t in links}
    assert not any(token in stored for token in links)


def test_a_link_sets_the_password_once_and_signs_the_person_in(app, client, auth, people):
    imported, _stranger = people
    auth.login("admin")
    path = _print(client, imported[:1])[0]
    auth.logout()
    page = client.get(path)
    assert "Tài khoản: Nguyễn Văn Học 0 (hv0)" in page.get_data(as_text=True)
    done = client.post(path, data={"new_password": "mat-khau-rieng", "confirm": "mat-khau-rieng"},
                       follow_redirects=True)
    assert "Đã đặt mật khẩu. Chào mừng Nguyễn Văn Học 0!" in done.get_data(as_text=True)
    client.post("/sign-out")
    assert auth.login("hv0", "mat-khau-rieng").headers["Location"] == "/"
    client.post("/sign-out")
    again = client.post(path, data={"new_password": "mat-khau-khac", "confirm": "mat-khau-khac"})
    assert again.status_code == 400
    assert "Liên kết này đã được dùng." in again.get_data(as_text=True)
    assert "Location" not in auth.login("hv0", "mat-khau-khac").headers  # the spent link changed nothing
    actions = [a for (a,) in _read(app, sa.select(AuditEntry.action).where(AuditEntry.object_type == "users",
                                                                           AuditEntry.object_id == imported[0].id))]
    assert "user.activation_link" in actions
    assert "user.activated" in actions


def test_an_expired_link_is_refused(app, client, auth, people):
    imported, _stranger = people
    auth.login("admin")
    path = _print(client, imported[:1])[0]
    auth.logout()
    with app.app_context():
        db.session.execute(sa.update(ActivationLink).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    response = client.get(path)
    assert response.status_code == 400
    assert "Liên kết này đã hết hạn." in response.get_data(as_text=True)
    assert client.get("/activate/not-a-token").status_code == 400


def test_a_new_slip_retires_the_old_one(client, auth, people):
    imported, _stranger = people
    auth.login("admin")
    first = _print(client, imported[:1])[0]
    second = _print(client, imported[:1])[0]
    auth.logout()
    assert client.get(first).status_code == 400
    assert client.get(second).status_code == 200


def test_slips_only_for_people_in_the_admins_scope(app, client, auth, people):
    imported, stranger = people
    auth.login("admin")
    response = client.post("/admin/users/activation-slips", data={"ids": [str(imported[0].id), str(stranger.id)]})
    assert response.status_code == 403
    assert _read(app, sa.select(ActivationLink.id)) == []


def test_a_password_set_by_an_admin_must_be_changed_first(app, client, auth, make, people):
    imported, _stranger = people
    auth.login("admin")
    client.post(f"/admin/users/{imported[1].id}", data={
        "full_name": "Nguyễn Văn Học 1", "unit_id": str(_read(app, sa.select(User.unit_id).where(
            User.id == imported[1].id))[0][0]), "roles": "trainee", "theory_level": "0",
        "admin_scope_id": "", "password": "do-admin-dat-1"})
    assert _read(app, sa.select(User.must_change_password).where(User.id == imported[1].id)) == [(True,)]
    auth.logout()
    auth.login("hv1", "do-admin-dat-1")
    first = client.get("/", follow_redirects=False)
    assert first.status_code == 302
    assert first.headers["Location"] == "/account/password"
    assert client.get("/my/record").headers["Location"] == "/account/password"
    client.post("/account/password", data={"current_password": "do-admin-dat-1", "new_password": "cua-rieng-toi",
                                           "confirm": "cua-rieng-toi"})
    assert client.get("/").status_code == 200
    assert _read(app, sa.select(User.must_change_password).where(User.id == imported[1].id)) == [(False,)]
