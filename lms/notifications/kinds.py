"""Each kind of notification: who gets it, its name on the preferences page, and its text and link, made in
the reader's language from the values stored with the row (`Notification.params`)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.formats import local_date, local_datetime, number

TRAINEE, LECTURER, ADMIN = "trainee", "lecturer", "admin"
# Kinds that concern an account rather than a role: always mailed, not on the preferences page.
ACCOUNT = "account"


@dataclass(frozen=True)
class Kind:
    name: str
    label: object  # a lazy string: the kind on the preferences page
    audience: str  # the role that receives it
    text: Callable[[dict], str]  # one sentence: the in-app line and the mail's subject
    link: Callable[[dict], str]  # the object concerned (url_for, so inside a request or its test context)
    detail: Callable[[dict], str] | None = None  # more for the mail body (a change summary, feedback)


def _day(value) -> str:
    return local_date(date.fromisoformat(value[:10])) if value else ""


def _moment(value) -> str:
    """A UTC timestamp kept in the params (ISO text from either database) in local time."""
    return local_datetime(datetime.fromisoformat(value)) if value else ""


def _class(p: dict) -> str:
    # A trainee's class is on their own classes page; the class page is for its staff.
    return url_for("delivery.my_classes", _anchor=f"class-{p['class_id']}")


def _module(p: dict) -> str:
    return url_for("curriculum.module_page", module_id=p["module_id"])


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("nomination.nominated", _l("Được cử đi học"), TRAINEE,
         lambda p: _("Bạn được cử đi học lớp %(name)s (%(code)s), khai giảng %(day)s.",
                     name=p["class_name"], code=p["class_code"], day=_day(p["starts_on"])), _class),
    Kind("nomination.approved", _l("Đề cử được duyệt"), TRAINEE,
         lambda p: _("Đề cử của bạn vào lớp %(name)s (%(code)s) đã được duyệt.",
                     name=p["class_name"], code=p["class_code"]), _class),
    Kind("nomination.enrolled", _l("Được nhập học"), TRAINEE,
         lambda p: _("Bạn đã được nhập học lớp %(name)s (%(code)s).", name=p["class_name"], code=p["class_code"]),
         _class),
    Kind("nomination.withdrawn", _l("Rút khỏi lớp"), TRAINEE,
         lambda p: _("Bạn đã được rút khỏi lớp %(name)s (%(code)s).", name=p["class_name"], code=p["class_code"]),
         _class),
    Kind("class.starts_tomorrow", _l("Lớp khai giảng ngày mai"), TRAINEE,
         lambda p: _("Lớp %(name)s khai giảng ngày mai (%(day)s) tại %(place)s.",
                     name=p["class_name"], day=_day(p["starts_on"]), place=p["place"] or _("nơi sẽ báo sau")),
         _class),
    Kind("module.due_soon", _l("Học phần sắp đến hạn"), TRAINEE,
         lambda p: _("Học phần %(module)s (chương trình %(program)s) đến hạn ngày %(day)s.",
                     module=p["module_title"], program=p["program_name"], day=_day(p["due_on"])), _module),
    Kind("module.overdue", _l("Học phần quá hạn"), TRAINEE,
         lambda p: _("Học phần %(module)s (chương trình %(program)s) đã quá hạn từ ngày %(day)s.",
                     module=p["module_title"], program=p["program_name"], day=_day(p["due_on"])), _module),
    Kind("program.due_soon", _l("Chương trình sắp đến hạn"), TRAINEE,
         lambda p: _("Chương trình %(program)s cần hoàn thành trước ngày %(day)s.",
                     program=p["program_name"], day=_day(p["due_on"])),
         lambda p: url_for("curriculum.my_curriculum")),
    Kind("program.overdue", _l("Chương trình quá hạn"), TRAINEE,
         lambda p: _("Chương trình %(program)s đã quá hạn từ ngày %(day)s.",
                     program=p["program_name"], day=_day(p["due_on"])),
         lambda p: url_for("curriculum.my_curriculum")),
    Kind("quiz.closing", _l("Bài kiểm tra sắp đóng"), TRAINEE,
         lambda p: _("Bài kiểm tra \"%(quiz)s\" đóng lúc %(time)s và bạn chưa đạt; hãy làm bài trước giờ đó.",
                     quiz=p["quiz_title"], time=_moment(p["closes_at"])),
         lambda p: url_for("learning.quiz", module_id=p["module_id"])),
    Kind("overdue.summary", _l("Tổng hợp quá hạn hằng tuần"), ADMIN,
         lambda p: _("Tuần này đơn vị của bạn có %(n)s học viên quá hạn chương trình bồi dưỡng.",
                     n=number(p["count"])),
         lambda p: url_for("dashboards.people", status="overdue")),
    Kind("report.graded", _l("Bài thu hoạch đã được chấm"), TRAINEE,
         lambda p: _("Bài thu hoạch \"%(topic)s\" đã được chấm.", topic=p["topic"]),
         lambda p: url_for("delivery.submission_page", submission_id=p["submission_id"])),
    Kind("report.returned", _l("Bài thu hoạch được trả lại để sửa"), TRAINEE,
         lambda p: _("Bài thu hoạch \"%(topic)s\" được trả lại để sửa; hãy đọc nhận xét và nộp lại.",
                     topic=p["topic"]),
         lambda p: url_for("delivery.submission_page", submission_id=p["submission_id"])),
    Kind("report.awaiting", _l("Bài thu hoạch chờ chấm lâu"), LECTURER,
         lambda p: _("%(n)s bài thu hoạch chuyến \"%(topic)s\" đã chờ chấm hơn %(days)s ngày.",
                     n=number(p["count"]), topic=p["topic"], days=p["days"]),
         lambda p: url_for("delivery.trip_page", trip_id=p["trip_id"])),
    Kind("review_flag.raised", _l("Học phần cần rà soát"), LECTURER,
         lambda p: _("Học phần %(code)s cần rà soát: %(reason)s", code=p["module_code"], reason=p["reason"]),
         lambda p: url_for("curriculum.reviews")),
    Kind("revision.restudy", _l("Học phần có nội dung mới cần học lại"), TRAINEE,
         lambda p: _("Học phần %(module)s có nội dung mới; bạn cần học lại.", module=p["module_title"]),
         _module, detail=lambda p: _("Nội dung thay đổi: %(summary)s", summary=p["change_summary"])),
    Kind("certificate.issued", _l("Được cấp chứng nhận"), TRAINEE,
         lambda p: _("Bạn đã được cấp chứng nhận hoàn thành chương trình %(program)s.", program=p["program_name"]),
         lambda p: url_for("certificates.show", certificate_id=p["certificate_id"])),
    Kind("certificate.refresher_due", _l("Chứng nhận sắp hết hạn, cần bồi dưỡng lại"), TRAINEE,
         lambda p: _("Chứng nhận chương trình %(program)s hết hạn ngày %(day)s; hãy học lại để được cấp mới.",
                     program=p["program_name"], day=_day(p["valid_until"])),
         lambda p: url_for("curriculum.my_curriculum")),
    # The link in the mail carries a token made when it is sent (mailing.deliver); the row keeps the link's id.
    Kind("account.activation", _l("Thư kích hoạt tài khoản"), ACCOUNT,
         lambda p: _("Kích hoạt tài khoản %(username)s: hãy đặt mật khẩu của bạn", username=p["username"]),
         lambda p: url_for("home.index"),
         detail=lambda p: _("Mở liên kết dưới đây để tự đặt mật khẩu. Liên kết dùng được một lần, trong %(days)s "
                            "ngày; nếu bạn không đề nghị, hãy bỏ qua thư này.", days=p["days"])),
)}


def kind(name: str) -> Kind:
    return KINDS[name]


def choosable() -> list[Kind]:
    """The kinds whose e-mail a person or an admin may choose (not those about an account itself)."""
    return [k for k in KINDS.values() if k.audience != ACCOUNT]


def kinds_for(roles) -> list[Kind]:
    """The kinds a person with these roles may receive (the preferences page lists them)."""
    roles = {str(r) for r in roles}
    return [k for k in KINDS.values() if k.audience in roles]
