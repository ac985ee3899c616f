"""The registry of Party and State documents, and how they supersede or amend each other."""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import str_enum, utcnow
from lms.extensions import db


class DocumentKind(enum.StrEnum):
    RESOLUTION = "resolution"  # Nghị quyết (NQ)
    DIRECTIVE = "directive"  # Chỉ thị (CT)
    CONCLUSION = "conclusion"  # Kết luận (KL)
    REGULATION = "regulation"  # Quy định (QĐ)
    DECISION = "decision"  # Quyết định (QĐ)
    GUIDANCE = "guidance"  # Hướng dẫn (HD)
    RULES = "rules"  # Quy chế (QC)
    NOTICE = "notice"  # Thông báo (TB)
    PLAN = "plan"  # Kế hoạch (KH)
    PROGRAMME = "programme"  # Chương trình (CTr)
    SCHEME = "scheme"  # Đề án (ĐA)
    LAW = "law"  # Luật
    DECREE = "decree"  # Nghị định (NĐ-CP)
    CIRCULAR = "circular"  # Thông tư (TT)
    OTHER = "other"


# How each kind is written in running text: search finds 32-NQ/TW from "nghị quyết 32", and a review
# finds "Chỉ thị 05" in a lesson as a mention of 05-CT/TW.
KIND_WORDS = {
    DocumentKind.RESOLUTION: "Nghị quyết", DocumentKind.DIRECTIVE: "Chỉ thị",
    DocumentKind.CONCLUSION: "Kết luận", DocumentKind.REGULATION: "Quy định",
    DocumentKind.DECISION: "Quyết định", DocumentKind.GUIDANCE: "Hướng dẫn", DocumentKind.RULES: "Quy chế",
    DocumentKind.NOTICE: "Thông báo", DocumentKind.PLAN: "Kế hoạch", DocumentKind.PROGRAMME: "Chương trình",
    DocumentKind.SCHEME: "Đề án", DocumentKind.LAW: "Luật", DocumentKind.DECREE: "Nghị định",
    DocumentKind.CIRCULAR: "Thông tư", DocumentKind.OTHER: "",
}


class DocumentStatus(enum.StrEnum):
    IN_FORCE = "in_force"
    AMENDED = "amended"
    SUPERSEDED = "superseded"
    STOPPED = "stopped"


class RelationKind(enum.StrEnum):
    SUPERSEDES = "supersedes"  # thay thế
    AMENDS = "amends"  # sửa đổi, bổ sung
    STOPS = "stops"  # dừng thực hiện
    IMPLEMENTS = "implements"  # thực hiện
    GUIDES = "guides"  # hướng dẫn


class Document(db.Model):
    """A document keyed on (kind, number, issuer, date): numbers restart with each Party term."""

    __tablename__ = "documents"
    __table_args__ = (sa.UniqueConstraint("kind", "number", "issuer", "issued_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(80))  # as printed: "32-NQ/TW", "19/2025/QĐ-TTg"
    code_key: Mapped[str] = mapped_column(sa.String(80), index=True)  # folded for search: "32nqtw"
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind))
    number: Mapped[str] = mapped_column(sa.String(40))
    issuer: Mapped[str] = mapped_column(sa.String(200))  # "Bộ Chính trị", "Ban Bí thư", "Quốc hội"
    issued_on: Mapped[date] = mapped_column(sa.Date)
    term: Mapped[str | None] = mapped_column(sa.String(20))  # khóa: "XI", "XIII"
    title: Mapped[str] = mapped_column(sa.String(500))
    summary: Mapped[str | None] = mapped_column(sa.Text)
    # Where the text is published (a portal's address or a gazette reference), kept as text, never fetched.
    source: Mapped[str | None] = mapped_column(sa.String(500))
    status: Mapped[DocumentStatus] = mapped_column(str_enum(DocumentStatus), default=DocumentStatus.IN_FORCE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    outgoing: Mapped[list[DocumentRelation]] = relationship(
        foreign_keys="DocumentRelation.source_id", back_populates="source", cascade="all, delete-orphan"
    )
    incoming: Mapped[list[DocumentRelation]] = relationship(
        foreign_keys="DocumentRelation.target_id", back_populates="target"
    )

    def __repr__(self) -> str:
        return f"<Document {self.code}>"


class DocumentRelation(db.Model):
    """`source` supersedes / amends / stops / implements / guides `target`."""

    __tablename__ = "document_relations"
    __table_args__ = (sa.UniqueConstraint("source_id", "target_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    kind: Mapped[RelationKind] = mapped_column(str_enum(RelationKind))

    source: Mapped[Document] = relationship(foreign_keys=[source_id], back_populates="outgoing")
    target: Mapped[Document] = relationship(foreign_keys=[target_id], back_populates="incoming")
