"""Users, their roles and scopes, the titles they hold or are planned for, and sign-in failures."""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from lms.accounts.names import fold, sort_key
from lms.db import str_enum, utcnow
from lms.extensions import db
from lms.organisation.models import Title, Unit


class Role(enum.StrEnum):
    TRAINEE = "trainee"
    LECTURER = "lecturer"
    ADMIN = "admin"
    INSPECTOR = "inspector"  # kiểm tra, giám sát: reads the training of a unit subtree, changes nothing


# Roles that read and never write: a user holding only these is refused every request that would change data
# (lms.access), the few routes made for them aside.
READ_ONLY_ROLES = frozenset({Role.INSPECTOR})
# Roles whose grant names a unit subtree.
SCOPED_ROLES = frozenset({Role.ADMIN, Role.INSPECTOR})


class TheoryLevel(enum.IntEnum):
    """Political-theory qualification (trình độ LLCT); each level is the entry condition for the next."""

    NONE = 0
    ELEMENTARY = 1  # sơ cấp
    INTERMEDIATE = 2  # trung cấp
    ADVANCED = 3  # cao cấp


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(255))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    theory_level: Mapped[int] = mapped_column(default=TheoryLevel.NONE)
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on sign-out, password change and deactivation: every older session cookie stops working.
    session_version: Mapped[int] = mapped_column(default=1)
    locale: Mapped[str] = mapped_column(sa.String(5), default="vi")
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Kept in step with full_name and username (see _keep_name_keys): diacritic-free text to search in,
    # and the Vietnamese-order key lists sort by (given name first).
    # Set when an admin chose the password: the person must change it before anything else.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    search_key: Mapped[str] = mapped_column(sa.String(400), default="")
    sort_key: Mapped[str] = mapped_column(sa.String(500), default="", index=True)

    unit: Mapped[Unit | None] = relationship()
    role_grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    title_assignments: Mapped[list[TitleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="TitleAssignment.start_date"
    )

    @validates("full_name", "username")
    def _keep_name_keys(self, key: str, value: str) -> str:
        full_name = value if key == "full_name" else self.full_name
        username = value if key == "username" else self.username
        self.search_key = f"{fold(full_name)} {fold(username)}".strip()[:400]
        self.sort_key = sort_key(full_name)[:500]
        return value

    # Flask-Login
    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    @property
    def roles(self) -> set[Role]:
        return {Role(g.role) for g in self.role_grants}

    def has_role(self, *roles: Role | str) -> bool:
        mine = self.roles
        return any(Role(r) in mine for r in roles)

    def _scope_of(self, role: Role) -> Unit | None:
        return next((grant.scope_unit for grant in self.role_grants if grant.role == role), None)

    @property
    def admin_scope(self) -> Unit | None:
        """The unit subtree this user administers, or None when not an admin."""
        return self._scope_of(Role.ADMIN)

    @property
    def inspector_scope(self) -> Unit | None:
        """The unit subtree this user inspects, or None when not an inspector."""
        return self._scope_of(Role.INSPECTOR)


    def __repr__(self) -> str:
        return f"<User {self.username}>"


class RoleGrant(db.Model):
    """A role a user holds; an admin's grant names the unit subtree they administer."""

    __tablename__ = "role_grants"
    __table_args__ = (sa.UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(str_enum(Role, 20))
    scope_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)

    user: Mapped[User] = relationship(back_populates="role_grants")
    scope_unit: Mapped[Unit | None] = relationship(lazy="joined")


class AssignmentKind(enum.StrEnum):
    HELD = "held"
    PLANNED = "planned"  # quy hoạch


class TitleAssignment(db.Model):
    """A title a user holds, or is planned for, over a period."""

    __tablename__ = "title_assignments"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "title_id", "kind", "start_date"),
        sa.Index("ix_title_assignments_title_kind", "title_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title_id: Mapped[int] = mapped_column(sa.ForeignKey("titles.id"))
    kind: Mapped[AssignmentKind] = mapped_column(str_enum(AssignmentKind, 10))
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date | None] = mapped_column(sa.Date)

    user: Mapped[User] = relationship(back_populates="title_assignments")
    title: Mapped[Title] = relationship(lazy="joined")

    def current_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class ActivationLink(db.Model):
    """A one-time link by which a person sets their own password (a new account, or a reset).

    Only the SHA-256 of the token is stored: the token itself is shown once, on the slip printed for the
    person, and a copy of the database cannot be used to sign in as anyone."""

    __tablename__ = "activation_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<ActivationLink {self.id} user={self.user_id}>"


class SignInFailure(db.Model):
    """One failed sign-in; counted per username in the database so every worker sees the same count."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (sa.Index("ix_sign_in_failures_username_at", "username", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80))
    failed_at: Mapped[datetime] = mapped_column(default=utcnow)
