"""A real SMTP server (aiosmtpd) on 127.0.0.1 that the app mails notifications to, and the mail read back."""
from __future__ import annotations

import email
import email.policy
import time

import pytest
from aiosmtpd.controller import Controller

SMTP_PORT = 5251  # this suite's own port


class Mailbox:
    """What the server received; `refuse` makes it answer every message with that SMTP reply instead."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: str | None = None
        self.refused = 0

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 (aiosmtpd's name)
        if self.refuse:
            self.refused += 1
            return self.refuse
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 20) -> list:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            assert time.monotonic() < deadline, f"{len(self.messages)} of {count} mails arrived"
            time.sleep(0.05)
        return self.messages


def plain(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


@pytest.fixture
def mailbox(app):
    """The app mails through a real SMTP server on 127.0.0.1, at any hour (no quiet hours)."""
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    saved = {k: app.config.get(k) for k in ("SMTP_HOST", "SMTP_PORT", "SMTP_SECURITY", "SMTP_FROM",
                                             "MAIL_QUIET_HOURS")}
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=SMTP_PORT, SMTP_SECURITY="none",
                      SMTP_FROM="LLCT <no-reply@llct.example.vn>", MAIL_QUIET_HOURS=(0, 0))
    yield box
    app.config.update(saved)
    controller.stop()
