"""Localities, the unit tree and job titles."""
from __future__ import annotations

import enum
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import str_enum
from lms.extensions import db

# Two-level local government took effect on this date (Resolution 60-NQ/TW, 2025).
TWO_LEVEL_SINCE = date(2025, 7, 1)


class LocalityKind(enum.StrEnum):
    PROVINCE = "province"
    CITY = "city"  # thành phố trực thuộc trung ương
    COMMUNE = "commune"  # xã
    WARD = "ward"  # phường
    SPECIAL_ZONE = "special_zone"  # đặc khu
    DISTRICT = "district"  # historical only, before 1 July 2025

    @property
    def is_provincial(self) -> bool:
        return self in (LocalityKind.PROVINCE, LocalityKind.CITY)


class Locality(db.Model):
    """A province or commune-level unit, keyed on its GSO code and validity period."""

    __tablename__ = "localities"
    __table_args__ = (sa.UniqueConstraint("code", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(10), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[LocalityKind] = mapped_column(str_enum(LocalityKind, 20))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("localities.id"), index=True)
    valid_from: Mapped[date] = mapped_column(sa.Date, default=TWO_LEVEL_SINCE)
    valid_to: Mapped[date | None] = mapped_column(sa.Date)

    parent: Mapped[Locality | None] = relationship(remote_side=[id])

    @property
    def province(self) -> Locality:
        return self if self.parent_id is None else self.parent

    def __repr__(self) -> str:
        return f"<Locality {self.code} {self.name}>"


class TreePath(sa.types.TypeDecorator):
    """A materialised path ("/1/4/"). A prefix given to `startswith` goes into the SQL text as a literal (it is
    digits and slashes), so PostgreSQL plans each subtree scan for its own prefix: with a bound parameter a
    prepared statement could fall back to a generic plan, blind to the prefix, that reads every unit."""

    impl = sa.String  # the column stays VARCHAR: no schema change (tests/test_migrations.py compares types)
    cache_ok = True

    class Comparator(sa.types.TypeDecorator.Comparator, sa.types.Concatenable.Comparator):
        def startswith(self, other, escape=None, autoescape=False):
            if not isinstance(other, str):
                return super().startswith(other, escape=escape, autoescape=autoescape)
            if autoescape:
                other, escape = other.replace("/", "//").replace("%", "/%").replace("_", "/_"), "/"
            prefix = sa.bindparam(None, other, type_=sa.String(), literal_execute=True)
            return super().startswith(prefix, escape=escape)

    comparator_factory = Comparator


class Unit(db.Model):
    """An organisation (cơ quan, đơn vị) in a tree; `path` makes subtree queries one indexed LIKE."""

    __tablename__ = "units"
    # varchar_pattern_ops lets PostgreSQL use the index for `path LIKE 'prefix%'` whatever the collation.
    __table_args__ = (sa.Index("ix_units_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    code: Mapped[str | None] = mapped_column(sa.String(50), unique=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    locality_id: Mapped[int | None] = mapped_column(sa.ForeignKey("localities.id"), index=True)
    path: Mapped[str] = mapped_column(TreePath(500), default="")
    depth: Mapped[int] = mapped_column(default=0)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.name")
    locality: Mapped[Locality | None] = relationship()

    def contains(self, other: Unit | None) -> bool:
        """True when `other` is this unit or lies below it."""
        return other is not None and other.path.startswith(self.path)

    def __repr__(self) -> str:
        return f"<Unit {self.id} {self.name}>"


class TitleLevel(enum.StrEnum):
    CENTRAL = "central"
    PROVINCE = "province"
    COMMUNE = "commune"
    DISTRICT = "district"  # historical titles, before 1 July 2025


class Title(db.Model):
    """A job title (chức danh) with its own curriculum."""

    __tablename__ = "titles"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(50), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    level: Mapped[TitleLevel] = mapped_column(str_enum(TitleLevel, 20))
    group: Mapped[str | None] = mapped_column(sa.String(100))
    is_key: Mapped[bool] = mapped_column(default=False)
    valid_from: Mapped[date | None] = mapped_column(sa.Date)
    valid_to: Mapped[date | None] = mapped_column(sa.Date)

    def __repr__(self) -> str:
        return f"<Title {self.code}>"
