"""Programs by job title, versioned modules and their lessons, document citations and review flags.

A module's content lives in revisions. At most one revision per module is a draft (`number` is None);
publishing gives it the next number and makes it immutable. Lessons belong to a revision; `Lesson.key`
stays the same for "the same lesson" across revisions so progress and diffs can follow it.
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import str_enum, utcnow
from lms.extensions import db
from lms.grading import GradeScale

if TYPE_CHECKING:
    from lms.documents.models import Document
    from lms.organisation.models import Locality, Title


class ModuleKind(enum.StrEnum):
    SELF_STUDY = "self_study"  # tự học
    LOCAL_TOPIC = "local_topic"  # chuyên đề thực tiễn địa phương
    EXEMPLARY_REPORT = "exemplary_report"  # báo cáo điển hình
    FIELD_TRIP = "field_trip"  # đi thực tế
    LECTURE = "lecture"  # bài giảng


program_titles = sa.Table(
    "program_titles",
    db.metadata,
    sa.Column("program_id", sa.ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("title_id", sa.ForeignKey("titles.id"), primary_key=True, index=True),
)

module_localities = sa.Table(
    "module_localities",
    db.metadata,
    sa.Column("module_id", sa.ForeignKey("modules.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("locality_id", sa.ForeignKey("localities.id"), primary_key=True, index=True),
)

revision_citations = sa.Table(
    "revision_citations",
    db.metadata,
    sa.Column("revision_id", sa.ForeignKey("module_revisions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("document_id", sa.ForeignKey("documents.id"), primary_key=True, index=True),
)


class Program(db.Model):
    """A title-based refresher program (chương trình bồi dưỡng theo chức danh)."""

    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(50), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # Entry standard: the political-theory level a nominee must already have (accounts.TheoryLevel).
    required_theory_level: Mapped[int] = mapped_column(default=0)
    hours: Mapped[int | None]
    # A refresher lapses this many months after completion (None: never).
    validity_months: Mapped[int | None]
    # Quiz scores, rubric grades, results and exports of this program are shown on this scale (10 or 100).
    grade_scale: Mapped[GradeScale] = mapped_column(str_enum(GradeScale, 10), default=GradeScale.TEN,
                                                    server_default=GradeScale.TEN.value)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    titles: Mapped[list[Title]] = relationship("Title", secondary=program_titles, order_by="Title.name")
    items: Mapped[list[ProgramModule]] = relationship(
        back_populates="program", cascade="all, delete-orphan", order_by="ProgramModule.position"
    )

    def __repr__(self) -> str:
        return f"<Program {self.code}>"


class ProgramModule(db.Model):
    """A module's place in a program: order, required or elective, and how long trainees have for it."""

    __tablename__ = "program_modules"
    __table_args__ = (sa.UniqueConstraint("program_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    required: Mapped[bool] = mapped_column(default=True)
    due_days: Mapped[int | None]  # days from the start of the trainee's program

    program: Mapped[Program] = relationship(back_populates="items")
    module: Mapped[Module] = relationship()


class Module(db.Model):
    """A module (học phần / chuyên đề). Its content is in `revisions`; `published` is the one trainees see."""

    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(80), unique=True)
    kind: Mapped[ModuleKind] = mapped_column(str_enum(ModuleKind))
    published_revision_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("module_revisions.id", use_alter=True, name="fk_modules_published_revision_id")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    revisions: Mapped[list[ModuleRevision]] = relationship(
        back_populates="module", foreign_keys="ModuleRevision.module_id", order_by="ModuleRevision.id",
        cascade="all, delete-orphan",
    )
    published: Mapped[ModuleRevision | None] = relationship(foreign_keys=[published_revision_id],
                                                            post_update=True)
    localities: Mapped[list[Locality]] = relationship("Locality", secondary=module_localities)

    def __repr__(self) -> str:
        return f"<Module {self.code}>"


class ModuleRevision(db.Model):
    """One version of a module. Drafts have no number and a lock_version for optimistic concurrency."""

    __tablename__ = "module_revisions"
    __table_args__ = (
        sa.UniqueConstraint("module_id", "number"),
        # At most one draft per module, on both databases.
        sa.Index("uq_module_revisions_one_draft", "module_id", unique=True,
                 sqlite_where=sa.text("number IS NULL"), postgresql_where=sa.text("number IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"))
    number: Mapped[int | None]  # 1, 2, 3 ... once published; None while a draft
    title: Mapped[str] = mapped_column(sa.String(255))
    summary_md: Mapped[str] = mapped_column(sa.Text, default="")
    summary_html: Mapped[str] = mapped_column(sa.Text, default="")
    change_summary: Mapped[str] = mapped_column(sa.Text, default="")
    requires_restudy: Mapped[bool] = mapped_column(default=False)
    lock_version: Mapped[int] = mapped_column(default=1)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    module: Mapped[Module] = relationship(back_populates="revisions", foreign_keys=[module_id])
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="revision", cascade="all, delete-orphan", order_by="Lesson.position"
    )
    documents: Mapped[list[Document]] = relationship(
        "Document", secondary=revision_citations, order_by="Document.issued_on"
    )

    @property
    def is_draft(self) -> bool:
        return self.number is None

    def __repr__(self) -> str:
        return f"<ModuleRevision {self.module_id} #{self.number or 'draft'}>"


class Lesson(db.Model):
    """A lesson in one revision; Markdown rendered once (body_html) when the revision is saved."""

    __tablename__ = "lessons"
    __table_args__ = (sa.UniqueConstraint("revision_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(sa.ForeignKey("module_revisions.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(80))  # stable across revisions
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(255))
    body_md: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    minutes: Mapped[int | None]  # estimated study time

    revision: Mapped[ModuleRevision] = relationship(back_populates="lessons")

    def __repr__(self) -> str:
        return f"<Lesson {self.key}>"


class FlagStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"  # a revision citing the new document was published
    DISMISSED = "dismissed"  # a lecturer judged no change was needed, with a reason


class ReviewFlag(db.Model):
    """A module flagged for review because a document it cites was superseded or amended."""

    __tablename__ = "review_flags"
    __table_args__ = (
        sa.UniqueConstraint("module_id", "old_document_id", "new_document_id"),
        sa.Index("ix_review_flags_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    old_document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"))
    new_document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"))
    relation: Mapped[str] = mapped_column(sa.String(20))  # RelationKind value
    reason: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[FlagStatus] = mapped_column(str_enum(FlagStatus), default=FlagStatus.OPEN)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolution_note: Mapped[str | None] = mapped_column(sa.Text)
    resolved_revision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("module_revisions.id"))

    module: Mapped[Module] = relationship()
    old_document = relationship("Document", foreign_keys=[old_document_id])
    new_document = relationship("Document", foreign_keys=[new_document_id])
    passages: Mapped[list[ReviewPassage]] = relationship(
        back_populates="flag", cascade="all, delete-orphan", order_by="ReviewPassage.id")


class PassageStatus(enum.StrEnum):
    OPEN = "open"
    EDITED = "edited"  # the passage is no longer in the place's current text
    CONFIRMED = "confirmed"  # a lecturer judged it still correct, with a note


class ReviewPassage(db.Model):
    """A passage that mentions a superseded or amended document: a line of a lesson, a module's summary, a quiz
    question, a rubric or a program's description. Module passages belong to that module's review flag;
    program passages have no flag. A flag is resolved only when each of its passages is edited or confirmed."""

    __tablename__ = "review_passages"
    __table_args__ = (
        sa.Index("ix_review_passages_documents", "old_document_id", "new_document_id"),
        sa.Index("ix_review_passages_open", "status", "program_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int | None] = mapped_column(sa.ForeignKey("review_flags.id", ondelete="CASCADE"), index=True)
    program_id: Mapped[int | None] = mapped_column(sa.ForeignKey("programs.id", ondelete="CASCADE"))
    old_document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"))
    new_document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"))
    source: Mapped[str] = mapped_column(sa.String(20))  # lms.documents.mentions.Source name
    place_key: Mapped[str] = mapped_column(sa.String(80))
    label: Mapped[str] = mapped_column(sa.String(255))
    passage: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[PassageStatus] = mapped_column(str_enum(PassageStatus), default=PassageStatus.OPEN)
    note: Mapped[str | None] = mapped_column(sa.Text)
    handled_at: Mapped[datetime | None]
    handled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    flag: Mapped[ReviewFlag | None] = relationship(back_populates="passages")
    program: Mapped[Program | None] = relationship()
    old_document = relationship("Document", foreign_keys=[old_document_id])
    new_document = relationship("Document", foreign_keys=[new_document_id])

    def __repr__(self) -> str:
        return f"<ReviewPassage {self.source}:{self.place_key} {self.status}>"
