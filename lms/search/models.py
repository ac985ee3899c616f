"""The search index: one row per (indexed object, distinct token), filled in Python by lms.search.indexing.

Folding happens in Python with one function (lms.search.text.fold), so SQLite and PostgreSQL hold the same
rows and rank them with the same integer arithmetic.
"""
from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import str_enum
from lms.extensions import db
from lms.search.text import MAX_TOKEN


class SearchKind(enum.StrEnum):
    DOCUMENT = "document"  # object_id: documents.id
    LESSON = "lesson"  # object_id: lessons.id
    MODULE = "module"  # object_id: module_revisions.id (the published revision, or the draft)


class SearchTerm(db.Model):
    """A token of an indexed object: folded (`term`) and as written, lowercased (`exact`)."""

    __tablename__ = "search_terms"
    __table_args__ = (
        # Covers the ranking query: matching terms are read from the index alone.
        sa.Index("ix_search_terms_term", "term", "kind", "object_id", "draft", "weight", "exact"),
        sa.Index("ix_search_terms_object", "kind", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SearchKind] = mapped_column(str_enum(SearchKind, 10))
    object_id: Mapped[int]
    # The module a lesson or revision belongs to (None for documents): reindexing replaces by module.
    module_id: Mapped[int | None] = mapped_column(index=True)
    draft: Mapped[bool] = mapped_column(default=False)
    term: Mapped[str] = mapped_column(sa.String(MAX_TOKEN))
    exact: Mapped[str] = mapped_column(sa.String(MAX_TOKEN))
    weight: Mapped[int]

    def __repr__(self) -> str:
        return f"<SearchTerm {self.kind}:{self.object_id} {self.term}>"
