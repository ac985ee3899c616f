"""The searches behind the pickers: a few rows of JSON for what was typed, within the admin's scope."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from lms.access import roles_required
from lms.accounts.models import Role
from lms.pickers import LIMIT, MAX_TEXT, kind_of

bp = Blueprint("pickers", __name__, url_prefix="/pick")


def _answer(name: str):
    text = (request.args.get("q") or "")[:MAX_TEXT]
    rows = kind_of(name).search(text, limit=LIMIT + 1)
    response = jsonify(items=[{"id": c.id, "label": c.label, "hint": c.hint} for c in rows[:LIMIT]],
                       more=len(rows) > LIMIT)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/units")
@roles_required(Role.ADMIN)
def units():
    return _answer("units")


@bp.route("/localities")
@roles_required(Role.ADMIN)
def localities():
    return _answer("localities")


@bp.route("/communes")
@roles_required(Role.ADMIN, Role.INSPECTOR)
def communes():
    return _answer("communes")


@bp.route("/subjects")
@roles_required(Role.ADMIN)
def subjects():
    return _answer("subjects")


@bp.route("/modules")
@roles_required(Role.LECTURER, Role.ADMIN)
def modules():
    return _answer("modules")


@bp.route("/programs")
@roles_required(Role.ADMIN, Role.INSPECTOR)
def programs():
    return _answer("programs")


@bp.route("/people")
@roles_required(Role.ADMIN)
def people():
    return _answer("people")


@bp.route("/lecturers")
@roles_required(Role.ADMIN)
def lecturers():
    return _answer("lecturers")
