"""Certificates: issued on program completion with an unguessable code; admins revoke them with a reason.

A certificate is issued by the school set up for the trainee's unit or the nearest unit above it
(`CertificateIssuer`, edited by the admins of that unit). Its number counts per school and calendar year in
Vietnam time (123/2026/GCN): one atomic upsert of the school's counter row per certificate, so two
certificates issued at the same moment never share a number, and a unique constraint backs that up.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup

from lms import audit, formats, signals
from lms.accounts.models import User
from lms.accounts.services import ensure_can_manage, ensure_unit_in_scope
from lms.curriculum.models import Program
from lms.db import utcnow
from lms.errors import Conflict, InvalidInput
from lms.extensions import db
from lms.learning.models import Certificate, CertificateCounter, CertificateHeading, CertificateIssuer, ProgramStatus
from lms.organisation.models import Unit

CERTIFICATE_CODE_BYTES = 18  # 144 bits of randomness
NUMBER_SUFFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,29}")
ISSUER_TEXTS = ("superior_body", "name", "place", "signer_title", "signer_name")


def issuer_for(unit: Unit | None) -> CertificateIssuer | None:
    """The school of the nearest unit at or above `unit` that has one set up."""
    if unit is None:
        return None
    ancestors = [int(part) for part in unit.path.strip("/").split("/") if part] or [unit.id]
    return db.session.scalars(
        sa.select(CertificateIssuer).join(Unit, Unit.id == CertificateIssuer.unit_id)
        .where(CertificateIssuer.unit_id.in_(ancestors)).order_by(Unit.depth.desc()).limit(1)
    ).first()


def _next_serial(issuer_id: int, year: int) -> int:
    """The issuer's next number in the year. The upsert locks the counter row until the transaction ends
    (PostgreSQL), or runs under SQLite's one writer; a rolled-back certificate gives its number back."""
    table = CertificateCounter.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = (
        insert(table).values(issuer_id=issuer_id, year=year, last_number=1)
        .on_conflict_do_update(index_elements=[table.c.issuer_id, table.c.year],
                               set_={"last_number": table.c.last_number + 1})
        .returning(table.c.last_number)
    )
    return db.session.execute(statement).scalar_one()


def issue_certificate(user: User, program: Program, status: ProgramStatus) -> Certificate:
    """Issue the certificate of a completed program, numbered by the trainee's school when one is set up."""
    issued_at = utcnow()
    certificate = Certificate(
        code=secrets.token_urlsafe(CERTIFICATE_CODE_BYTES), user_id=user.id, program_id=program.id,
        cycle=status.cycle, full_name=user.full_name, unit_name=user.unit.name if user.unit else "",
        program_name=program.name, hours=program.hours, issued_at=issued_at, valid_until=status.valid_until,
    )
    issuer = issuer_for(user.unit)
    if issuer is not None:
        year = formats.to_local(issued_at).year
        serial = _next_serial(issuer.id, year)
        certificate.issuer_id, certificate.number_year, certificate.serial = issuer.id, year, serial
        certificate.number = f"{serial}/{year}/{issuer.number_suffix}"
        certificate.issued_by = {"heading": issuer.heading.value,
                                 **{name: getattr(issuer, name) for name in ISSUER_TEXTS}}
    db.session.add(certificate)
    db.session.flush()
    signals.certificate_issued.send(certificate=certificate)
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


# --- the issuing school ---------------------------------------------------------------------------------

def issuer_of_unit(actor: User, unit: Unit) -> CertificateIssuer | None:
    """The school set up on this very unit (None: its certificates come from a unit above, if any)."""
    ensure_unit_in_scope(actor, unit)
    return db.session.scalars(sa.select(CertificateIssuer).where(CertificateIssuer.unit_id == unit.id)).first()


def set_certificate_issuer(actor: User, unit: Unit, data: dict) -> CertificateIssuer:
    """Set up (or change) the school issuing the certificates of the unit's subtree; audited.

    Certificates already issued keep the school, signer and number printed on them (actor None: the
    command line)."""
    if actor is not None:
        ensure_unit_in_scope(actor, unit)
    values = {name: " ".join((data.get(name) or "").split()) for name in ISSUER_TEXTS}
    missing = [name for name in ("name", "place", "signer_title", "signer_name") if not values[name]]
    if missing:
        raise InvalidInput(_("Cần ghi tên cơ sở đào tạo, địa danh, chức vụ và họ tên người ký."))
    suffix = (data.get("number_suffix") or "").strip()
    if not NUMBER_SUFFIX.fullmatch(suffix):
        raise InvalidInput(_("Ký hiệu số giấy chứng nhận chỉ gồm chữ không dấu, chữ số, dấu chấm và gạch nối "
                             "(tối đa 30 ký tự), ví dụ GCN hoặc GCN-TCT."))
    try:
        heading = CertificateHeading(data.get("heading") or CertificateHeading.PARTY)
    except ValueError:
        raise InvalidInput(_("Hãy chọn quốc hiệu hoặc tiêu đề Đảng.")) from None
    issuer = db.session.scalars(sa.select(CertificateIssuer).where(CertificateIssuer.unit_id == unit.id)).first()
    created = issuer is None
    if created:
        issuer = CertificateIssuer(unit_id=unit.id)
        db.session.add(issuer)
    for name, value in values.items():
        setattr(issuer, name, value)
    issuer.number_suffix, issuer.heading = suffix, heading
    db.session.flush()
    audit.record(actor, "certificate_issuer.create" if created else "certificate_issuer.update", issuer,
                 unit_id=unit.id, name=issuer.name, signer=issuer.signer_name)
    return issuer


# --- the paper ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Paper:
    """What a certificate prints, in the reader's language and the site's time zone."""

    certificate: Certificate
    heading: str
    superior_body: str
    issuer_name: str
    number: str
    date_line: str
    signer_title: str
    signer_name: str
    verify_url: str
    qr: Markup


def verify_url(certificate: Certificate) -> str:
    """The public verification page, absolute from LMS_BASE_URL (the paper may be scanned anywhere)."""
    path = current_app.url_map.bind("localhost").build("certificates.verify", {"code": certificate.code})
    return current_app.config["LMS_BASE_URL"].rstrip("/") + path


def paper(certificate: Certificate) -> Paper:
    from lms.qr import qr_svg

    issuer = certificate.issued_by or {}
    url = verify_url(certificate)
    return Paper(
        certificate=certificate,
        heading=issuer.get("heading", CertificateHeading.STATE.value),
        superior_body=issuer.get("superior_body", ""),
        issuer_name=issuer.get("name", ""),
        number=certificate.number,
        date_line=formats.place_and_date(issuer.get("place", ""), certificate.issued_at),
        signer_title=issuer.get("signer_title", ""),
        signer_name=issuer.get("signer_name", ""),
        verify_url=url,
        # segno writes the SVG from the URL alone (escaped); nothing a user typed goes into it unescaped.
        qr=Markup(qr_svg(url, title=_("Mã QR xác minh giấy chứng nhận"), css_class="certificate-qr", scale=3)),
    )


def pdf_filename(certificate: Certificate) -> str:
    return f"giay-chung-nhan-{(certificate.number or str(certificate.id)).replace('/', '-')}.pdf"
