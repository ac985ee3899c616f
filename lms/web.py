"""Cross-cutting web behaviour: security headers, caching, and friendly error pages."""
from __future__ import annotations

import errno
import sqlite3

import psycopg
import sqlalchemy as sa
from flask import Flask, current_app, has_request_context, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf
from markupsafe import Markup

from lms.caching import BoundedCache, per_request
from lms.db import read_only_transactions
from lms.errors import DomainError

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def register_hooks(app: Flask) -> None:
    def _read_only_when_safe():
        # First of all hooks: the transactions of a GET read (lms.db.begin_writing before a GET writes), and
        # those of a post that writes late (lms.transaction.writes_late).
        view = app.view_functions.get(request.endpoint)
        read_only_transactions(request.method in SAFE_METHODS or getattr(view, "lms_writes_late", False))

    app.before_request_funcs.setdefault(None, []).insert(0, _read_only_when_safe)

    @app.teardown_request
    def _writers_again(_error=None):
        read_only_transactions(False)

    app.jinja_env.globals["url_for"] = template_url_for
    app.jinja_env.globals["csrf_token"] = template_csrf_token
    app.jinja_env.globals["bootstrap"] = BootstrapLinks(app.jinja_env.globals["bootstrap"])

    @app.context_processor
    def _menu():
        from lms import navigation

        return {"nav_links": nav_links, "nav_menu": navigation.menu, "staff_breadcrumb": navigation.breadcrumb}

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("HSTS_MAX_AGE"):
            response.headers.setdefault("Strict-Transport-Security", f"max-age={app.config['HSTS_MAX_AGE']}")
        if current_user and current_user.is_authenticated:
            response.headers["Cache-Control"] = "no-store"
            response.headers["Vary"] = "Cookie"
        return response


NAV_LINKS = BoundedCache("menus", 64)
TEMPLATE_URLS = BoundedCache("template urls", 8192)


def template_url_for(endpoint: str, **values) -> str:
    """`url_for` in templates, remembered per worker: a path depends only on the endpoint, its values and where
    the app is mounted (static names are fingerprinted once, at start), and a page builds a dozen or more."""
    if (endpoint.startswith(".") or not has_request_context() or current_app.debug
            or not all(type(v) in (int, str) and not k.startswith("_") for k, v in values.items())):
        return url_for(endpoint, **values)  # relative to a blueprint, external, anchored, or odd values
    key = (endpoint, request.script_root, *sorted(values.items()))
    return TEMPLATE_URLS.get_or_make(key, lambda: url_for(endpoint, **values))


def template_csrf_token() -> str:
    """The request's CSRF token, signed once however many forms the page holds (Flask-WTF's generate_csrf)."""
    return per_request("csrf_token", generate_csrf)


class BootstrapLinks:
    """Bootstrap-Flask in templates, its <link> and <script> tags made once per worker and mount point (they
    depend only on the configuration and the fingerprinted file names); the rest passes through."""

    _made = BoundedCache("bootstrap links", 16)

    def __init__(self, bootstrap):
        self._bootstrap = bootstrap

    def load_css(self, *args, **kwargs) -> Markup:
        return self._once("load_css", args, kwargs)

    def load_js(self, *args, **kwargs) -> Markup:
        return self._once("load_js", args, kwargs)

    def _once(self, name: str, args: tuple, kwargs: dict) -> Markup:
        make = getattr(self._bootstrap, name)
        if args or kwargs or not has_request_context() or current_app.debug:
            return make(*args, **kwargs)
        return self._made.get_or_make((name, request.script_root), make)

    def __getattr__(self, name: str):
        return getattr(self._bootstrap, name)


def nav_links() -> Markup:
    """The main menu's links for the signed-in user: rendered once per set of roles and language."""
    if current_app.debug:  # templates reload while developing
        return Markup(render_template("_nav_items.html"))
    key = (frozenset(current_user.roles), str(get_locale()), request.script_root)
    return NAV_LINKS.get_or_make(key, lambda: Markup(render_template("_nav_items.html")))


def _error_page(status: int, title: str, message: str):
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register_errorhandlers(app: Flask) -> None:
    from lms.extensions import db

    pages = {
        400: (lambda: _("Yêu cầu không hợp lệ"), lambda: _("Máy chủ không hiểu yêu cầu này.")),
        403: (lambda: _("Không có quyền truy cập"), lambda: _("Bạn không có quyền xem trang này.")),
        404: (lambda: _("Không tìm thấy trang"), lambda: _("Trang bạn tìm không tồn tại hoặc đã bị xóa.")),
        405: (lambda: _("Phương thức không được phép"), lambda: _("Trang này không nhận yêu cầu kiểu này.")),
        413: (
            lambda: _("Tệp quá lớn"),
            lambda: _("Tệp tải lên vượt quá giới hạn %(mb)d MB. Dữ liệu đã lưu trước đó vẫn được giữ nguyên.",
                      mb=app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)),
        ),
        429: (
            lambda: _("Quá nhiều lần thử"),
            lambda: _("Đã có quá nhiều lần thử không thành công từ địa chỉ mạng của bạn. "
                      "Vui lòng đợi vài phút rồi thử lại."),
        ),
        500: (lambda: _("Lỗi hệ thống"), lambda: _("Đã có lỗi xảy ra. Dữ liệu đã lưu trước đó vẫn được giữ nguyên.")),
    }

    def make_handler(status):
        def handler(_error):
            if status == 500:
                db.session.rollback()
            title, message = pages[status]
            return _error_page(status, title(), message())

        return handler

    for status in pages:
        app.register_error_handler(status, make_handler(status))

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        return _error_page(400, _("Phiên làm việc đã hết hạn"),
                           _("Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ. Vui lòng tải lại trang và thử lại."))

    def _storage_full(error: Exception):
        if not storage_full(error):
            raise error  # any other failure: logged and answered as before (500)
        db.session.rollback()  # the files this request wrote go with its transaction
        current_app.logger.error("storage full, request refused: %s %s: %s", request.method, request.path, error)
        return _error_page(507, _("Máy chủ hết dung lượng lưu trữ"),
                           _("Máy chủ hết dung lượng lưu trữ nên chưa lưu được thay đổi này. Không có gì được lưu "
                             "dở dang; dữ liệu đã lưu trước đó vẫn được giữ nguyên. Vui lòng thử lại sau hoặc báo "
                             "cho quản trị hệ thống."))

    for failure in (OSError, sqlite3.Error, psycopg.Error, sa.exc.DBAPIError):
        app.register_error_handler(failure, _storage_full)

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        db.session.rollback()
        status = error.status_code if error.status_code in (400, 403, 404, 409) else 400
        return _error_page(status, _("Không thực hiện được"), error.message or pages.get(status, pages[400])[1]())


DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def storage_full(error: BaseException) -> bool:
    """Whether the file system or either database failed for want of space."""
    cause = getattr(error, "orig", None) or error
    if isinstance(cause, OSError):
        return cause.errno in DISK_FULL_ERRNOS
    if isinstance(cause, sqlite3.Error):
        return (getattr(cause, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
                or "database or disk is full" in str(cause))
    return isinstance(cause, psycopg.errors.DiskFull)
