"""The schema the tests run on was built by the Alembic migrations alone; it must match the models."""
import ast
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lms.extensions import db
from tests.conftest import _config_dict, separate_database


def test_migrations_build_exactly_the_models_schema(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_database_is_at_the_single_head_revision(app):
    from alembic.script import ScriptDirectory
    from flask_migrate import Config

    config = Config(app.extensions["migrate"].directory + "/alembic.ini")
    config.set_main_option("script_location", app.extensions["migrate"].directory)
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == heads[0]


def test_no_migration_imports_the_application():
    """A migration must do the same whatever the application's code later becomes: it carries its own copy."""
    versions = Path(__file__).resolve().parents[1] / "migrations" / "versions"
    for path in sorted(versions.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not [n for n in names if n == "lms" or n.startswith("lms.")], path.name


def test_the_completion_facts_and_training_needs_triggers_are_in_place(app):
    from lms.dashboards.triggers import TRIGGERS_V1
    from lms.delivery.need_triggers import COUNT_TRIGGERS_V1
    from lms.delivery.need_triggers import TRIGGERS_V1 as NEED_TRIGGERS

    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            found = conn.execute(sa.text("SELECT DISTINCT trigger_name FROM information_schema.triggers "
                                         "WHERE event_object_schema = current_schema()")).scalars()
        else:
            found = conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars()
        # On PostgreSQL the counts' changes are also applied at commit, by one deferred trigger.
        applied = {"tn_count_apply"} if conn.dialect.name == "postgresql" else set()
        assert set(found) == set(TRIGGERS_V1) | set(NEED_TRIGGERS) | set(COUNT_TRIGGERS_V1) | applied


def test_every_migration_downgrades_and_upgrades_again(app, tmp_path):
    """From the head down to an empty database and back up: each downgrade undoes its upgrade on this
    database (SQLite rebuilds tables for it), and the schema at the end is the models' again."""
    from flask_migrate import downgrade, upgrade

    from lms import create_app

    with separate_database(app, tmp_path) as url:
        other = create_app({**_config_dict(), "SQLALCHEMY_DATABASE_URI": url,
                            "UPLOAD_FOLDER": str(tmp_path / "uploads")})
        try:
            with other.app_context():
                upgrade()
                downgrade(revision="base")
                db.session.remove()
                upgrade()
                with db.engine.connect() as conn:
                    context = MigrationContext.configure(conn, opts={"compare_type": True})
                    assert compare_metadata(context, db.metadata) == []
        finally:
            with other.app_context():
                db.engine.dispose()
