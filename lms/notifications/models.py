"""The notification outbox, preferences (a user's, and the defaults an admin sets for a unit subtree) and
the secret token of each user's calendar feed."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import str_enum, utcnow
from lms.extensions import db


class MailState(enum.StrEnum):
    NONE = "none"  # in-app only: no SMTP server, no address, or the recipient turned e-mail off
    PENDING = "pending"  # to be mailed on its own (from next_mail_at)
    DIGEST = "digest"  # waits for the recipient's daily digest
    SENDING = "sending"  # claimed by a worker until mail_claimed_until
    RETRY = "retry"  # the server refused or could not be reached; tried again from next_mail_at
    SENT = "sent"
    FAILED = "failed"  # gave up after MAX_ATTEMPTS; shown to admins with the error
    UNKNOWN = "unknown"  # a worker stopped while sending: not sent again on its own (no duplicates)


class MailChoice(enum.StrEnum):
    IMMEDIATE = "immediate"
    DIGEST = "digest"
    OFF = "off"


class Notification(db.Model):
    """One notice to one person about one object; `key` makes writing it again a no-op (idempotent)."""

    __tablename__ = "notifications"
    __table_args__ = (
        sa.UniqueConstraint("key"),
        # The bell (unread count) and the notifications page, newest first.
        sa.Index("ix_notifications_user_read", "user_id", "read_at"),
        sa.Index("ix_notifications_user_created", "user_id", "created_at"),
        # What the mail dispatcher and the digest look for.
        sa.Index("ix_notifications_mail", "mail_state", "next_mail_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    # What the text and the link are made of, in the recipient's language when shown (kinds.py).
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    mail_state: Mapped[MailState] = mapped_column(str_enum(MailState, 10), default=MailState.NONE)
    mail_attempts: Mapped[int] = mapped_column(default=0)
    next_mail_at: Mapped[datetime | None]
    mail_claimed_until: Mapped[datetime | None]
    mail_error: Mapped[str | None] = mapped_column(sa.Text)
    mailed_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<Notification {self.key}>"


class NotificationPreference(db.Model):
    """How a user wants one kind of notice by e-mail (in the app it always shows)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (sa.UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    mail: Mapped[MailChoice] = mapped_column(str_enum(MailChoice, 10))


class NotificationDefault(db.Model):
    """An admin's default for the people of a unit subtree; the nearest unit up the tree wins."""

    __tablename__ = "notification_defaults"
    __table_args__ = (sa.UniqueConstraint("unit_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    mail: Mapped[MailChoice] = mapped_column(str_enum(MailChoice, 10))
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)


class CalendarFeed(db.Model):
    """The secret address of a user's calendar feed; resetting it makes the old address stop working."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
