"""Every route declares who may use it: anonymous users are sent to sign in, and roles they lack get 403."""
import re

import pytest

from lms.access import PUBLIC, SIGNED_IN, access_of

# Routes anyone may use. Adding one here is a decision, not a convenience.
PUBLIC_ALLOW_LIST = {
    "static",
    "bootstrap.static",
    "home.index",
    "accounts.sign_in",
    "accounts.set_language",
    "certificates.verify",
    "health.healthz",  # probes of load balancers and monitoring: they answer without signing in
    "health.readyz",
}
ROLES = ("trainee", "lecturer", "admin")


def _urls(app):
    """One concrete URL per rule, with made-up values for its arguments."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "bootstrap.static"):
            continue
        url = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: "1" if "id" in m.group(1) else "x", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def test_every_route_declares_its_access(app):
    undeclared = [e for e in app.view_functions if access_of(app, e) is None]
    assert undeclared == []


def test_only_allow_listed_routes_are_public(app):
    public = {e for e in app.view_functions if access_of(app, e) == PUBLIC}
    assert public <= PUBLIC_ALLOW_LIST


def test_anonymous_users_are_sent_to_sign_in_everywhere_else(app):
    client = app.test_client()
    checked = 0
    for endpoint, method, url in _urls(app):
        if access_of(app, endpoint) == PUBLIC:
            continue
        response = client.open(url, method=method)
        assert response.status_code == 302, f"{method} {url} answered {response.status_code}"
        assert "/sign-in" in response.headers["Location"], f"{method} {url}"
        checked += 1
    assert checked > 0


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_403_on_routes_of_roles_it_lacks(app, make, role):
    make.user("only", roles=(role,))
    client = app.test_client()
    client.post("/sign-in", data={"username": "only", "password": "secret-pass-1"})
    checked = 0
    for endpoint, method, url in _urls(app):
        access = access_of(app, endpoint)
        if access in (PUBLIC, SIGNED_IN) or role in access:
            continue
        response = client.open(url, method=method)
        assert response.status_code == 403, f"{role}: {method} {url} answered {response.status_code}"
        checked += 1
    if role != "admin":
        assert checked > 0
