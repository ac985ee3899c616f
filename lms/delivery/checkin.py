"""Check-in by a short-lived code (or its QR), shared by field trips and class sessions.

A lecturer opens a code for a few minutes; a trainee of the class enters it (or scans the QR, which carries
it in the link). Wrong codes are kept per trainee and place: a few in a row within the code's lifetime lock
that trainee out until the lecturer marks them on the list. The per-address limit on refused tries
(lms.throttling, CODE_RATE_LIMIT) is on the views.
"""
from __future__ import annotations

import secrets
import unicodedata
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from lms.db import utcnow
from lms.errors import InvalidInput
from lms.extensions import db

CHECKIN_MINUTES = 15
CHECKIN_MAX_FAILURES = 5


def open_code(point, minutes: int = CHECKIN_MINUTES) -> str:
    """Give `point` (a row with checkin_code and checkin_expires_at) a new code; the previous one stops working."""
    code = f"{secrets.randbelow(10**6):06d}"
    point.checkin_code, point.checkin_expires_at = code, utcnow() + timedelta(minutes=minutes)
    db.session.flush()
    return code


def is_live(point, now: datetime | None = None) -> bool:
    return bool(point.checkin_code and point.checkin_expires_at and point.checkin_expires_at > (now or utcnow()))


def check_code(point, code: str, *, failures, key: str, trainee_id: int, now: datetime) -> None:
    """Accept `code` for `point`, or record the failure and refuse; refuse at once when locked out.

    failures: the model counting wrong codes; key: its column naming the point (trip_id, session_id).
    """
    column = getattr(failures, key)
    code = unicodedata.normalize("NFC", code or "").strip().replace(" ", "")
    count = db.session.scalar(
        sa.select(sa.func.count(failures.id)).where(
            column == point.id, failures.trainee_id == trainee_id,
            failures.failed_at > now - timedelta(minutes=CHECKIN_MINUTES))
    )
    if count >= CHECKIN_MAX_FAILURES:
        raise InvalidInput(_("Bạn đã nhập sai mã quá nhiều lần. Hãy nhờ giảng viên điểm danh theo danh sách."))
    if (not point.checkin_code or point.checkin_expires_at is None or now > point.checkin_expires_at
            or not secrets.compare_digest(code, point.checkin_code)):
        # Kept even though the request is refused: the view commits it, so guessing codes soon stops.
        db.session.add(failures(**{key: point.id}, trainee_id=trainee_id, failed_at=now))
        db.session.flush()
        raise InvalidInput(_("Mã điểm danh không đúng hoặc đã hết hạn. Hãy hỏi giảng viên mã mới."))


def qr_svg(text: str) -> str:
    """The check-in link as a QR code, drawn on the server as inline SVG (no script, no other host)."""
    from lms import qr

    return qr.qr_svg(text, title=_("Mã QR điểm danh"))
