"""What each kind of job is called on its page, which partial shows its result, and where to go back to."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Kind:
    title: str
    result_template: str | None = None
    back_endpoint: str | None = None


KINDS = {
    "users.import": Kind(_l("Nhập người dùng từ tệp CSV"), "accounts/users/_import_result.html",
                         "users_admin.import_users"),
    "class.evidence_pack": Kind(_l("Lập hồ sơ minh chứng của lớp"), "supervision/_evidence_result.html"),
}


def describe(kind: str) -> Kind:
    return KINDS.get(kind, Kind(_l("Công việc nền")))
