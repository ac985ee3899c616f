"""Signing in and out: what a cadre sees, and what an attacker cannot do."""
import pytest
import sqlalchemy as sa

from lms.accounts.models import SignInFailure, User
from lms.extensions import db


def test_sign_in_lands_on_home_and_sign_out_returns_to_sign_in(client, auth, make):
    make.user("hocvien", full_name="Lê Thị Thu Hà")
    response = auth.login("hocvien", follow=True)
    assert "Xin chào, Lê Thị Thu Hà" in response.get_data(as_text=True)
    response = client.post("/sign-out", follow_redirects=True)
    assert "Bạn đã đăng xuất" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_username_is_case_insensitive(client, auth, make):
    make.user("hocvien")
    assert auth.login("  HocVien ").status_code == 302


def test_unknown_account_and_wrong_password_get_the_same_message(client, auth, make):
    make.user("hocvien")
    unknown = auth.login("khongco", "whatever-123").get_data(as_text=True)
    wrong = auth.login("hocvien", "wrong-password").get_data(as_text=True)
    message = "Tên đăng nhập hoặc mật khẩu không đúng."
    assert message in unknown
    assert message in wrong


def test_five_failures_in_fifteen_minutes_lock_the_account_even_for_the_right_password(app, client, auth, make):
    make.user("hocvien")
    for _ in range(5):
        auth.login("hocvien", "wrong-password")
    response = auth.login("hocvien")  # the right password
    assert response.status_code == 200
    assert "tạm khóa" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SignInFailure)) == 5


def test_lockout_counts_in_the_database_so_every_worker_sees_it(app, make):
    """A second app instance (another gunicorn worker) on the same database refuses too."""
    from lms import create_app

    make.user("hocvien")
    other_worker = create_app(dict(app.config))
    other_worker.test_client_class = app.test_client_class
    first, second = app.test_client(), other_worker.test_client()
    for n in range(5):
        (first if n % 2 else second).post("/sign-in", data={"username": "hocvien", "password": "nope-nope"})
    response = first.post("/sign-in", data={"username": "hocvien", "password": "secret-pass-1"})
    assert "tạm khóa" in response.get_data(as_text=True)


def test_failures_older_than_the_window_do_not_count(app, client, auth, make):
    from datetime import timedelta

    from lms.db import utcnow

    make.user("hocvien")
    with app.app_context():
        for _ in range(5):
            db.session.add(SignInFailure(username="hocvien", failed_at=utcnow() - timedelta(minutes=16)))
        db.session.commit()
    assert auth.login("hocvien").status_code == 302


def test_deactivated_user_cannot_sign_in(app, auth, make):
    user = make.user("hocvien")
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    response = auth.login("hocvien")
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.get_data(as_text=True)


def test_password_is_stored_as_argon2id(app, make):
    user = make.user("hocvien", password="mat-khau-rat-dai")
    with app.app_context():
        stored = db.session.get(User, user.id).password_hash
    assert stored.startswith("$argon2id$")
    assert "mat-khau-rat-dai" not in stored


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "http:/evil"],
)
def test_next_never_leads_to_another_host(client, auth, make, target):
    make.user("hocvien")
    response = client.post("/sign-in?next=" + target, data={"username": "hocvien", "password": "secret-pass-1"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_to_a_local_page_is_followed(client, make):
    make.user("hocvien")
    response = client.post("/sign-in?next=/account/password",
                           data={"username": "hocvien", "password": "secret-pass-1"})
    assert response.headers["Location"] == "/account/password"


def test_sign_in_starts_a_fresh_session(client, auth, make):
    """Session fixation: nothing planted in the anonymous session survives sign-in."""
    make.user("hocvien")
    with client.session_transaction() as session:
        session["planted"] = "by-attacker"
    auth.login("hocvien")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert "_user_id" in session


def _second_browser(app, username):
    other = app.test_client()
    other.post("/sign-in", data={"username": username, "password": "secret-pass-1"})
    assert other.get("/").status_code == 200
    return other


def test_signing_out_ends_the_users_other_sessions(app, client, auth, make):
    make.user("hocvien")
    other = _second_browser(app, "hocvien")
    auth.login("hocvien")
    auth.logout()
    assert other.get("/").status_code == 302


def test_password_change_keeps_this_session_and_ends_the_others(app, client, auth, make):
    make.user("hocvien")
    other = _second_browser(app, "hocvien")
    auth.login("hocvien")
    response = client.post("/account/password", data={
        "current_password": "secret-pass-1", "new_password": "new-pass-456", "confirm": "new-pass-456"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302
    client.post("/sign-out")
    assert auth.login("hocvien", "new-pass-456").status_code == 302


def test_password_change_requires_the_current_password(client, auth, make):
    make.user("hocvien")
    auth.login("hocvien")
    response = client.post("/account/password", data={
        "current_password": "wrong", "new_password": "new-pass-456", "confirm": "new-pass-456"})
    assert "Mật khẩu hiện tại không đúng." in response.get_data(as_text=True)
    client.post("/sign-out")
    assert auth.login("hocvien").status_code == 302


def test_deactivation_ends_the_users_sessions(app, make):
    from lms.accounts.services import set_active

    unit = make.unit()
    admin = make.admin("admin", scope=unit)
    user = make.user("hocvien", unit=unit)
    other = _second_browser(app, "hocvien")
    with app.app_context():
        set_active(db.session.get(User, admin.id), db.session.get(User, user.id), False)
        db.session.commit()
    assert other.get("/").status_code == 302


def test_signed_in_pages_are_not_cached(client, auth, make):
    make.user("hocvien")
    auth.login("hocvien")
    assert client.get("/").headers["Cache-Control"] == "no-store"
