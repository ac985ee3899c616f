"""Who may use a route. Every view declares one of these; create_app refuses to start otherwise.

Authorisation rules themselves live in the services; these decorators are the first gate.
"""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from lms.extensions import login_manager

PUBLIC = "public"
SIGNED_IN = "signed_in"
# Endpoints that Flask and extensions register themselves.
FRAMEWORK_PUBLIC_ENDPOINTS = {"static", "bootstrap.static"}


def public(view):
    """Anyone may use this route, signed in or not."""
    view.access = PUBLIC
    return view


def signed_in(view):
    """Any signed-in user may use this route."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    wrapper.access = SIGNED_IN
    return wrapper


def roles_required(*roles):
    """Signed-in users holding at least one of `roles` may use this route; others get 403."""
    names = frozenset(str(r) for r in roles)

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*names):
                abort(403)
            return view(*args, **kwargs)

        wrapper.access = names
        return wrapper

    return decorate


def access_of(app, endpoint: str):
    """The declared access of an endpoint, or None when it declares nothing."""
    if endpoint in FRAMEWORK_PUBLIC_ENDPOINTS:
        return PUBLIC
    return getattr(app.view_functions[endpoint], "access", None)


def check_every_route_declares_access(app) -> None:
    missing = sorted(e for e in app.view_functions if access_of(app, e) is None)
    if missing:
        raise RuntimeError(f"routes without an access declaration: {', '.join(missing)}")
