"""Mailing notifications after commit, through SMTP, at most once each.

Each mail goes through a small state machine on its row (models.MailState):

    pending/retry --claim--> sending --server accepted--> sent
                                      --server refused or unreachable--> retry (backoff) ... failed

The claim is a conditional UPDATE committed before the server is contacted, so two workers (or a task
delivered twice) never both send: the second finds the row no longer pending. The claim holds a lease
(`LEASE`). A worker that dies after the server accepted the message but before it marked the row sent
leaves it `sending`; when the lease has run out nobody can tell whether the message left, so the row
becomes `unknown` instead of being sent again: a person may miss a mail (an admin sees it and may send it
again), but nobody gets the same mail twice. A resent mail keeps its Message-ID (derived from the
notification's key), so mail programs that did receive the first copy show one.

Quiet hours (LMS_MAIL_QUIET_HOURS, site time) hold every mail back; the dispatcher that runs every ten
minutes sends what waited. A person who chose the daily digest gets one mail a day listing them.
"""
from __future__ import annotations

import email.policy
import hashlib
import logging
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from lms.accounts import activation
from lms.accounts.models import User
from lms.db import utcnow
from lms.extensions import db
from lms.formats import to_local
from lms.jobs.services import commit_step
from lms.notifications.kinds import kind as kind_of
from lms.notifications.models import MailChoice, MailState, Notification
from lms.notifications.services import mail_choices, mail_configured

log = logging.getLogger("lms.notifications")
LEASE = timedelta(minutes=10)
# Waits before each further try; after the last one the mail is reported failed.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
BATCH = 200
# Headers are not folded: Python's folding of long non-ASCII headers drops the spaces between words
# (a Vietnamese subject came back as "BồidưỡngBíthư"); 998 is the line limit of RFC 5322.
MAIL_POLICY = email.policy.SMTP.clone(max_line_length=998)
WAITING = (MailState.PENDING, MailState.RETRY)
ACTIVATION = activation.MAIL_KIND
# Kept on the row (shown to admins) when an activation mail was not sent because its link no longer works.
LINK_GONE = "Liên kết kích hoạt đã được dùng, hết hạn hoặc đã được thay: thư không được gửi."


# --- time ------------------------------------------------------------------------------------------------

def quiet(now: datetime) -> bool:
    """Whether `now` (naive UTC) falls in the site's quiet hours for mail."""
    start, end = current_app.config["MAIL_QUIET_HOURS"]
    if start == end:
        return False
    hour = to_local(now).hour
    return hour >= start or hour < end if start > end else start <= hour < end


# --- composing -------------------------------------------------------------------------------------------

def message_id(key: str) -> str:
    host = urlsplit(current_app.config["LMS_BASE_URL"]).hostname or "localhost"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{host}>"


def _base_url() -> str:
    return current_app.config["LMS_BASE_URL"].rstrip("/")


def _items(notifications: list[Notification], token: str | None = None) -> list[dict]:
    items = []
    for row in notifications:
        kind = kind_of(row.kind)
        link = kind.link(row.params) if token is None else url_for("accounts.activate", token=token)
        items.append({"text": kind.text(row.params), "detail": kind.detail(row.params) if kind.detail else "",
                      "link": _base_url() + link})
    return items


def compose(user: User, notifications: list[Notification], *, key: str, digest: bool = False,
            token: str | None = None) -> EmailMessage:
    """The mail, in the recipient's language: plain text and HTML with the same content and links (`token`:
    an activation mail's link, never stored)."""
    with current_app.test_request_context(base_url=_base_url()), force_locale(user.locale or "vi"):
        items = _items(notifications, token)
        subject = (_("Thông báo trong ngày: %(n)d mục", n=len(items)) if digest else items[0]["text"])
        context = {"user": user, "items": items, "digest": digest, "base_url": _base_url(),
                   "preferences": _base_url() + "/notifications/preferences"}
        plain = render_template("notifications/mail.txt", **context)
        html = render_template("notifications/mail.html", **context, subject=subject)
    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = subject if len(subject) <= 150 else subject[:147] + "..."
    message["From"] = current_app.config["SMTP_FROM"]
    message["To"] = formataddr((user.full_name, user.email))
    message["Message-ID"] = message_id(key)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(plain)
    message.add_alternative(html, subtype="html")
    return message


def smtp_send(message: EmailMessage) -> None:
    config = current_app.config
    security = config["SMTP_SECURITY"]
    connect = smtplib.SMTP_SSL if security == "tls" else smtplib.SMTP
    with connect(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30) as smtp:
        if security == "starttls":
            smtp.starttls()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
        smtp.send_message(message)


# --- the state machine -----------------------------------------------------------------------------------

def _set(ids, only_in, **values) -> int:
    return db.session.execute(
        sa.update(Notification).where(Notification.id.in_(ids), Notification.mail_state.in_(only_in))
        .values(**values).execution_options(synchronize_session=False)
    ).rowcount


def _claim(ids, only_in, now: datetime) -> int:
    claimed = _set(ids, only_in, mail_state=MailState.SENDING, mail_claimed_until=now + LEASE,
                   mail_attempts=Notification.mail_attempts + 1)
    commit_step()
    return claimed


def _mark_sent(ids, now: datetime) -> None:
    _set(ids, (MailState.SENDING,), mail_state=MailState.SENT, mailed_at=now, mail_claimed_until=None,
         mail_error=None)
    commit_step()


def _failed(ids, error: Exception, now: datetime, back_to: MailState) -> MailState:
    attempts = db.session.scalar(sa.select(sa.func.max(Notification.mail_attempts)).where(Notification.id.in_(ids)))
    text = f"{type(error).__name__}: {error}"[:2000]
    if attempts >= MAX_ATTEMPTS:
        state, next_at = MailState.FAILED, None
        log.error("mail of notifications %s failed for good: %s", ids, text, extra={"notifications": ids})
    else:
        state, next_at = back_to, now + RETRY_DELAYS[attempts - 1]
        log.warning("mail of notifications %s failed, tried again at %s: %s", ids, next_at, text,
                    extra={"notifications": ids})
    _set(ids, (MailState.SENDING,), mail_state=state, next_mail_at=next_at, mail_claimed_until=None, mail_error=text)
    commit_step()
    return state


def release_stalled(now: datetime | None = None) -> int:
    """Rows left `sending` past their lease (a worker died mid-send) become `unknown`: never resent alone."""
    now = now or utcnow()
    count = db.session.execute(
        sa.update(Notification).where(Notification.mail_state == MailState.SENDING,
                                      Notification.mail_claimed_until <= now)
        .values(mail_state=MailState.UNKNOWN, mail_claimed_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    commit_step()
    if count:
        log.warning("%d notification mails were left half-sent; not sent again", count)
    return count


def deliver(notification_id: int, now: datetime | None = None) -> MailState | None:
    """Mail one notification if it is waiting and due; returns its state afterwards (None: left alone)."""
    now = now or utcnow()
    if not mail_configured() or quiet(now):
        return None
    row = db.session.get(Notification, notification_id)
    if row is None:
        return None
    if row.mail_state == MailState.SENDING:
        release_stalled(now)
        return None
    if row.mail_state not in WAITING or (row.next_mail_at and row.next_mail_at > now):
        return None
    user = db.session.get(User, row.user_id)
    if not (user.email and user.active):
        choice = MailChoice.OFF
    elif row.kind == ACTIVATION:
        choice = MailChoice.IMMEDIATE  # asked for by an admin, not subject to preferences
    else:
        choice = mail_choices(user).get(row.kind)
    if choice != MailChoice.IMMEDIATE:
        state = MailState.DIGEST if choice == MailChoice.DIGEST else MailState.NONE
        _set([row.id], WAITING, mail_state=state)
        commit_step()
        return state
    if not _claim([row.id], WAITING, now):
        return None  # another worker has it
    token = None
    if row.kind == ACTIVATION:
        # A fresh token, its hash committed before the server is contacted; it lives only in the mail.
        token = activation.fresh_token(row.params["link_id"])
        if token is None:
            _set([row.id], (MailState.SENDING,), mail_state=MailState.NONE, mail_claimed_until=None,
                 mail_error=LINK_GONE)
            commit_step()
            return MailState.NONE
        commit_step()
    try:
        message = compose(user, [row], key=row.key, token=token)
        smtp_send(message)
    except (smtplib.SMTPException, OSError) as error:
        db.session.rollback()
        return _failed([notification_id], error, now, MailState.RETRY)
    _mark_sent([notification_id], now)
    log.info("notification %s mailed to user %s", notification_id, row.user_id,
             extra={"notification_id": notification_id, "user_id": row.user_id})
    return MailState.SENT


def retry_delay(notification_id: int) -> timedelta | None:
    """How long until a notification that failed is tried again (None: it is not waiting for a retry)."""
    row = db.session.get(Notification, notification_id)
    if row is None or row.mail_state != MailState.RETRY or row.next_mail_at is None:
        return None
    return max(row.next_mail_at - utcnow(), timedelta(0))


def dispatch(now: datetime | None = None) -> int:
    """Mail every waiting notification that is due, in batches; returns how many were sent."""
    now = now or utcnow()
    if not mail_configured() or quiet(now):
        return 0
    release_stalled(now)
    sent, last = 0, 0
    while True:
        ids = db.session.scalars(
            sa.select(Notification.id).where(Notification.mail_state.in_(WAITING), Notification.next_mail_at <= now,
                                             Notification.id > last)
            .order_by(Notification.id).limit(BATCH)
        ).all()
        commit_step()
        if not ids:
            return sent
        for notification_id in ids:
            sent += deliver(notification_id, now) == MailState.SENT
        last = ids[-1]


def send_digests(now: datetime | None = None) -> int:
    """One mail per person listing the notifications that waited for their daily digest; returns the mails."""
    now = now or utcnow()
    if not mail_configured():
        return 0
    release_stalled(now)
    user_ids = db.session.scalars(sa.select(Notification.user_id).where(Notification.mail_state == MailState.DIGEST)
                                  .distinct().order_by(Notification.user_id)).all()
    commit_step()
    mails = 0
    for user_id in user_ids:
        ids = db.session.scalars(sa.select(Notification.id).where(Notification.user_id == user_id,
                                                                  Notification.mail_state == MailState.DIGEST)
                                 .order_by(Notification.id)).all()
        if not ids or not _claim(ids, (MailState.DIGEST,), now):
            continue
        rows = db.session.scalars(sa.select(Notification).where(Notification.id.in_(ids),
                                                                Notification.mail_state == MailState.SENDING)
                                  .order_by(Notification.created_at)).all()
        user = db.session.get(User, user_id)
        try:
            smtp_send(compose(user, list(rows), key=f"digest:{user_id}:{to_local(now).date()}", digest=True))
        except (smtplib.SMTPException, OSError) as error:
            db.session.rollback()
            _failed(ids, error, now, MailState.DIGEST)
            continue
        _mark_sent(ids, now)
        mails += 1
    return mails


def send_again(ids, now: datetime | None = None) -> int:
    """An admin sends failed or half-sent mails again (same Message-ID); in this transaction."""
    now = now or utcnow()
    return _set(ids, (MailState.FAILED, MailState.UNKNOWN), mail_state=MailState.PENDING, next_mail_at=now,
                mail_attempts=0)
