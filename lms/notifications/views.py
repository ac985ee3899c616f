"""The bell, the notifications page, preferences, the admin's page on mail, and the calendar and its feed."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import public, roles_required, signed_in
from lms.accounts.models import Role
from lms.formats import local_today
from lms.notifications import calendar, services
from lms.notifications.kinds import choosable, kind, kinds_for
from lms.notifications.models import MailChoice
from lms.transaction import on_refusal

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def _bell():
    def unread_notifications() -> int:
        """The unread count, counted once per request and only by pages that show it."""
        if "lms_unread" not in g:
            g.lms_unread = services.unread_count(current_user)
        return g.lms_unread

    return {"unread_notifications": unread_notifications}


def _choice_labels() -> dict[str, str]:
    return {MailChoice.IMMEDIATE: _("Gửi ngay"), MailChoice.DIGEST: _("Gộp trong thư hằng ngày"),
            MailChoice.OFF: _("Không gửi thư")}


@bp.route("")
@signed_in
def index():
    page = services.page_of(current_user, request.args.get("page", 1, type=int))
    return render_template("notifications/index.html", page=page, kind=kind)


@bp.route("/<int:notification_id>/open", methods=["POST"])
@signed_in
def open_one(notification_id: int):
    notification = services.mark_read(current_user, notification_id)
    return redirect(kind(notification.kind).link(notification.params))


@bp.route("/<int:notification_id>/read", methods=["POST"])
@signed_in
def mark_read(notification_id: int):
    services.mark_read(current_user, notification_id)
    return redirect(url_for("notifications.index", page=request.form.get("page", 1, type=int)))


@bp.route("/read-all", methods=["POST"])
@signed_in
def mark_all_read():
    count = services.mark_all_read(current_user)
    flash(_("Đã đánh dấu %(n)d thông báo là đã đọc.", n=count), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/preferences", methods=["GET", "POST"])
@signed_in
def preferences():
    if request.method == "POST":
        on_refusal(url_for("notifications.preferences"))
        services.save_preferences(current_user, request.form.to_dict())
        flash(_("Đã lưu cách nhận thông báo."), "success")
        return redirect(url_for("notifications.preferences"))
    return render_template("notifications/preferences.html", kinds=kinds_for(current_user.roles),
                           choices=services.mail_choices(current_user), labels=_choice_labels(),
                           mail_on=services.mail_configured(), has_email=bool(current_user.email))


@bp.route("/admin", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def admin():
    if request.method == "POST":
        on_refusal(url_for("notifications.admin"))
        services.save_scope_defaults(current_user, request.form.to_dict())
        flash(_("Đã lưu cách nhận thông báo mặc định cho đơn vị."), "success")
        return redirect(url_for("notifications.admin"))
    counts, failed = services.mail_problems(current_user)
    scope = current_user.admin_scope
    defaults = services.scope_defaults(scope.path)
    return render_template("notifications/admin.html", kinds=choosable(), scope=scope,
                           default_of=lambda name: defaults.get(name, services.DEFAULT_CHOICE), labels=_choice_labels(),
                           mail_on=services.mail_configured(), smtp_host=current_app.config.get("SMTP_HOST"),
                           counts=counts, failed=failed, kind=kind)


@bp.route("/admin/<int:notification_id>/send-again", methods=["POST"])
@roles_required(Role.ADMIN)
def send_again(notification_id: int):
    services.send_again(current_user, notification_id)
    flash(_("Thư sẽ được gửi lại."), "success")
    return redirect(url_for("notifications.admin"))


# --- the calendar ----------------------------------------------------------------------------------------

calendar_bp = Blueprint("calendar", __name__, url_prefix="/calendar")


@calendar_bp.route("")
@signed_in
def calendar_page():
    events = calendar.events_for(current_user)
    token = calendar.feed_token(current_user)
    feed_url = url_for("calendar.feed", token=token, _external=True) if token else None
    return render_template("notifications/calendar.html", events=events, feed_url=feed_url,
                           today=local_today(), timedelta1=timedelta(days=1), kind_labels=_event_labels())


def _event_labels() -> dict[str, str]:
    return {"class": _("Lớp học"), "session": _("Buổi học"), "trip": _("Đi thực tế"),
            "deadline": _("Hạn nộp bài"), "module_due": _("Hạn học phần"), "program_due": _("Hạn chương trình"),
            "quiz_opens": _("Bài kiểm tra mở"), "quiz_closes": _("Bài kiểm tra đóng")}


@calendar_bp.route("/feed", methods=["POST"])
@signed_in
def reset_feed():
    calendar.reset_feed(current_user)
    flash(_("Đã tạo địa chỉ lịch mới; địa chỉ cũ (nếu có) không còn dùng được."), "success")
    return redirect(url_for("calendar.calendar_page", _anchor="feed"))


@calendar_bp.route("/feed/<token>.ics")
@public
def feed(token: str):
    owner = calendar.owner_of(token)
    if owner is None:
        abort(404)
    with force_locale(owner.locale or "vi"):
        body = calendar.ical(owner, calendar.events_for(owner))
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=900"})
