"""Flask-Login wiring: sessions carry the user's session version, so old cookies can be revoked."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import session
from flask_babel import lazy_gettext as _l

from lms.accounts.principal import SignedInUser


def init_login(app, login_manager) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = _l("Vui lòng đăng nhập để tiếp tục.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str):
        user_id, _sep, version = session_id.partition(".")
        if not user_id.isdigit() or not version.isdigit():
            return None
        user = SignedInUser.load(int(user_id))
        if user is None or not user.active or user.session_version != int(version):
            return None
        return user


# What a person whose password an admin chose may still open before changing it.
OPEN_BEFORE_CHANGE = frozenset({"accounts.change_password", "accounts.sign_out", "accounts.set_language",
                                "accounts.activate", "static", "bootstrap.static"})


def require_own_password(app) -> None:
    """Someone signed in with a password an admin set goes to "change password" first, from any page."""
    from flask import flash, redirect, request, url_for
    from flask_login import current_user

    @app.before_request
    def _own_password_first():
        if not current_user.is_authenticated or not current_user.must_change_password:
            return None
        endpoint = request.endpoint
        if endpoint is None or endpoint in OPEN_BEFORE_CHANGE or endpoint.startswith("health."):
            return None
        flash(_l("Mật khẩu của bạn do cán bộ quản lý đặt. Hãy đổi mật khẩu trước khi tiếp tục."), "warning")
        return redirect(url_for("accounts.change_password"))


def start_session(user) -> None:
    """Begin a fresh session for `user`; nothing from the anonymous session carries over."""
    from flask_login import login_user

    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    login_user(user)
    session.permanent = False


def safe_next(target: str | None, default: str) -> str:
    """Follow `next=` only to a path on this site."""
    if not target:
        return default
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if "\\" in target or any(ord(c) < 32 for c in target):
        return default
    return target
