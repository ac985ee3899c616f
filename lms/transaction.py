"""One request, one transaction (after indico's request handler, indico/web/rh.py).

Every view runs inside `TransactionalFlask.dispatch_request`:

- the view returns normally: the request's transaction is committed, then the response goes out;
- the view raises, or the commit fails: the transaction is rolled back and the messages flashed during
  the request are forgotten, so a success message never shows above an error page;
- a service refuses (raises a DomainError): rolled back as above. When the view said how to answer a
  refusal (`on_refusal`), the message is flashed (or shown under a form field) and that answer is sent:
  the form re-rendered with what the user typed, or a redirect. Otherwise the error page for its status.

A view therefore reads::

    form = ThingForm()
    if form.validate_on_submit():
        on_refusal(lambda _refused: (render_template("things/form.html", form=form), 400))
        thing = services.save_thing(current_user, **form.data)  # flushes; may raise a DomainError
        flash(_("Đã lưu."), "success")  # reaches the user only once the commit has succeeded
        return redirect(url_for("things.show", thing_id=thing.id))
    return render_template("things/form.html", form=form)

Views never call commit() or rollback(); services flush; the command line and the background jobs
(lms.jobs) commit for themselves, outside any request. A GET writes only what it exists to record,
through lms.db.begin_writing; `finish_writing` commits that early so the rest of the page reads without
holding the write lock.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, flash, g, has_request_context, message_flashed, redirect, session
from flask.globals import request_ctx

from lms import db as transactions
from lms.errors import DomainError, NotAllowed, NotFound
from lms.extensions import db

# Refusals a form shows by default; NotAllowed and NotFound keep their 403 and 404 pages.
PAGE_STATUSES = (NotAllowed, NotFound)


@dataclass(frozen=True)
class Refusal:
    respond: str | Callable[[DomainError], Any]
    field: Any = None
    message: Callable[[DomainError], str] | None = None
    quiet: bool = False
    keep_writes: bool = False
    catch: tuple[type[DomainError], ...] | None = None

    def catches(self, error: DomainError) -> bool:
        if self.catch is not None:
            return isinstance(error, self.catch)
        return not isinstance(error, PAGE_STATUSES)

    def answer(self, error: DomainError):
        text = self.message(error) if self.message else error.message
        if self.field is not None:
            self.field.errors = [*self.field.errors, text]
        elif text and not self.quiet:
            flash(text, "danger")
        return redirect(self.respond) if isinstance(self.respond, str) else self.respond(error)


def on_refusal(respond: str | Callable[[DomainError], Any], *, field=None,
               message: Callable[[DomainError], str] | None = None, quiet: bool = False,
               keep_writes: bool = False, catch: tuple[type[DomainError], ...] | None = None) -> None:
    """How this request answers a service's refusal (a DomainError raised after this call).

    respond: a URL to redirect to, or a function of the error returning the response (the form again).
    field: show the message under this form field instead of flashing it.
    message: a function of the error giving the text shown (by default the error's own message).
    quiet: neither flash nor field: `respond` shows the refusal itself.
    keep_writes: commit what was written before the refusal (a failed sign-in still counts).
    catch: the refusals answered so (by default every DomainError but NotAllowed and NotFound).
    """
    g.lms_refusal = Refusal(respond, field, message, quiet, keep_writes, catch)


def writes_late(view):
    """A form post whose reads need no write lock: its transactions begin as a reader's, as a GET's do, and
    its service takes the lock (lms.db.begin_writing) only for the write, which must hold on what it read
    without the lock (a conditional UPDATE). On SQLite the database's single write lock is then held for the
    write alone, not for the sign-in check and the reads before it: the time-on-task heartbeat, a trainee's
    most frequent request, is the one that needs it."""
    view.lms_writes_late = True
    return view


def finish_writing() -> None:
    """Commit what a GET recorded through lms.db.begin_writing, if anything: the rest of it reads again."""
    if transactions.writing_for_one_transaction() and db.session().in_transaction():
        db.session.commit()


class TransactionalFlask(Flask):
    """Runs each view in one transaction: commit on return, roll back on any exception."""

    def dispatch_request(self):
        for name in ("lms_refusal", "lms_flashed"):  # g outlives a request when a caller holds the app context
            g.pop(name, None)
        try:
            response = super().dispatch_request()
            _commit()
            return response
        except DomainError as refused:
            refusal = g.pop("lms_refusal", None)
            if refusal is None or not refusal.catches(refused):
                _undo()
                raise
            if refusal.keep_writes:
                _commit_or_undo()
            else:
                _undo()
            return refusal.answer(refused)
        except BaseException:
            _undo()
            raise


def init_app(_app: Flask) -> None:
    """Remember what each request flashes (connecting twice is a no-op: blinker keys by receiver)."""
    message_flashed.connect(_remember_flash)


def _commit() -> None:
    # A GET's reader has nothing to commit (teardown ends it); a writer (any POST, or a GET's
    # begin_writing transaction) commits even when it wrote nothing: that costs no statement.
    if transactions.may_write():
        _commit_or_undo()


def _commit_or_undo() -> None:
    try:
        db.session.commit()
    except BaseException:
        _undo()
        raise


def _undo() -> None:
    db.session.rollback()
    _forget_flashes()


def _remember_flash(_app, message, category, **_extra) -> None:
    if has_request_context():
        g.setdefault("lms_flashed", []).append((category, message))


def _forget_flashes() -> None:
    """Take back what this request flashed: its work was not saved."""
    flashed = g.pop("lms_flashed", None)
    if not flashed:
        return
    pending = list(session.get("_flashes", []))
    shown = request_ctx.flashes  # flashes a template already took from the session this request
    for item in flashed:
        if item in pending:
            pending.remove(item)
        elif shown and item in shown:
            shown.remove(item)
    if pending:
        session["_flashes"] = pending
    else:
        session.pop("_flashes", None)
