"""Rules for signing in, passwords, and who may manage whom. Services flush; the request commits."""
from __future__ import annotations

import re
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from lms import audit, signals
from lms.accounts import passwords
from lms.accounts.models import SCOPED_ROLES, AssignmentKind, Role, RoleGrant, SignInFailure, TitleAssignment, User
from lms.dates import TITLE_DATES
from lms.db import utcnow
from lms.errors import Conflict, DomainError, InvalidInput, NotAllowed
from lms.extensions import db
from lms.formats import local_today
from lms.organisation.models import Title, Unit
from lms.text import clean_name


class SignInRefused(DomainError):
    """Wrong account or password; the same message whatever the reason."""


class SignInLocked(DomainError):
    """Too many failures for this account in the window."""

    def __init__(self, message: str, minutes: int):
        super().__init__(message)
        self.minutes = minutes


USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")


def normalise_username(username: str) -> str:
    return clean_name(username).lower()


def _recent_failures(username: str):
    window = timedelta(minutes=current_app.config["SIGN_IN_WINDOW_MINUTES"])
    since = utcnow() - window
    return db.session.execute(
        sa.select(sa.func.count(), sa.func.min(SignInFailure.failed_at)).where(
            SignInFailure.username == username, SignInFailure.failed_at >= since
        )
    ).one()


def authenticate(username: str, password: str) -> User:
    """Return the active user with these credentials, or raise SignInRefused / SignInLocked."""
    username = normalise_username(username)
    count, oldest = _recent_failures(username)
    limit = current_app.config["SIGN_IN_MAX_FAILURES"]
    if count >= limit:
        window = timedelta(minutes=current_app.config["SIGN_IN_WINDOW_MINUTES"])
        wait = max(1, int(((oldest + window) - utcnow()).total_seconds() // 60) + 1)
        raise SignInLocked(
            _(
                "Tài khoản tạm khóa do đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(minutes)d phút.",
                minutes=wait,
            ),
            wait,
        )
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        passwords.burn_time_like_a_verify(password)
        ok = False
    else:
        ok = passwords.verify_password(user.password_hash, password) and user.active
    if not ok:
        db.session.add(SignInFailure(username=username))
        db.session.flush()
        raise SignInRefused(_("Tên đăng nhập hoặc mật khẩu không đúng."))
    db.session.execute(sa.delete(SignInFailure).where(SignInFailure.username == username))
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def purge_sign_in_failures(keep: timedelta = timedelta(days=1)) -> int:
    """Delete failed sign-ins older than `keep` (at least the lockout window); returns how many."""
    window = timedelta(minutes=current_app.config["SIGN_IN_WINDOW_MINUTES"])
    cutoff = utcnow() - max(keep, window)
    return db.session.execute(sa.delete(SignInFailure).where(SignInFailure.failed_at < cutoff)).rowcount


def end_other_sessions(user: User) -> None:
    """Invalidate every session cookie issued to this user so far."""
    user.session_version = (user.session_version or 0) + 1


def validate_new_password(password: str, username: str = "") -> None:
    if len(password or "") < passwords.MIN_LENGTH:
        raise InvalidInput(_("Mật khẩu phải có ít nhất %(n)d ký tự.", n=passwords.MIN_LENGTH))
    if username and password.lower() == username.lower():
        raise InvalidInput(_("Mật khẩu không được trùng với tên đăng nhập."))


def change_password(user: User, current: str, new: str) -> None:
    """Change one's own password; the current password is required and other sessions end."""
    if not passwords.verify_password(user.password_hash, current):
        raise InvalidInput(_("Mật khẩu hiện tại không đúng."))
    validate_new_password(new, user.username)
    if passwords.verify_password(user.password_hash, new):
        raise InvalidInput(_("Mật khẩu mới phải khác mật khẩu hiện tại."))
    user.password_hash = passwords.hash_password(new)
    user.must_change_password = False
    end_other_sessions(user)
    audit.record(user, "password.change", user)


def set_locale(user: User, locale: str) -> None:
    if locale not in current_app.config["LANGUAGES"]:
        raise InvalidInput(_("Ngôn ngữ không được hỗ trợ."))
    user.locale = locale


# --- scope ---------------------------------------------------------------------------------------


def admin_scope(actor: User) -> Unit:
    """The unit subtree an admin manages; NotAllowed for anyone else."""
    scope = actor.admin_scope if actor.has_role(Role.ADMIN) else None
    if scope is None:
        raise NotAllowed(_("Bạn không có quyền quản trị."))
    return scope


def read_scope(actor: User) -> Unit | None:
    """The unit subtree whose training the actor may read: the one they administer, else the one they inspect."""
    if actor.has_role(Role.ADMIN) and actor.admin_scope is not None:
        return actor.admin_scope
    return actor.inspector_scope if actor.has_role(Role.INSPECTOR) else None


def inspects(user: User, unit: Unit | None) -> bool:
    """Whether the user is an inspector whose subtree holds the unit (they read its training, change nothing)."""
    if unit is None or not user.has_role(Role.INSPECTOR):
        return False
    scope = user.inspector_scope
    return scope is not None and scope.contains(unit)


def ensure_read_scope(actor: User) -> Unit:
    """read_scope, or NotAllowed for someone who neither administers nor inspects."""
    scope = read_scope(actor)
    if scope is None:
        raise NotAllowed(_("Bạn không có quyền xem dữ liệu đào tạo của đơn vị."))
    return scope


def ensure_unit_in_scope(actor: User, unit: Unit | None) -> None:
    scope = admin_scope(actor)
    if unit is None or not scope.contains(unit):
        raise NotAllowed(_("Đơn vị này nằm ngoài phạm vi quản lý của bạn."))


def ensure_can_manage(actor: User, user: User) -> None:
    """An admin manages the users of their own unit subtree only, and other admins only when their scope
    lies strictly inside the actor's: nobody resets the password of a peer or of their own superior."""
    ensure_unit_in_scope(actor, user.unit)
    if user.id != actor.id and user.has_role(Role.ADMIN):
        _ensure_strictly_inside(actor, user.admin_scope)


def _ensure_strictly_inside(actor: User, unit: Unit | None) -> None:
    scope = admin_scope(actor)
    if unit is None or not scope.contains(unit) or unit.id == scope.id:
        raise NotAllowed(_("Chỉ cán bộ quản lý ở cấp trên mới quản lý được tài khoản quản trị phạm vi này."))


def units_in_scope(actor: User) -> sa.Select:
    scope = admin_scope(actor)
    return sa.select(Unit).where(Unit.path.startswith(scope.path)).order_by(Unit.path)


def users_in_scope(actor: User) -> sa.Select:
    scope = admin_scope(actor)
    return (
        sa.select(User)
        .join(Unit, User.unit_id == Unit.id)
        .where(Unit.path.startswith(scope.path))
        .order_by(User.sort_key, User.id)
    )


# --- user management -----------------------------------------------------------------------------


def _set_roles(user: User, roles: set[Role], scope_unit: Unit | None) -> None:
    wanted = {Role(r) for r in roles}
    for grant in list(user.role_grants):
        if Role(grant.role) not in wanted:
            user.role_grants.remove(grant)
    have = {Role(g.role): g for g in user.role_grants}
    for role in wanted:
        grant = have.get(role) or RoleGrant(role=role)
        if role not in have:
            user.role_grants.append(grant)
        grant.scope_unit = scope_unit if role in SCOPED_ROLES else None


def create_user(
    actor: User | None,
    *,
    username: str,
    full_name: str,
    unit: Unit,
    password: str | None = None,
    roles: set[Role] | None = None,
    admin_scope_unit: Unit | None = None,
    email: str | None = None,
    theory_level: int = 0,
    is_demo: bool = False,
) -> User:
    """Create a user in the actor's scope (actor None: the command line)."""
    if actor is not None:
        ensure_unit_in_scope(actor, unit)
        if Role.ADMIN in (roles or ()):
            _ensure_strictly_inside(actor, admin_scope_unit or unit)
        if Role.INSPECTOR in (roles or ()):
            ensure_unit_in_scope(actor, admin_scope_unit or unit)
    username = normalise_username(username)
    if not username:
        raise InvalidInput(_("Thiếu tên đăng nhập."))
    if not USERNAME.match(username):
        raise InvalidInput(_("Tên đăng nhập chỉ dùng chữ không dấu, số và các dấu . _ - (tối đa 80 ký tự)."))
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise Conflict(_("Tên đăng nhập %(u)s đã có người dùng.", u=username))
    user = User(
        username=username,
        full_name=clean_name(full_name),
        unit=unit,
        email=email or None,
        theory_level=theory_level,
        is_demo=is_demo,
    )
    if password:
        validate_new_password(password, username)
        user.password_hash = passwords.hash_password(password)
        user.must_change_password = actor is not None  # chosen by an admin, not by the person
    _set_roles(user, roles or {Role.TRAINEE}, admin_scope_unit or unit)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", user, username=username)
    return user


def update_user(
    actor: User,
    user: User,
    *,
    full_name: str,
    unit: Unit,
    email: str | None,
    roles: set[Role],
    admin_scope_unit: Unit | None,
    theory_level: int,
    new_password: str | None = None,
) -> None:
    ensure_can_manage(actor, user)
    ensure_unit_in_scope(actor, unit)
    if Role.ADMIN in roles:
        if user.id == actor.id:
            ensure_unit_in_scope(actor, admin_scope_unit or unit)
        else:
            _ensure_strictly_inside(actor, admin_scope_unit or unit)
    if Role.INSPECTOR in roles:
        ensure_unit_in_scope(actor, admin_scope_unit or unit)
    if user.id == actor.id and Role.ADMIN not in roles:
        raise InvalidInput(_("Bạn không thể tự bỏ quyền quản trị của chính mình."))
    user.full_name = clean_name(full_name)
    user.unit = unit
    user.email = email or None
    user.theory_level = theory_level
    _set_roles(user, roles, admin_scope_unit or unit)
    if new_password:
        validate_new_password(new_password, user.username)
        user.password_hash = passwords.hash_password(new_password)
        user.must_change_password = user.id != actor.id
        end_other_sessions(user)
    db.session.flush()
    audit.record(actor, "user.update", user)


def set_active(actor: User, user: User, active: bool) -> None:
    """Deactivate (ending every session) or reactivate a user."""
    ensure_can_manage(actor, user)
    if user.id == actor.id and not active:
        raise InvalidInput(_("Bạn không thể tự khóa tài khoản của chính mình."))
    user.active = active
    if not active:
        end_other_sessions(user)
    audit.record(actor, "user.activate" if active else "user.deactivate", user)


def assign_title(
    actor: User | None,
    user: User,
    title: Title,
    kind: AssignmentKind,
    start_date: date,
    end_date: date | None = None,
) -> TitleAssignment:
    """Record that the user holds, or is planned for, a title over a period."""
    if actor is not None:
        ensure_can_manage(actor, user)
    TITLE_DATES.check(start_date, _("Ngày bắt đầu"))
    TITLE_DATES.check(end_date, _("Ngày kết thúc"))
    if end_date is not None and end_date < start_date:
        raise InvalidInput(_("Ngày kết thúc phải sau ngày bắt đầu."))
    for existing in user.title_assignments:
        if (
            existing.title_id == title.id
            and existing.kind == kind
            and existing.start_date <= (end_date or date.max)
            and start_date <= (existing.end_date or date.max)
        ):
            raise Conflict(_("Chức danh này đã được ghi nhận cho người dùng trong khoảng thời gian đó."))
    assignment = TitleAssignment(user=user, title=title, kind=kind, start_date=start_date, end_date=end_date)
    db.session.add(assignment)
    db.session.flush()
    audit.record(actor, "title.assign", user, title=title.code, kind=str(kind), start=str(start_date))
    signals.titles_changed.send(user=user, actor=actor)
    return assignment


def end_title(actor: User, assignment: TitleAssignment, end_date: date) -> None:
    ensure_can_manage(actor, assignment.user)
    TITLE_DATES.check(end_date, _("Ngày kết thúc"))
    if end_date < assignment.start_date:
        raise InvalidInput(_("Ngày kết thúc phải sau ngày bắt đầu."))
    assignment.end_date = end_date
    audit.record(actor, "title.end", assignment.user, title=assignment.title.code, end=str(end_date))
    signals.titles_changed.send(user=assignment.user, actor=actor)


def current_titles(user: User, kind: AssignmentKind | None = None, day: date | None = None):
    """Titles the user holds (or is planned for) on `day`."""
    day = day or local_today()
    return [
        a.title
        for a in user.title_assignments
        if a.current_on(day) and (kind is None or a.kind == kind)
    ]
