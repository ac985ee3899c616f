"""Delivery pages: classes and nominations (admins), plans, field trips (lecturers), reports (trainees).

The routes live in the modules imported at the end; they share this blueprint and these helpers.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash
from flask_login import current_user

from lms.accounts.models import User
from lms.delivery import forms, services, trips
from lms.delivery.models import FieldTrip, TrainingClass
from lms.errors import DomainError
from lms.extensions import db

bp = Blueprint("delivery", __name__)


def _me() -> User:
    return current_user.account


def _flash_problems(error: DomainError) -> None:
    """A refusal's message is flashed by the request (lms.transaction); its per-line problems follow it."""
    for problem in getattr(error, "problems", []):
        flash(problem, "danger")


@bp.app_context_processor
def _delivery_helpers():
    return {"mode_label": lambda m: str(forms.MODE_LABELS[m]), "state_label": services.state_label}


def _class_or_404(class_id: int) -> TrainingClass:
    klass = db.get_or_404(TrainingClass, class_id)
    if not services.can_view_class(_me(), klass):
        abort(404)
    return klass


def _trip_or_404(trip_id: int) -> FieldTrip:
    trip = db.get_or_404(FieldTrip, trip_id)
    if not trips.can_view_trip(_me(), trip):
        abort(404)
    return trip


# Register the routes on the blueprint.
from lms.delivery.views import (  # noqa: E402,F401
    bulk_pages,
    class_pages,
    plan_pages,
    report_pages,
    session_pages,
    trip_pages,
)
