"""Every route declares who may use it: anonymous users are sent to sign in, and roles they lack get 403."""
import re

import pytest
import sqlalchemy as sa

from lms.access import PUBLIC, SIGNED_IN, access_of

# Routes anyone may use. Adding one here is a decision, not a convenience.
PUBLIC_ALLOW_LIST = {
    "static",
    "bootstrap.static",
    "home.index",
    "accounts.sign_in",
    "accounts.set_language",
    "accounts.activate",  # the one-time link on an activation slip: the person has no password yet
    "certificates.verify",
    "health.healthz",  # probes of load balancers and monitoring: they answer without signing in
    "health.readyz",
    "calendar.feed",  # phone calendars fetch it without a session; the secret token in its address is the key
    "offline.service_worker",  # the installable app's worker: it holds no data, and must load before sign-in
}
ROLES = ("trainee", "lecturer", "admin", "inspector")
# The only requests that write an inspector may make: their own inspections, a class's evidence pack (a file
# built for them; no training data changes), and their own account.
INSPECTOR_MAY_CHANGE = {"supervision.record_inspection", "supervision.start_evidence_pack", "accounts.sign_out",
                        "accounts.change_password"}


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


def test_every_route_that_changes_data_refuses_an_inspector(app, make):
    """Generated from the URL map: an inspector reads the training of their subtree and changes nothing."""
    from lms.accounts.models import Role

    root = make.unit("Ban Tổ chức Trung ương")
    make.user("thanhtra", roles=(Role.INSPECTOR,), unit=root, scope=root)
    client = app.test_client()
    client.post("/sign-in", data={"username": "thanhtra", "password": "secret-pass-1"})
    checked = 0
    for endpoint, method, url in _urls(app):
        if method in ("GET", "HEAD", "OPTIONS") or access_of(app, endpoint) == PUBLIC:
            continue
        if endpoint in INSPECTOR_MAY_CHANGE:
            continue
        response = client.open(url, method=method, data={})
        assert response.status_code == 403, f"inspector: {method} {url} answered {response.status_code}"
        checked += 1
    assert checked > 50


# --- a second top-level tree: no admin sees or changes what lies outside their scope ----------------------

SECRET = ("Nguyễn Bí Mật", "hv.bimat", "Lớp Bí Mật", 'value="4321"', "Ghi chú bí mật")
# Path arguments filled with the rows of the national tree; routes taking other ids are about shared
# content (modules, lessons, documents...) that every author may use by design.
YEAR = 2026


@pytest.fixture
def two_trees(app, make):
    from datetime import date

    from lms.accounts.models import AssignmentKind, Role, User
    from lms.curriculum.models import Program
    from lms.delivery import services as delivery
    from lms.delivery.models import NominationState
    from lms.extensions import db
    from lms.learning.models import Certificate
    from lms.organisation.models import Unit

    national = make.unit("Ban Tổ chức Trung ương")
    province = make.unit("Tỉnh ủy Quảng Trị", parent=national, code="QT")
    sibling = make.unit("Tỉnh ủy Hà Tĩnh", parent=national, code="HT")
    other_root = make.unit("Tỉnh ủy Thử nghiệm", code="TN")
    title = make.title("Bí thư Đảng ủy xã", code="XA-BT")
    spare = make.title("Chủ tịch UBND xã", code="XA-CT")
    program = make.program(code="CT-BTX", name="Bồi dưỡng Bí thư xã", titles=[title])
    make.admin("tw.admin", scope=national)
    planner = make.admin("qt.admin", scope=province)
    make.admin("ht.admin", scope=sibling)
    make.admin("tn.admin", scope=other_root)
    trainee = make.user("hv.bimat", full_name="Nguyễn Bí Mật", unit=province, held=[title])
    klass = make.training_class(program=program, unit=province, starts_on=date(YEAR, 3, 1))
    klass_name_fix = {"name": "Lớp Bí Mật"}
    nomination = make.nomination(klass, trainee, NominationState.NOMINATED)
    with app.app_context():
        from lms.accounts.models import TitleAssignment
        from lms.delivery.models import TrainingClass

        db.session.get(TrainingClass, klass.id).name = klass_name_fix["name"]
        delivery.save_plan(db.session.get(User, planner.id), db.session.get(Unit, province.id), YEAR,
                           {db.session.get(Program, program.id): 4321}, note="Ghi chú bí mật")
        certificate = Certificate(code="BIMAT-1", user_id=trainee.id, program_id=program.id,
                                  full_name="Nguyễn Bí Mật", program_name="Bồi dưỡng Bí thư xã")
        db.session.add(certificate)
        from lms.jobs.models import Job, JobStatus

        job = Job(kind="users.import", created_by_id=planner.id, status=JobStatus.FAILED, message="Ghi chú bí mật",
                  problems=[{"line": 2, "message": "Nguyễn Bí Mật"}])
        db.session.add(job)
        db.session.commit()
        assignment_id = db.session.scalar(sa.select(TitleAssignment.id).where(
            TitleAssignment.user_id == trainee.id, TitleAssignment.kind == AssignmentKind.HELD))
        ids = {"unit_id": province.id, "user_id": trainee.id, "class_id": klass.id, "nomination_id": nomination.id,
               "assignment_id": assignment_id, "title_id": title.id, "certificate_id": certificate.id,
               "program_id": program.id, "job_id": job.id}
    form = {"name": "Đổi tên", "code": "DOI", "level": "central", "is_key": "y", "valid_to": "2026-01-01",
            "full_name": "Đổi Tên", "active": "0", "state": "withdrawn", "end_date": "2026-01-31",
            "reason": "Thu hồi", "unit_id": str(province.id), "year": str(YEAR), f"quota-{program.id}": "1",
            "title_id": str(spare.id), "title_ids": [str(spare.id)], "kind": "held", "start_date": "2026-01-01",
            "parent_id": str(province.id), "trainee_id": str(trainee.id), "note": "x", "username": "hv.moi",
            "password": "secret-pass-1", "roles": "trainee", "theory_level": "0", "required_theory_level": "0",
            "over_quota_reason": "x"}
    return ids, form, Role


def _fingerprint(app) -> list:
    """What an admin outside the national tree's province must not change: its people, class, plan,
    nominations, certificates and jobs, and the shared titles and program targets."""
    from lms.extensions import db

    tables = {
        "units": "SELECT id, name, code, parent_id, path FROM units ORDER BY id",
        "users": "SELECT id, full_name, unit_id, active, session_version FROM users WHERE username = 'hv.bimat'",
        "titles": "SELECT id, code, name, level, is_key, valid_from, valid_to FROM titles ORDER BY id",
        "assignments": "SELECT id, title_id, kind, start_date, end_date FROM title_assignments ORDER BY id",
        "program_titles": "SELECT program_id, title_id FROM program_titles ORDER BY 1, 2",
        "plans": "SELECT id, unit_id, year, note FROM training_plans ORDER BY id",
        "quotas": "SELECT id, plan_id, program_id, quota FROM plan_quotas ORDER BY id",
        "nominations": "SELECT id, class_id, trainee_id, state FROM nominations ORDER BY id",
        "classes": "SELECT id, code, name, unit_id, starts_on, capacity FROM classes ORDER BY id",
        "certificates": "SELECT id, revoked_at FROM certificates ORDER BY id",
        "jobs": "SELECT id, status, created_by_id FROM jobs ORDER BY id",
    }
    with app.app_context():
        return [(name, db.session.execute(sa.text(sql)).all()) for name, sql in tables.items()]


def _scoped_urls(app, ids):
    """Every rule whose id arguments are rows of the national tree, and every argument-free admin page with
    those ids in its query string."""
    query = "&".join(f"{k}={v}" for k, v in
                     {"unit_id": ids["unit_id"], "unit": ids["unit_id"], "user_id": ids["user_id"],
                      "class_id": ids["class_id"], "year": YEAR}.items())
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "bootstrap.static"):
            continue
        arguments = rule.arguments - {"fmt"}
        if arguments and not arguments <= set(ids):
            continue
        url = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(ids.get(m.group(1), "csv")), rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url if arguments else f"{url}?{query}"


@pytest.mark.parametrize("outsider", ["tn.admin", "ht.admin"])
def test_an_admin_of_another_tree_neither_sees_nor_changes_what_is_outside_their_scope(app, two_trees, outsider):
    ids, form, _role = two_trees
    before = _fingerprint(app)
    checked = 0
    for endpoint, method, url in _scoped_urls(app, ids):
        if endpoint in ("accounts.sign_out", "accounts.set_language"):
            continue
        client = app.test_client()
        client.post("/sign-in", data={"username": outsider, "password": "secret-pass-1"})
        response = client.open(url, method=method, data=dict(form) if method == "POST" else None)
        body = response.get_data(as_text=True)
        shown = [s for s in SECRET if s in body]
        assert shown == [], f"{outsider}: {method} {url} shows {shown}"
        assert response.status_code < 500, f"{outsider}: {method} {url} answered {response.status_code}"
        assert _fingerprint(app) == before, f"{outsider}: {method} {url} changed another tree's data"
        checked += 1
    assert checked > 40


def test_only_the_national_roots_admin_changes_shared_titles(app, client, two_trees):
    ids, _form, _role = two_trees
    for admin, allowed in (("tn.admin", False), ("qt.admin", False), ("tw.admin", True)):
        client.post("/sign-in", data={"username": admin, "password": "secret-pass-1"})
        page = client.get("/admin/titles").get_data(as_text=True)
        assert "Bí thư Đảng ủy xã" in page  # everyone reads them
        assert ("/admin/titles/new" in page) is allowed
        response = client.post(f"/admin/titles/{ids['title_id']}",
                               data={"code": "XA-BT", "name": f"Đổi bởi {admin}", "level": "commune"})
        assert response.status_code == (302 if allowed else 403), admin
        client.post("/sign-out")
    with app.app_context():
        from lms.extensions import db

        assert db.session.execute(sa.text("SELECT name FROM titles WHERE code = 'XA-BT'")).scalar() == \
            "Đổi bởi tw.admin"
