"""Operators read one JSON line per request and per state-changing operation on stderr."""
from __future__ import annotations

import json
import logging
import secrets

import pytest


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def _access_lines(text: str) -> list[dict]:
    return [line for line in _lines(text) if line["logger"] == "lms.access"]


def test_each_request_writes_one_access_line_with_its_id_echoed_status_and_duration(app, client, capfd, make):
    make.user("hocvien")
    capfd.readouterr()
    response = client.get("/sign-in", headers={"X-Request-ID": "proxy-7f3a"})
    assert response.headers["X-Request-ID"] == "proxy-7f3a"
    [line] = _access_lines(capfd.readouterr().err)
    assert line["request_id"] == "proxy-7f3a"
    assert line["status"] == 200
    assert line["method"] == "GET"
    assert line["path"] == "/sign-in"
    assert line["endpoint"] == "accounts.sign_in"
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] >= 0
    assert line["user_id"] is None
    assert line["level"] == "INFO"
    assert line["time"]


def test_a_request_without_an_id_gets_a_new_one_and_the_signed_in_user_is_named(app, client, auth, capfd, make):
    user = make.user("hocvien")
    auth.login("hocvien")
    capfd.readouterr()
    first = client.get("/my/curriculum")
    second = client.get("/nowhere", headers={"X-Request-ID": "bad id with spaces; and <markup>"})
    lines = _access_lines(capfd.readouterr().err)
    assert [line["status"] for line in lines] == [first.status_code, 404]
    assert lines[0]["user_id"] == user.id
    ids = [first.headers["X-Request-ID"], second.headers["X-Request-ID"]]
    assert [line["request_id"] for line in lines] == ids
    assert len(set(ids)) == 2
    assert all(len(i) == 32 for i in ids)


def test_a_state_changing_operation_writes_a_line_from_its_domain_logger(app, client, auth, capfd, make):
    admin = make.admin("admin")
    auth.login("admin")
    capfd.readouterr()
    response = client.post("/admin/users/new", data={
        "username": "hv.moi", "full_name": "Người Mới", "unit_id": admin.unit_id, "roles": ["trainee"],
        "admin_scope_id": 0, "theory_level": 0, "password": "mat-khau-moi-1"}, headers={"X-Request-ID": "op-1"})
    assert response.status_code == 302
    [line] = [entry for entry in _lines(capfd.readouterr().err) if entry.get("action") == "user.create"]
    assert line["logger"] == "lms.accounts"
    assert line["actor_id"] == admin.id
    assert line["object_type"] == "users"
    assert isinstance(line["object_id"], int)
    assert line["request_id"] == "op-1"


def test_an_operation_that_is_rolled_back_writes_no_line(ctx, capfd):
    from lms import audit
    from lms.extensions import db

    capfd.readouterr()
    audit.record(None, "unit.create", None, object_type="units")
    db.session.flush()
    db.session.rollback()
    audit.record(None, "unit.update", None, object_type="units")
    db.session.commit()
    actions = [entry.get("action") for entry in _lines(capfd.readouterr().err)]
    assert actions == ["unit.update"]


def test_an_error_is_logged_with_its_traceback(app, capfd):
    from lms import create_app
    from lms.access import public

    failing = create_app({**app.config, "TESTING": False, "PROPAGATE_EXCEPTIONS": False,
                          "SECRET_KEY": secrets.token_urlsafe(48)})

    @failing.route("/boom")
    @public
    def boom():
        raise RuntimeError("the disk is on fire")

    capfd.readouterr()
    response = failing.test_client().get("/boom", headers={"X-Request-ID": "err-1"})
    assert response.status_code == 500
    lines = _lines(capfd.readouterr().err)
    [error] = [line for line in lines if line["level"] == "ERROR"]
    assert error["request_id"] == "err-1"
    assert "Traceback" in error["exc_info"]
    assert "the disk is on fire" in error["exc_info"]
    assert [line["status"] for line in lines if line["logger"] == "lms.access"] == [500]


@pytest.fixture
def text_logging(app):
    from lms import logs

    app.config["LOG_FORMAT"] = "text"
    logs.configure_handler(app)
    yield
    app.config["LOG_FORMAT"] = "json"
    logs.configure_handler(app)


def test_text_format_for_people(app, client, capfd, text_logging):
    capfd.readouterr()
    client.get("/sign-in", headers={"X-Request-ID": "human-1"})
    err = capfd.readouterr().err
    assert "INFO lms.access [human-1] GET /sign-in 200" in err
    assert not err.lstrip().startswith("{")


def test_the_log_level_setting_silences_lower_levels(app, capfd):
    app.config["LOG_LEVEL"] = "WARNING"
    from lms import logs

    try:
        logs.configure_handler(app)
        capfd.readouterr()
        logging.getLogger("lms.delivery").info("not shown")
        logging.getLogger("lms.delivery").warning("shown")
        assert [line["message"] for line in _lines(capfd.readouterr().err)] == ["shown"]
    finally:
        app.config["LOG_LEVEL"] = "INFO"
        logs.configure_handler(app)
