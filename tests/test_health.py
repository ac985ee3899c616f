"""/healthz and /readyz: public, cheap, and 503 with a reason when this server cannot serve."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from lms import create_app
from lms.config import ROOT
from lms.extensions import db
from tests.conftest import _config_dict, separate_database


def test_healthz_answers_without_touching_the_database(client, statements):
    with statements() as seen:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert seen == []


def test_readyz_is_ready_on_the_migrated_database(client, statements):
    with statements() as seen:
        response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.headers["Cache-Control"] == "no-store"
    assert [s for s in seen if s not in ("BEGIN", "COMMIT", "ROLLBACK")] == ["SELECT version_num FROM alembic_version"]


def test_readyz_refuses_a_database_one_migration_behind_and_accepts_it_at_head(app, tmp_path):
    head = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
    with separate_database(app, tmp_path) as url:
        other = create_app({**_config_dict(), "SQLALCHEMY_DATABASE_URI": url,
                            "UPLOAD_FOLDER": str(tmp_path / "uploads")})
        try:
            client = other.test_client()
            not_migrated = client.get("/readyz")
            assert not_migrated.status_code == 503
            assert "no schema" in not_migrated.json["problems"][0]
            with other.app_context():
                upgrade()
                downgrade(revision="-1")
                behind = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
                db.session.remove()
            assert behind != head
            response = client.get("/readyz")
            assert response.status_code == 503
            assert response.json == {"status": "not ready", "problems": [
                f"database schema is at {behind}, the code needs {head} (run: flask --app wsgi db upgrade)"]}
            with other.app_context():
                upgrade()
            assert client.get("/readyz").status_code == 200
        finally:
            with other.app_context():
                db.engine.dispose()


def test_readyz_refuses_when_uploads_cannot_be_written(app, tmp_path):
    other = create_app({**_config_dict(), "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "UPLOAD_FOLDER": str(tmp_path / "uploads")})
    try:
        (tmp_path / "uploads").rmdir()  # the shared volume went away after the start
        response = other.test_client().get("/readyz")
        assert response.status_code == 503
        assert response.json["problems"] == ["upload folder (LMS_UPLOAD_FOLDER) is not writable"]
    finally:
        with other.app_context():
            db.engine.dispose()


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_are_public(client, path):
    assert client.get(path).status_code in (200, 503)
