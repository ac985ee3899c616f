"""Writing notifications in the transaction of their cause, reading them in the app, and preferences.

A notification is an outbox row: it is written (flushed, never committed) with the change that causes it, so
a rolled-back change notifies nobody; its mail leaves after commit (lms.notifications.mailing). Each row
has an idempotency key (kind, object, recipient, and the period for reminders): writing it twice is a no-op.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from lms import audit
from lms.accounts.models import User
from lms.accounts.services import admin_scope
from lms.db import utcnow
from lms.errors import InvalidInput, NotFound
from lms.extensions import db
from lms.jobs.queue import enqueue_after_commit
from lms.notifications.kinds import KINDS, choosable, kinds_for
from lms.notifications.models import MailChoice, MailState, Notification, NotificationDefault, NotificationPreference

log = logging.getLogger("lms.notifications")
PER_PAGE = 20
DEFAULT_CHOICE = MailChoice.IMMEDIATE


# --- SQL helpers for set-based writes --------------------------------------------------------------------

class json_params(FunctionElement):  # noqa: N801 (used like sa.func.*)
    """A JSON object built in SQL from name/value pairs: json_object on SQLite, json_build_object on PostgreSQL."""

    type = sa.JSON()
    inherit_cache = True

    def __init__(self, **values):
        args = []
        for name, value in values.items():
            args += [sa.literal(name, sa.String()), value]
        super().__init__(*args)


@compiles(json_params)
def _json_sqlite(element, compiler, **kw):
    return f"json_object({compiler.process(element.clauses, **kw)})"


@compiles(json_params, "postgresql")
def _json_postgresql(element, compiler, **kw):
    return f"json_build_object({compiler.process(element.clauses, **kw)})"


def text_of(*parts) -> sa.ColumnElement:
    """The parts (literals or columns) joined as text in SQL: idempotency keys built in one statement."""
    joined = None
    for part in parts:
        piece = sa.literal(part, sa.String()) if isinstance(part, str) else sa.cast(part, sa.String())
        joined = piece if joined is None else joined + piece
    return joined


def mail_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def _insert():
    name = db.session.get_bind().dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(Notification.__table__)


def _first_mail_state() -> MailState:
    return MailState.PENDING if mail_configured() else MailState.NONE


# --- writing ---------------------------------------------------------------------------------------------

def notify(user_id: int, kind: str, key: str, params: dict) -> int | None:
    """One notification for one person in the current transaction; its mail is sent after commit.

    `key` names the object (and period) without the kind and recipient, which are added. Returns the new
    row's id, or None when the same notification was already written.
    """
    assert kind in KINDS, kind
    now = utcnow()
    state = _first_mail_state()
    new_id = db.session.scalar(
        _insert().values(key=f"{kind}:{key}:{user_id}", user_id=user_id, kind=kind, params=params, created_at=now,
                         mail_state=state, mail_attempts=0, next_mail_at=now)
        .on_conflict_do_nothing(index_elements=["key"]).returning(Notification.__table__.c.id)
    )
    if new_id is not None and state is MailState.PENDING:
        from lms.notifications import tasks

        enqueue_after_commit(tasks.send_notification, new_id)
    return new_id


def notify_many(kind: str, rows: sa.Select, *, dispatch: bool = True) -> int:
    """Notifications for every row of `rows` in ONE statement (INSERT ... SELECT, no Python loop).

    `rows` selects three labelled columns: user_id, key (the whole idempotency key, built with `text_of`
    from the kind, the object, the period and the recipient) and params (`json_params`). Rows already
    written are skipped. Returns how many were new; their mail goes out through one dispatch task.
    """
    assert kind in KINDS, kind
    now = utcnow()
    state = _first_mail_state()
    source = rows.subquery()
    select = sa.select(source.c.user_id, source.c.key, sa.literal(kind, sa.String()), source.c.params,
                       sa.literal(now, sa.DateTime()), sa.literal(str(state), sa.String()),
                       sa.literal(0, sa.Integer()), sa.literal(now, sa.DateTime())
                       ).where(sa.true())  # SQLite reads INSERT ... SELECT ... ON CONFLICT only after a WHERE
    added = db.session.execute(
        _insert().from_select(["user_id", "key", "kind", "params", "created_at", "mail_state", "mail_attempts",
                               "next_mail_at"], select)
        .on_conflict_do_nothing(index_elements=["key"])
        .execution_options(preserve_rowcount=True)  # an INSERT's rowcount is kept only when asked for
    ).rowcount
    if added and dispatch and state is MailState.PENDING:
        from lms.notifications import tasks

        enqueue_after_commit(tasks.dispatch_mail)
    return added


# --- reading in the app ----------------------------------------------------------------------------------

def unread_count(user: User) -> int:
    """The bell: one indexed COUNT."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


@dataclass(frozen=True)
class Page:
    items: list[Notification]
    page: int
    pages: int
    total: int


def page_of(user: User, page: int = 1) -> Page:
    """The user's notifications, newest first, PER_PAGE at a time."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                              .where(Notification.user_id == user.id))
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    items = db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    return Page(list(items), page, pages, total)


def notification_for(user: User, notification_id: int) -> Notification:
    found = db.session.get(Notification, notification_id)
    if found is None or found.user_id != user.id:
        raise NotFound(_("Không tìm thấy thông báo này."))
    return found


def mark_read(user: User, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (again: no change)."""
    found = notification_for(user, notification_id)
    if found.read_at is None:
        found.read_at = utcnow()
        db.session.flush()
    return found


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read, in one UPDATE."""
    return db.session.execute(
        sa.update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount


# --- preferences -----------------------------------------------------------------------------------------

def _ancestor_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def scope_defaults(unit_path: str | None) -> dict[str, MailChoice]:
    """The defaults that apply in a unit: for each kind, the one set on the nearest unit up the tree."""
    if not unit_path:
        return {}
    chain = _ancestor_ids(unit_path)
    rows = db.session.execute(sa.select(NotificationDefault.unit_id, NotificationDefault.kind,
                                        NotificationDefault.mail)
                              .where(NotificationDefault.unit_id.in_(chain))).all()
    depth = {unit_id: i for i, unit_id in enumerate(chain)}
    chosen: dict[str, tuple[int, MailChoice]] = {}
    for unit_id, kind, mail in rows:
        if kind not in chosen or depth[unit_id] > chosen[kind][0]:
            chosen[kind] = (depth[unit_id], MailChoice(mail))
    return {kind: mail for kind, (_depth, mail) in chosen.items()}


def mail_choices(user: User) -> dict[str, MailChoice]:
    """How this user gets each kind by e-mail: their own choice, else their scope's default, else immediately."""
    defaults = scope_defaults(user.unit.path if user.unit else None)
    own = dict(db.session.execute(sa.select(NotificationPreference.kind, NotificationPreference.mail)
                                  .where(NotificationPreference.user_id == user.id)).all())
    return {name: MailChoice(own.get(name) or defaults.get(name) or DEFAULT_CHOICE) for name in KINDS}


def _parse_choices(wanted: dict[str, str], allowed: list[str]) -> dict[str, MailChoice]:
    parsed = {}
    for name in allowed:
        value = wanted.get(name)
        if value is None:
            continue
        try:
            parsed[name] = MailChoice(value)
        except ValueError:
            raise InvalidInput(_("Lựa chọn không hợp lệ cho một loại thông báo; chưa có gì thay đổi.")) from None
    return parsed


def save_preferences(user: User, wanted: dict[str, str]) -> None:
    """Save the user's e-mail choice for each kind they receive (in the app every notice always shows)."""
    allowed = [k.name for k in kinds_for(user.roles)]
    parsed = _parse_choices(wanted, allowed)
    existing = {p.kind: p for p in db.session.scalars(
        sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    for name, mail in parsed.items():
        if name in existing:
            existing[name].mail = mail
        else:
            db.session.add(NotificationPreference(user_id=user.id, kind=name, mail=mail))
    db.session.flush()
    log.info("notification preferences saved", extra={"user_id": user.id})


def save_scope_defaults(actor: User, wanted: dict[str, str]) -> None:
    """An admin sets the e-mail defaults for the people of their scope (each person may still choose)."""
    scope = admin_scope(actor)
    parsed = _parse_choices(wanted, [k.name for k in choosable()])
    existing = {d.kind: d for d in db.session.scalars(
        sa.select(NotificationDefault).where(NotificationDefault.unit_id == scope.id))}
    now = utcnow()
    for name, mail in parsed.items():
        row = existing.get(name)
        if row is None:
            row = NotificationDefault(unit_id=scope.id, kind=name)
            db.session.add(row)
        row.mail, row.set_by_id, row.set_at = mail, actor.id, now
    db.session.flush()
    audit.record(actor, "notification_defaults.save", scope, defaults={k: str(v) for k, v in parsed.items()})


# --- the admin's view of mail ----------------------------------------------------------------------------

def mail_problems(actor: User, limit: int = 50) -> tuple[dict[str, int], list]:
    """For an admin's scope: how many notifications are in each mail state, and the latest that failed or
    may not have left (with the error), newest first."""
    from lms.organisation.models import Unit

    scope = admin_scope(actor)
    people = sa.select(User.id).join(Unit, User.unit_id == Unit.id).where(Unit.path.startswith(scope.path))
    counts = dict(db.session.execute(
        sa.select(Notification.mail_state, sa.func.count()).where(Notification.user_id.in_(people))
        .group_by(Notification.mail_state)).all())
    failed = db.session.execute(
        sa.select(Notification, User.full_name, User.email).join(User, User.id == Notification.user_id)
        .where(Notification.user_id.in_(people),
               Notification.mail_state.in_((MailState.FAILED, MailState.UNKNOWN)))
        .order_by(Notification.created_at.desc()).limit(limit)).all()
    return {str(k): v for k, v in counts.items()}, failed


def send_again(actor: User, notification_id: int) -> None:
    """An admin sends a failed (or possibly unsent) notification mail again, after commit."""
    from lms.notifications import mailing, tasks
    from lms.organisation.models import Unit

    scope = admin_scope(actor)
    row = db.session.get(Notification, notification_id)
    unit_path = db.session.scalar(sa.select(Unit.path).join(User, User.unit_id == Unit.id)
                                  .where(User.id == (row.user_id if row else None)))
    if row is None or unit_path is None or not unit_path.startswith(scope.path):
        raise NotFound(_("Không tìm thấy thông báo này."))
    if mailing.send_again([row.id]):
        audit.record(actor, "notification.send_again", row)
        enqueue_after_commit(tasks.send_notification, row.id)
