"""Start-up configuration: a production start refuses unsafe settings and says what to do; the settings table
in README.md is the one in lms/config.py."""
from __future__ import annotations

import logging
import os
import re
import secrets
import stat
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from lms import create_app
from lms.accounts.models import User
from lms.config import ROOT, SETTINGS, ConfigurationError, ensure_secret_key_file, settings_table
from lms.delivery.models import FieldTrip
from lms.extensions import db
from tests.conftest import PageCheckingClient, _config_dict

OLD_DEFAULT_KEY = "dev-only-change-me"


@contextmanager
def another_app(app, **config):
    """A second application on the test database, configured like the suite's app plus `config`."""
    other = create_app({**_config_dict(), "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"], **config})
    other.test_client_class = PageCheckingClient
    try:
        yield other
    finally:
        with other.app_context():
            db.engine.dispose()


@pytest.fixture
def production_env(app, monkeypatch, tmp_path):
    """The environment of a production start: no SECRET_KEY, an instance folder of its own, the test database."""
    for name in [n for n in os.environ if n.startswith("LMS_") or n in ("SECRET_KEY", "FLASK_DEBUG")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("LMS_INSTANCE_FOLDER", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    return tmp_path / "instance"


def _env_without_key(instance: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_") and k not in ("SECRET_KEY", "FLASK_DEBUG")}
    return {**env, "LMS_INSTANCE_FOLDER": str(instance), "DATABASE_URL": f"sqlite:///{instance}/lms.sqlite3"}


def test_a_production_start_without_secret_key_refuses_and_says_what_to_do(tmp_path):
    started = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT, env={**_env_without_key(tmp_path), "LMS_BIND": "127.0.0.1:0", "LMS_WORKERS": "1"},
        capture_output=True, text=True, timeout=60,
    )
    assert started.returncode != 0
    assert "LMS cannot start: SECRET_KEY is not set" in started.stderr
    assert "Set SECRET_KEY to a long random value" in started.stderr
    assert "make run" in started.stderr


@pytest.mark.parametrize(("key", "reason"), [
    (OLD_DEFAULT_KEY, "a value published with the source code"),
    ("short-but-secret", "16 characters, fewer than 32"),
])
def test_production_refuses_a_published_or_short_key(production_env, monkeypatch, key, reason):
    monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigurationError, match=reason):
        create_app()


def test_the_debug_server_and_the_tests_start_without_a_key(production_env, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    assert len(create_app().secret_key) >= 32
    monkeypatch.delenv("FLASK_DEBUG")
    assert create_app({"TESTING": True}).testing


def test_make_run_creates_a_private_key_once_and_the_app_keeps_using_it(production_env):
    made = subprocess.run([sys.executable, "-m", "lms.instance"], cwd=ROOT, capture_output=True, text=True,
                          env=_env_without_key(production_env), check=True)
    assert "created" in made.stdout
    key_file = production_env / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) >= 32
    again = subprocess.run([sys.executable, "-m", "lms.instance"], cwd=ROOT, capture_output=True, text=True,
                           env=_env_without_key(production_env), check=True)
    assert "kept" in again.stdout
    assert key_file.read_text().strip() == key
    assert create_app().secret_key == key == create_app().secret_key  # a restart signs with the same key


def test_processes_starting_together_all_find_the_one_whole_key(tmp_path):
    instance = tmp_path / "instance"
    starts = [subprocess.Popen([sys.executable, "-c", "from pathlib import Path; import sys; "
                                "from lms.config import ensure_secret_key_file, read_secret_key_file; "
                                "made = ensure_secret_key_file(Path(sys.argv[1])); "
                                "print(made, read_secret_key_file(Path(sys.argv[1])))", str(instance)],
                               cwd=ROOT, stdout=subprocess.PIPE, text=True) for _ in range(6)]
    answers = [start.communicate(timeout=60)[0].split() for start in starts]
    assert [made for made, _key in answers].count("True") == 1  # one process made it, the others kept it
    assert len({key for _made, key in answers}) == 1  # and every one read it whole
    assert len(answers[0][1]) >= 32
    assert [p.name for p in instance.iterdir()] == ["secret_key"]  # nothing left behind


def test_the_key_file_appears_only_once_its_key_is_written(tmp_path, monkeypatch):
    made, real_token = [], secrets.token_urlsafe

    def token(length):
        assert not (tmp_path / "secret_key").exists()  # nobody can read the file before the key is in it
        made.append(real_token(length))
        return made[-1]

    monkeypatch.setattr("lms.config.secrets.token_urlsafe", token)
    assert ensure_secret_key_file(tmp_path) is True
    assert (tmp_path / "secret_key").read_text().strip() == made[0]


def test_the_key_is_made_where_files_cannot_be_linked(tmp_path, monkeypatch):
    def no_links(*_args):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    assert ensure_secret_key_file(tmp_path) is True
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_text().strip()) >= 32
    assert ensure_secret_key_file(tmp_path) is False
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def _forged_session(key: str, user_id: int, version: int) -> str:
    forger = Flask("forger")
    forger.secret_key = key
    return SecureCookieSessionInterface().get_signing_serializer(forger).dumps(
        {"_user_id": f"{user_id}.{version}", "_fresh": True})


def test_a_session_forged_with_the_old_default_key_opens_nothing(production_env, make, app):
    admin = make.admin("admin.tinh")
    with app.app_context():
        version = db.session.scalar(sa.select(User.session_version).where(User.id == admin.id))
    ensure_secret_key_file(production_env)
    production = create_app()
    try:
        client = production.test_client()
        client.set_cookie("session", _forged_session(OLD_DEFAULT_KEY, admin.id, version))
        refused = client.get("/admin/users/")
        assert refused.status_code == 302
        assert "/sign-in" in refused.headers["Location"]
        # The same cookie signed with the key the server really uses does open the page: the forgery was right.
        client.set_cookie("session", _forged_session(production.secret_key, admin.id, version))
        assert client.get("/admin/users/").status_code == 200
    finally:
        with production.app_context():
            db.engine.dispose()


def test_an_https_base_url_makes_cookies_secure_and_sends_hsts(app):
    with another_app(app, LMS_BASE_URL="https://lms.quangtri.gov.vn") as secure:
        response = secure.test_client().get("/sign-in", base_url="https://lms.quangtri.gov.vn")
        assert "; Secure" in response.headers["Set-Cookie"]  # the session holding the form's CSRF token
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    plain = app.test_client().get("/sign-in")
    assert "; Secure" not in plain.headers["Set-Cookie"]
    assert "Strict-Transport-Security" not in plain.headers


def test_behind_a_proxy_the_check_in_link_reads_https(app, make):
    lecturer = make.lecturer("giangvien")
    program = make.program(name="Bồi dưỡng", modules=[make.module(title="Đi thực tế", kind="field_trip")])
    trip = make.trip(make.training_class(program=program, unit=make.unit("Tỉnh ủy"), lecturers=[lecturer]))
    proxy_headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "lms.quangtri.gov.vn",
                     "X-Forwarded-For": "203.0.113.7", "Referer": "https://lms.quangtri.gov.vn/"}
    with another_app(app, PROXY_HOPS=1) as proxied:
        client = proxied.test_client()
        signed_in = client.post("/sign-in", data={"username": "giangvien", "password": "secret-pass-1"},
                                headers=proxy_headers)
        assert signed_in.status_code == 302
        client.post(f"/trips/{trip.id}/check-in-code", headers=proxy_headers)
        page = client.get(f"/trips/{trip.id}/check-in-code", headers=proxy_headers).get_data(as_text=True)
    with app.app_context():
        code = db.session.get(FieldTrip, trip.id).checkin_code
    assert f"https://lms.quangtri.gov.vn/trips/{trip.id}/check-in?code={code}" in page
    # Without LMS_PROXY_HOPS the same headers are not believed.
    client = app.test_client()
    client.post("/sign-in", data={"username": "giangvien", "password": "secret-pass-1"})
    direct = client.get(f"/trips/{trip.id}/check-in-code", headers=proxy_headers).get_data(as_text=True)
    assert f"http://localhost/trips/{trip.id}/check-in?code={code}" in direct


def test_an_upload_folder_that_cannot_be_written_stops_the_start_with_its_name(app, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(ConfigurationError, match="LMS_UPLOAD_FOLDER: cannot write in .*not-a-folder/uploads"):
        create_app({**_config_dict(), "UPLOAD_FOLDER": str(blocker / "uploads")})


def test_an_instance_folder_that_cannot_be_written_stops_the_start(production_env, monkeypatch, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    monkeypatch.setenv("LMS_INSTANCE_FOLDER", str(blocker / "instance"))
    with pytest.raises(ConfigurationError, match="LMS_INSTANCE_FOLDER: cannot write in"):
        create_app({"TESTING": True})


def test_an_unknown_lms_variable_is_reported_at_start(production_env, monkeypatch, caplog):
    monkeypatch.setenv("LMS_UPLOAD_FOLDR", "/srv/uploads")
    with caplog.at_level(logging.WARNING, logger="lms.config"):
        create_app({"TESTING": True})
    assert "unknown setting LMS_UPLOAD_FOLDR (did you mean LMS_UPLOAD_FOLDER?) is ignored" in caplog.text


def test_a_bad_number_names_its_setting(production_env, monkeypatch):
    monkeypatch.setenv("LMS_PROXY_HOPS", "one")
    with pytest.raises(ConfigurationError, match="LMS_PROXY_HOPS: expected a whole number"):
        create_app({"TESTING": True})


def test_the_readme_documents_exactly_the_settings_in_the_code():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert settings_table() in readme, "README.md's settings table differs: paste `flask --app wsgi lms settings`"
    assert set(re.findall(r"LMS_[A-Z0-9_]*[A-Z0-9]", readme)) <= {s.name for s in SETTINGS}


def test_every_lms_variable_the_code_reads_is_declared():
    read = set()
    for folder in ("lms", "tests", "bench", "deploy"):
        for path in (ROOT / folder).rglob("*.py"):
            read |= set(re.findall(r"""["'](LMS_[A-Z0-9_]+)["']""", path.read_text(encoding="utf-8")))
    read -= {"LMS_UPLOAD_FOLDR"}  # the misspelling above
    assert read <= {s.name for s in SETTINGS}
