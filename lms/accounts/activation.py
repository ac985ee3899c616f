"""One-time activation links: a person sets their own password by a link the admin prints for them.

A token is 256 random bits (secrets.token_urlsafe(32)); only its SHA-256 is stored. A link expires after
LMS_ACTIVATION_LINK_DAYS and works once; issuing a new link for a person retires their unused ones. Resetting
a password is the same: a new link, the old password unchanged until the link is used.

A link can also be mailed (`mail_links`): the notification row keeps only the link's id; the mail task gives
the link a fresh token just before sending (`fresh_token`) and puts it only in the mail's body.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from lms import audit
from lms.accounts import passwords
from lms.accounts.models import ActivationLink, User
from lms.accounts.services import end_other_sessions, ensure_can_manage, validate_new_password
from lms.db import each_value, utcnow
from lms.errors import InvalidInput
from lms.extensions import db
from lms.notifications.services import mail_configured, notify

MAX_SLIPS = 500
MAIL_KIND = "account.activation"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_links(actor: User, users: list[User]) -> list[tuple[User, str]]:
    """A new link for each person (in the actor's scope), with its token: shown once, never stored."""
    return [(user, token) for user, token, _link in _issue(actor, users)]


def _issue(actor: User, users: list[User]) -> list[tuple[User, str, ActivationLink]]:
    if not users:
        raise InvalidInput(_("Hãy chọn ít nhất một người."))
    if len(users) > MAX_SLIPS:
        raise InvalidInput(_("Mỗi lần in tối đa %(n)d phiếu.", n=MAX_SLIPS))
    for user in users:
        ensure_can_manage(actor, user)
    now = utcnow()
    ids = [u.id for u in users]
    # Earlier links of these people stop working: only the newest slip is valid.
    db.session.execute(sa.update(ActivationLink).where(
        ActivationLink.user_id.in_(each_value(db.session, ids)), ActivationLink.used_at.is_(None),
        ActivationLink.expires_at > now).values(expires_at=now))
    expires = now + timedelta(days=current_app.config["ACTIVATION_LINK_DAYS"])
    issued = []
    for user in users:
        token = secrets.token_urlsafe(32)
        link = ActivationLink(user_id=user.id, token_hash=token_hash(token), created_by_id=actor.id,
                              expires_at=expires)
        db.session.add(link)
        issued.append((user, token, link))
    db.session.flush()
    for user in users:
        audit.record(actor, "user.activation_link", user, expires=expires.isoformat(timespec="minutes"))
    return issued


def link_for(token: str) -> ActivationLink:
    """The usable link of this token; InvalidInput saying why when there is none."""
    link = db.session.scalar(sa.select(ActivationLink).where(ActivationLink.token_hash == token_hash(token or "")))
    if link is None:
        raise InvalidInput(_("Liên kết kích hoạt không đúng. Hãy kiểm tra lại đường dẫn trên phiếu."))
    if link.used_at is not None:
        raise InvalidInput(_("Liên kết này đã được dùng. Nếu bạn quên mật khẩu, hãy đề nghị cán bộ quản lý in "
                             "phiếu mới."))
    if link.expires_at <= utcnow():
        raise InvalidInput(_("Liên kết này đã hết hạn. Hãy đề nghị cán bộ quản lý in phiếu mới."))
    if not link.user.active:
        raise InvalidInput(_("Tài khoản này đang bị khóa."))
    return link


def redeem(token: str, new_password: str) -> User:
    """Set the person's password by their link; the link is spent and their other sessions end."""
    link = db.session.scalar(sa.select(ActivationLink).where(ActivationLink.token_hash == token_hash(token or ""))
                             .with_for_update())
    link = link_for(token) if link is None or link.used_at or link.expires_at <= utcnow() else link
    user = link.user
    if not user.active:
        raise InvalidInput(_("Tài khoản này đang bị khóa."))
    validate_new_password(new_password, user.username)
    # Spent first, in one conditional statement: two submissions of one link cannot both set a password.
    spent = db.session.execute(sa.update(ActivationLink).where(ActivationLink.id == link.id,
                                                               ActivationLink.used_at.is_(None))
                               .values(used_at=utcnow())).rowcount
    if spent != 1:
        raise InvalidInput(_("Liên kết này đã được dùng. Nếu bạn quên mật khẩu, hãy đề nghị cán bộ quản lý in "
                             "phiếu mới."))
    user.password_hash = passwords.hash_password(new_password)
    user.must_change_password = False
    end_other_sessions(user)
    db.session.flush()
    audit.record(user, "user.activated", user)
    return user


def mail_links(actor: User, users: list[User]) -> tuple[list[User], list[User]]:
    """Mail a new link to each person who has an e-mail address (a notification each, in this transaction);
    returns those mailed and those without an address (they need a printed slip)."""
    if not mail_configured():
        raise InvalidInput(_("Chưa cấu hình máy chủ thư nên không gửi được thư kích hoạt. Hãy in phiếu kích hoạt."))
    if not users:
        raise InvalidInput(_("Hãy chọn ít nhất một người."))
    for user in users:  # people outside the actor's scope are refused, not named back
        ensure_can_manage(actor, user)
    with_address = [u for u in users if u.email]
    without = [u for u in users if not u.email]
    if with_address:
        days = current_app.config["ACTIVATION_LINK_DAYS"]
        # The tokens made here are dropped: the mail task gives each link a fresh one when it sends.
        for user, _token, link in _issue(actor, with_address):
            notify(user.id, MAIL_KIND, str(link.id), {"link_id": link.id, "username": user.username, "days": days})
    return with_address, without


def fresh_token(link_id: int) -> str | None:
    """A new token for a mailed link just before its mail is sent (only its hash is kept; the caller commits);
    None when the link was used, expired or replaced meanwhile, or the account was locked."""
    link = db.session.scalar(sa.select(ActivationLink).where(ActivationLink.id == link_id).with_for_update())
    if link is None or link.used_at is not None or link.expires_at <= utcnow() or not link.user.active:
        return None
    token = secrets.token_urlsafe(32)
    link.token_hash = token_hash(token)
    db.session.flush()
    return token
