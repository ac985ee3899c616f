"""Probes for load balancers and service managers: /healthz (the process answers) and /readyz (it can serve)."""
from __future__ import annotations

import logging
from functools import cache

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify

from lms import storage
from lms.access import public
from lms.extensions import db

bp = Blueprint("health", __name__)
log = logging.getLogger("lms.health")


@cache
def migration_head(directory: str) -> str:
    """The newest migration the code carries (read once per process)."""
    return ScriptDirectory(directory).get_current_head()


def _probe_reply(problems: list[str]):
    body = {"status": "not ready", "problems": problems} if problems else {"status": "ok"}
    response = jsonify(body)
    response.status_code = 503 if problems else 200
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/healthz")
@public
def healthz():
    """The process is alive; touches nothing else."""
    return _probe_reply([])


@bp.route("/readyz")
@public
def readyz():
    """The database answers at the migration head and uploads can be written: this server can take requests."""
    problems = []
    problem = schema_problem()
    if problem:
        problems.append(problem)
    problem = storage.current().problem()
    if problem:
        problems.append(problem)
    if problems:
        log.warning("not ready: %s", "; ".join(problems))
    return _probe_reply(problems)


def schema_problem() -> str | None:
    """Why the database cannot serve this code (one statement when it can), or None."""
    head = migration_head(current_app.extensions["migrate"].directory)
    try:
        with db.engine.connect() as conn:
            current = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.SQLAlchemyError as failed:
        log.warning("database check failed: %s", failed)
        return "database does not answer, or has no schema (run: flask --app wsgi db upgrade)"
    if current != head:
        return f"database schema is at {current}, the code needs {head} (run: flask --app wsgi db upgrade)"
    return None
