"""Studying without a connection: the service worker, the download lists, the offline shelf and the sync of
progress made offline.

The service worker (`/sw.js`, scope `/`) caches nothing by itself: a trainee downloads a module or a program
("Tải để học không cần mạng"), the page stores its pages in Cache Storage under a cache named for that user,
and the worker answers from it only when the network fails. Signed-in pages keep `Cache-Control: no-store`.
Signing out clears the copies and the queue of unsent progress (static/js/offline.js).
"""
from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, current_app, g, jsonify, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, user_logged_out
from sqlalchemy.orm import selectinload

from lms.access import public, signed_in
from lms.curriculum import queries as curriculum_queries
from lms.curriculum.models import Module, Program, ProgramModule
from lms.extensions import db
from lms.formats import file_size
from lms.learning.services import offline as sync_service
from lms.offline.packs import build_pack
from lms.transaction import on_refusal

bp = Blueprint("offline", __name__)
SERVICE_WORKER = Path(__file__).with_name("sw.js")
# Set by sign-out: the next page (the sign-in page) clears the phone's offline copies and queue.
CLEAR_FLAG = "offline_clear"


def user_key(user) -> str:
    """The name of a user's offline cache: stable for the user, meaningless to anyone else."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"offline:{user.id}".encode(), hashlib.sha256).hexdigest()[:20]


@bp.app_context_processor
def _offline_helpers():
    def offline_state() -> dict:
        """What offline.js needs on this page: whose copies it may keep, or that it must clear them all."""
        if current_user.is_authenticated:
            return {"user": user_key(current_user), "clear": False}
        return {"user": "", "clear": bool(session.pop(CLEAR_FLAG, False)) if CLEAR_FLAG in session else False}

    return {"offline_state": offline_state}


def _signed_out(_sender, **_extra) -> None:
    g.offline_signed_out = True


def connect() -> None:
    """Hear sign-outs (connecting twice is a no-op: blinker keys by receiver)."""
    user_logged_out.connect(_signed_out)


@bp.after_app_request
def _remember_sign_out(response):
    if g.pop("offline_signed_out", False):
        session[CLEAR_FLAG] = True  # after the sign-out view cleared the session; saved with this response
    return response


@bp.route("/sw.js")
@public
def service_worker():
    source = f"const SHELF_URL = {json.dumps(url_for('offline.shelf'))};\n" + SERVICE_WORKER.read_text("utf-8")
    response = current_app.response_class(source, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/offline")
@signed_in
def shelf():
    return render_template("offline/shelf.html")


def _pack_response(key: str, title: str, modules: list[Module]):
    pack = build_pack(title, modules)
    data = pack.as_dict(key)
    data.update(size_label=file_size(pack.bytes), lesson_count=len(pack.lessons),
                size_text=_("Dung lượng khoảng %(size)s, gồm %(n)d bài học.", size=file_size(pack.bytes),
                            n=len(pack.lessons)),
                updated_text=_("Đã tải phiên bản mới của “%(title)s” để học không cần mạng.", title=title))
    return jsonify(data)


@bp.route("/offline/modules/<int:module_id>/pack")
@signed_in
def module_pack(module_id: int):
    module = db.get_or_404(Module, module_id)
    if module.published is None:
        return jsonify(error=_("Học phần này chưa được xuất bản.")), 404
    return _pack_response(f"module-{module.id}", module.published.title, [module])


@bp.route("/offline/programs/<int:program_id>/pack")
@signed_in
def program_pack(program_id: int):
    program = db.first_or_404(sa.select(Program).where(Program.id == program_id).options(
        selectinload(Program.items).selectinload(ProgramModule.module).selectinload(Module.localities)))
    locality = current_user.unit.locality if current_user.unit else None
    modules = [item.module for item in curriculum_queries.ordered_items(program, locality)]
    return _pack_response(f"program-{program.id}", program.name, modules)


@bp.route("/offline/sync", methods=["POST"])
@signed_in
def sync():
    on_refusal(lambda refused: (jsonify(error=refused.message), 400), quiet=True)
    events = sync_service.read_batch(request.get_json(silent=True))
    outcomes = sync_service.apply_offline_events(current_user, events,
                                                 max_days=current_app.config["OFFLINE_MAX_DAYS"])
    recorded = sum(1 for o in outcomes if o.status != sync_service.REFUSED)  # now or by an earlier try
    message = _("Đã ghi nhận %(n)d hoạt động học không cần mạng.", n=recorded) if recorded else ""
    return jsonify(results=[o.as_dict() for o in outcomes], message=message)
