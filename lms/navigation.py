"""The main menu by role: a few dropdowns (Học tập, Giảng dạy, Quản lý, Báo cáo), and the breadcrumb of a staff
page, found from the same list (the menu entry whose address starts the page's path).

Each domain adds its entries here. The menu is rendered once per set of roles and language
(lms.web.nav_links), so an entry may depend on nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.accounts.models import Role

STAFF = (Role.LECTURER, Role.ADMIN)
BREADCRUMBED = (Role.LECTURER, Role.ADMIN, Role.INSPECTOR)


@dataclass(frozen=True)
class Entry:
    label: object  # a lazy string
    endpoint: str
    roles: tuple
    also: tuple[str, ...] = ()  # other path prefixes whose pages sit below this entry (a class's pages)


CLASS_PAGES = ("/classes/", "/trips/", "/sessions/", "/submissions/")


@dataclass(frozen=True)
class Group:
    key: str
    label: object
    entries: tuple[Entry, ...]
    staff: bool = True  # its pages get a breadcrumb


GROUPS = (
    Group("study", _l("Học tập"), (
        Entry(_l("Chương trình học của tôi"), "curriculum.my_curriculum", (Role.TRAINEE,)),
        Entry(_l("Lớp của tôi"), "delivery.my_classes", (Role.TRAINEE,)),
        Entry(_l("Hồ sơ học tập"), "learning.my_record", (Role.TRAINEE,)),
    ), staff=False),
    Group("teach", _l("Giảng dạy"), (
        Entry(_l("Học phần"), "authoring.modules", STAFF),
        Entry(_l("Chương trình"), "authoring.programs", STAFF),
        Entry(_l("Bài kiểm tra"), "learning.manage", STAFF),
        Entry(_l("Văn bản"), "documents.index", STAFF),
        Entry(_l("Rà soát"), "curriculum.reviews", STAFF),
        Entry(_l("Lớp giảng dạy"), "delivery.teaching", (Role.LECTURER,), also=CLASS_PAGES),
    )),
    Group("manage", _l("Quản lý"), (
        Entry(_l("Người dùng"), "users_admin.index", (Role.ADMIN,)),
        Entry(_l("Đơn vị"), "organisation.units", (Role.ADMIN,)),
        Entry(_l("Chức danh"), "organisation.titles", (Role.ADMIN,)),
        Entry(_l("Lớp học"), "delivery.classes", (Role.ADMIN, Role.INSPECTOR), also=CLASS_PAGES),
        Entry(_l("Kế hoạch đào tạo"), "delivery.plans", (Role.ADMIN,)),
        Entry(_l("Chứng nhận"), "certificates.admin_index", (Role.ADMIN,)),
        Entry(_l("Thông báo và thư điện tử"), "notifications.admin", (Role.ADMIN,)),
    )),
    Group("report", _l("Báo cáo"), (
        Entry(_l("Theo dõi hoàn thành"), "dashboards.index", (Role.ADMIN, Role.INSPECTOR)),
        Entry(_l("Nhật ký kiểm toán"), "supervision.audit_log", (Role.ADMIN, Role.INSPECTOR)),
        Entry(_l("Hoàn thành theo lớp"), "dashboards.my_classes", (Role.LECTURER,)),
    )),
)


def menu(user) -> list[tuple[Group, list[Entry]]]:
    """The groups the user has entries in, each with those entries."""
    shown = []
    for group in GROUPS:
        entries = [e for e in group.entries if user.has_role(*e.roles)]
        if entries:
            shown.append((group, entries))
    return shown


def breadcrumb() -> dict | None:
    """For a staff page: its menu group, the entry whose address is the longest start of the page's path,
    and whether the page is that entry's own page. None elsewhere (trainee pages have their own)."""
    if not current_user.is_authenticated or not current_user.has_role(*BREADCRUMBED) or request.endpoint is None:
        return None
    best = None
    for group, entries in menu(current_user):
        if not group.staff:
            continue
        for entry in entries:
            url = url_for(entry.endpoint)
            prefixes = [url.rstrip("/") + "/", *(request.script_root + p for p in entry.also)]
            depth = max((len(p) for p in prefixes if request.path.startswith(p)), default=0)
            if request.path == url:
                depth = len(url) + 1
            if depth and (best is None or depth > best["depth"]):
                best = {"group": group.label, "label": entry.label, "url": url, "own": request.path == url,
                        "depth": depth}
    return best
