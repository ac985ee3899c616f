"""Certificates: issued on program completion with an unguessable code; admins revoke them with a reason."""
from __future__ import annotations

import secrets

from flask_babel import gettext as _

from lms import audit
from lms.accounts.models import User
from lms.accounts.services import ensure_can_manage
from lms.curriculum.models import Program
from lms.db import utcnow
from lms.errors import Conflict, InvalidInput
from lms.extensions import db
from lms.learning.models import Certificate, ProgramStatus

CERTIFICATE_CODE_BYTES = 18  # 144 bits of randomness

def issue_certificate(user: User, program: Program, status: ProgramStatus) -> Certificate:
    certificate = Certificate(
        code=secrets.token_urlsafe(CERTIFICATE_CODE_BYTES), user_id=user.id, program_id=program.id,
        cycle=status.cycle, full_name=user.full_name, unit_name=user.unit.name if user.unit else "",
        program_name=program.name, hours=program.hours, issued_at=utcnow(), valid_until=status.valid_until,
    )
    db.session.add(certificate)
    db.session.flush()
    return certificate


def revoke_certificate(actor: User, certificate: Certificate, reason: str) -> None:
    """An admin revokes a certificate with a reason (audited); verification then says it is revoked."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Cần ghi lý do thu hồi."))
    ensure_can_manage(actor, db.session.get(User, certificate.user_id))
    if certificate.revoked_at is not None:
        raise Conflict(_("Chứng nhận này đã bị thu hồi."))
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason
    certificate.revoked_by_id = actor.id
    audit.record(actor, "certificate.revoke", certificate, reason=reason)
    db.session.flush()
