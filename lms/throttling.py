"""Per-address limits in front of every endpoint that checks a secret someone could guess: the password at
sign-in and at a password change, a field trip's check-in code, a certificate's verification code.

Only refused tries count, so a whole class signing in or checking in together from one office address is
never held back by its own successes, while one address cannot try passwords across many accounts (and lock
them: the per-account lockout in lms.accounts.services stays). Counts live in memory in one process and in
Redis when LMS_REDIS_URL is set, so every worker sees them. The key is the client's address as the request
sees it: behind trusted proxies, ProxyFix has already put the real client there, and a forged
X-Forwarded-For from anyone else changes nothing.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, request
from flask_limiter import Limiter


def client_address() -> str:
    return request.remote_addr or "unknown"


limiter = Limiter(key_func=client_address)


def _refused(response) -> bool:
    """A try counts when it did not succeed: a form shown again with its error, or a code not found."""
    return response.status_code >= 400 or (request.method == "POST" and response.status_code == 200)


def guessing_limit(setting: str, methods: tuple[str, ...] = ("POST",)) -> Callable:
    """Decorate a view that checks a secret: the limit in config[setting] applies to refused tries per address."""
    return limiter.limit(lambda: current_app.config[setting], methods=list(methods), deduct_when=_refused)


def init_app(app: Flask) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = (app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL")
                                           or "memory://")
    limiter.init_app(app)
    # No default, application or blueprint limits: each limited view checks its own in its decorator, so the
    # check Flask-Limiter runs before every request of the app would only look for limits that do not exist.
    # Its after-request hook stays: it counts the refused tries.
    app.before_request_funcs[None].remove(limiter._check_request_limit)
