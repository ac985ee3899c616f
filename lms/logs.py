"""Logging: JSON lines on stderr (or plain text for people), one access line per request with its id.

Every line carries the request id while a request runs. The access line is written by `lms.access`;
state-changing operations are written by the domain loggers (`lms.<domain>`) from `lms.audit`; errors
carry their traceback (`exc_info`).
"""
from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
_GOOD_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
access_log = logging.getLogger("lms.access")


class RequestIdFilter(logging.Filter):
    """Adds the current request's id to every record (`-` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def make_formatter(kind: str) -> logging.Formatter:
    if kind == "text":
        return logging.Formatter(TEXT_FORMAT)
    return JsonFormatter(
        "%(levelname)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
        json_ensure_ascii=False,
    )


def configure(app: Flask) -> None:
    """Log every request, and send every logger's records to stderr in the configured format and level."""
    configure_handler(app)
    _register_request_hooks(app)


def configure_handler(app: Flask) -> None:
    """One handler on the root logger for the whole process (replaced when an app is made again)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "lms_handler", False)]:
        root.removeHandler(handler)
    # The process's own stderr (file descriptor 2), not a command's captured output stream.
    handler = logging.StreamHandler(sys.__stderr__)
    handler.lms_handler = True
    handler.setFormatter(make_formatter(app.config["LOG_FORMAT"]))
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])


def _register_request_hooks(app: Flask) -> None:
    def start_request():
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if _GOOD_REQUEST_ID.match(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    def log_request(response):
        # Registered first so it runs last: the status and headers are final.
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers[REQUEST_ID_HEADER] = request_id
        started = g.get("request_started")
        duration_ms = round((time.perf_counter() - started) * 1000, 2) if started else None
        user = g.get("_login_user")  # only if the request loaded it: logging costs no query
        user_id = getattr(user, "id", None) if user is not None and user.is_authenticated else None
        access_log.info(
            "%s %s %s %sms", request.method, request.path, response.status_code, duration_ms,
            extra={"request_id": request_id, "user_id": user_id, "endpoint": request.endpoint,
                   "method": request.method, "path": request.path, "status": response.status_code,
                   "duration_ms": duration_ms},
        )
        return response

    app.before_request_funcs.setdefault(None, []).insert(0, start_request)
    app.after_request_funcs.setdefault(None, []).insert(0, log_request)
