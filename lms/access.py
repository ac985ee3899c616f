"""Who may use a route. Every view declares one of these; create_app refuses to start otherwise.

Authorisation rules themselves live in the services; these decorators are the first gate.
"""
from __future__ import annotations

from functools import wraps

from flask import abort, request
from flask_login import current_user

from lms.extensions import login_manager

PUBLIC = "public"
SIGNED_IN = "signed_in"
# Endpoints that Flask and extensions register themselves.
FRAMEWORK_PUBLIC_ENDPOINTS = {"static", "bootstrap.static"}
# Roles that only read (lms.accounts.models.READ_ONLY_ROLES, by name: access stays below the domains).
READ_ONLY_ROLES = frozenset({"inspector"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _read_only_user_writes(allowed: frozenset[str] = frozenset()) -> bool:
    """A request that would change data from a user holding only read-only roles (an inspector), unless the
    route names one of their roles (`allowed`) or is about their own account."""
    if request.method in SAFE_METHODS:
        return False
    mine = {str(r) for r in current_user.roles}
    return bool(mine) and mine <= READ_ONLY_ROLES and not mine & allowed


def public(view):
    """Anyone may use this route, signed in or not."""
    view.access = PUBLIC
    return view


def signed_in(view):
    """Any signed-in user may use this route (read-only users only to read it)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if _read_only_user_writes():
            abort(403)
        return view(*args, **kwargs)

    wrapper.access = SIGNED_IN
    return wrapper


def own_account(view):
    """Any signed-in user may use this route about their own account (sign out, change their password)."""

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
            if not current_user.has_role(*names) or _read_only_user_writes(names):
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
