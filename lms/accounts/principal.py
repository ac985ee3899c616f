"""The signed-in user as each request sees them: read in one statement, the full account only when needed."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm.util import identity_key

from lms.accounts.models import Role, RoleGrant, User
from lms.db import run
from lms.extensions import db
from lms.organisation.models import Unit

# The user and their role grants in one statement: a row per grant (one row with no role when there is none).
_PRINCIPAL = (
    sa.select(User.id, User.full_name, User.locale, User.session_version, User.active, User.unit_id,
              User.must_change_password, RoleGrant.role, RoleGrant.scope_unit_id)
    .outerjoin(RoleGrant, RoleGrant.user_id == User.id)
    .where(User.id == sa.bindparam("user_id"))
)
_OWN = frozenset({"id", "_row", "_roles", "_scope_unit_id", "_scope", "_account"})
_MAPPED = frozenset({"__tablename__", "__table__", "__mapper__"})


class _Current:
    """An attribute read from the statement's row until the account row is loaded, then from the account
    (it may have been changed in this request)."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, user, owner=None):
        if user is None:
            return self
        account = user._loaded_account()
        return getattr(user._row if account is None else account, self.name)


class SignedInUser:
    """Who is signed in: id, name, language, session version and roles, read once per request.

    Everything else (their unit, admin scope, title assignments) and every change goes to the account itself,
    the `User` row, read on first use: `user.account`, or any other attribute, which is looked up there. It
    compares equal to that `User`, so services may take either.
    """

    is_authenticated = True
    is_anonymous = False

    def __init__(self, rows):
        first = rows[0]
        object.__setattr__(self, "id", first.id)
        object.__setattr__(self, "_row", first)
        object.__setattr__(self, "_roles", frozenset(Role(r.role) for r in rows if r.role is not None))
        object.__setattr__(self, "_scope_unit_id", next((r.scope_unit_id for r in rows if r.role == Role.ADMIN), None))
        object.__setattr__(self, "_scope", None)
        object.__setattr__(self, "_account", None)

    @classmethod
    def load(cls, user_id: int) -> SignedInUser | None:
        rows = run(db.session, _PRINCIPAL, {"user_id": user_id}).all()
        return cls(rows) if rows else None

    @property
    def account(self) -> User:
        """The user's row (from the session's identity map when it is already loaded)."""
        account = self._account
        if account is None:
            account = db.session.get(User, self.id)
            object.__setattr__(self, "_account", account)
        return account

    def _loaded_account(self) -> User | None:
        """The account row if this request has it in its session (read through this object or any other
        way): from then on it is the truth, since it may have been changed."""
        if self._account is None:
            account = db.session.identity_map.get(identity_key(User, self.id))
            if account is not None:
                object.__setattr__(self, "_account", account)
        return self._account

    full_name: str = _Current()
    locale: str = _Current()
    session_version: int = _Current()
    active: bool = _Current()
    unit_id: int | None = _Current()
    must_change_password: bool = _Current()

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def roles(self) -> set[Role]:
        account = self._loaded_account()
        return set(self._roles) if account is None else account.roles

    def has_role(self, *roles: Role | str) -> bool:
        account = self._loaded_account()
        mine = self._roles if account is None else account.roles
        return any(Role(r) in mine for r in roles)

    @property
    def admin_scope(self) -> Unit | None:
        """The unit subtree this user administers (read by id, without the account), or None."""
        account = self._loaded_account()
        if account is not None:
            return account.admin_scope
        if self._scope is None and self._scope_unit_id is not None:
            # Held here: the session's identity map keeps only objects someone still refers to.
            object.__setattr__(self, "_scope", db.session.get(Unit, self._scope_unit_id))
        return self._scope

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    def __getattr__(self, name: str):
        if name.startswith("__") and name not in _MAPPED:  # protocols (copy, __html__) are not the account's
            raise AttributeError(name)
        return getattr(self.account, name)

    def __setattr__(self, name: str, value) -> None:
        if name in _OWN:
            raise AttributeError(f"{name} is read-only")
        setattr(self.account, name, value)

    def __eq__(self, other) -> bool:
        if isinstance(other, (SignedInUser, User)):
            return other.id == self.id
        return NotImplemented

    def __hash__(self) -> int:
        return hash((User, self.id))

    def __repr__(self) -> str:
        return f"<SignedInUser {self.id}>"
