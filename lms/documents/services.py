"""The document registry: registering Party and State documents and what their relations do to modules."""
from __future__ import annotations

import unicodedata
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from lms import audit, signals
from lms.dates import DOCUMENT_DATES
from lms.documents.models import Document, DocumentKind, DocumentRelation, DocumentStatus, RelationKind
from lms.errors import Conflict, InvalidInput, NotAllowed
from lms.extensions import db
from lms.formats import local_date
from lms.text import (
    clean_name,
    fold_code,  # noqa: F401  (the registry key, re-exported)
)

# What a relation does to the status of the document it points at.
STATUS_AFTER = {
    RelationKind.SUPERSEDES: DocumentStatus.SUPERSEDED,
    RelationKind.AMENDS: DocumentStatus.AMENDED,
    RelationKind.STOPS: DocumentStatus.STOPPED,
}
# A document already superseded or stopped is not "amended" by a later amendment.
_STATUS_RANK = {DocumentStatus.IN_FORCE: 0, DocumentStatus.AMENDED: 1, DocumentStatus.STOPPED: 2,
                DocumentStatus.SUPERSEDED: 3}


def is_author(actor) -> bool:
    """Lecturers and admins keep the registry; everyone else reads it."""
    from lms.accounts.models import Role

    return actor.has_role(Role.LECTURER, Role.ADMIN)


def ensure_author(actor) -> None:
    """Lecturers and admins keep the registry (actor None: the command line)."""
    if actor is not None and not is_author(actor):
        raise NotAllowed(_("Chỉ giảng viên và cán bộ quản lý đào tạo được làm việc này."))


def _clean(text: str | None) -> str:
    return unicodedata.normalize("NFC", text or "").strip()


def register_document(
    actor,
    *,
    code: str,
    kind: DocumentKind | str,
    number: str,
    issuer: str,
    issued_on: date,
    title: str,
    term: str | None = None,
    summary: str | None = None,
    source: str | None = None,
    relations=(),
) -> Document:
    """Add a document to the registry; its supersedes/amends/stops relations flag the modules citing the target."""
    ensure_author(actor)
    code, number, issuer, title = clean_name(code), clean_name(number), clean_name(issuer), clean_name(title)
    problems = []
    if not code:
        problems.append(_("Thiếu ký hiệu văn bản."))
    if not number:
        problems.append(_("Thiếu số văn bản."))
    if not issuer:
        problems.append(_("Thiếu cơ quan ban hành."))
    if not title:
        problems.append(_("Thiếu trích yếu (tên) văn bản."))
    if issued_on is None:
        problems.append(_("Thiếu ngày ban hành."))
    elif not DOCUMENT_DATES.contains(issued_on):
        problems.append(DOCUMENT_DATES.message(_("Ngày ban hành")))
    try:
        kind = DocumentKind(kind)
    except ValueError:
        problems.append(_("Loại văn bản không hợp lệ."))
    if problems:
        raise InvalidInput(" ".join(problems), problems)
    clash = db.session.scalar(
        sa.select(Document).where(Document.kind == kind, Document.number == number,
                                  Document.issuer == issuer, Document.issued_on == issued_on)
    )
    if clash is not None:
        raise Conflict(_("Văn bản %(code)s của %(issuer)s ban hành ngày %(day)s đã có trong danh mục.",
                         code=clash.code, issuer=issuer, day=local_date(issued_on)))
    document = Document(code=code, code_key=fold_code(code), kind=kind, number=number, issuer=issuer,
                        issued_on=issued_on, title=title, term=_clean(term) or None,
                        summary=_clean(summary) or None, source=_clean(source) or None)
    db.session.add(document)
    db.session.flush()
    audit.record(actor, "document.register", document, code=code)
    add_relations(actor, document, relations, _announce=False)
    signals.document_registered.send(document=document, actor=actor)
    return document


def add_relations(actor, document: Document, relations, *, _announce: bool = True) -> list:
    """Link `document` to earlier ones; returns the review flags raised."""
    ensure_author(actor)
    flags = []
    for kind, target in relations:
        kind = RelationKind(kind)
        if target is None or target.id == document.id:
            raise InvalidInput(_("Văn bản liên quan không hợp lệ."))
        exists = db.session.scalar(sa.select(DocumentRelation.id).where(
            DocumentRelation.source_id == document.id, DocumentRelation.target_id == target.id,
            DocumentRelation.kind == kind))
        if exists:
            continue
        db.session.add(DocumentRelation(source=document, target=target, kind=kind))
        audit.record(actor, "document.relate", document, relation=str(kind), target=target.code,
                     target_id=target.id)
        new_status = STATUS_AFTER.get(kind)
        if new_status is not None:
            if _STATUS_RANK[new_status] > _STATUS_RANK[DocumentStatus(target.status)]:
                target.status = new_status
                audit.record(actor, "document.status", target, status=str(new_status), by=document.code)
            flags += _flag_citing_modules(actor, target, document, kind)
    db.session.flush()
    if _announce and relations:
        signals.document_registered.send(document=document, actor=actor)
    return flags


def flag_reason(old: Document, new: Document, kind: RelationKind) -> str:
    params = {"old": old.code, "new": new.code, "issuer": new.issuer, "day": local_date(new.issued_on)}
    if kind == RelationKind.SUPERSEDES:
        return _("Văn bản %(old)s đã được thay thế bởi %(new)s (%(issuer)s, %(day)s).", **params)
    if kind == RelationKind.AMENDS:
        return _("Văn bản %(old)s đã được sửa đổi, bổ sung bởi %(new)s (%(issuer)s, %(day)s).", **params)
    return _("Văn bản %(old)s đã bị dừng thực hiện theo %(new)s (%(issuer)s, %(day)s).", **params)


def _flag_citing_modules(actor, old: Document, new: Document, kind: RelationKind) -> list:
    from lms.curriculum.impact import flag_impact

    return flag_impact(actor, old, new, kind, flag_reason(old, new, kind))


def documents_select() -> sa.Select:
    """Every document, newest first."""
    return sa.select(Document).order_by(Document.issued_on.desc(), Document.code)


def document_with_relations(document_id: int) -> sa.Select:
    """A document with its relations both ways and the documents at their other end, loaded at once."""
    from sqlalchemy.orm import selectinload

    return sa.select(Document).where(Document.id == document_id).options(
        selectinload(Document.outgoing).joinedload(DocumentRelation.target),
        selectinload(Document.incoming).joinedload(DocumentRelation.source))
