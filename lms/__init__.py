"""The LMS application factory."""
from __future__ import annotations

import os

from flask import Flask

from lms.config import ROOT, Config


def create_app(config: type | dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(Config)
    app.jinja_env.add_extension("jinja2.ext.do")
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    _ensure_folders(app)
    from lms import inputs

    inputs.install(app)  # before any route is added: the bounded <int:...> converter
    register_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_web_hooks(app)
    from lms.access import check_every_route_declares_access

    check_every_route_declares_access(app)
    return app


def _ensure_folders(app: Flask) -> None:
    os.makedirs(app.instance_path, exist_ok=True)
    os.makedirs(app.config["UPLOAD_FOLDER"], exist_ok=True)


def register_logging(app: Flask) -> None:
    from lms import logs

    logs.configure(app)


def register_extensions(app: Flask) -> None:
    from lms import i18n, throttling
    from lms.catalogs import catalogue_dirs
    from lms.config import engine_options
    from lms.extensions import babel, bootstrap, csrf, db, login_manager, migrate

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    db.init_app(app)
    import lms.models  # noqa: F401  (every table on one metadata)

    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True, render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=";".join(str(d) for d in catalogue_dirs()),
    )
    bootstrap.init_app(app)
    throttling.init_app(app)
    from lms.accounts import auth

    auth.init_login(app, login_manager)
    from lms.jobs import queue

    queue.init_app(app)


def register_blueprints(app: Flask) -> None:
    from lms.accounts.views import admin_bp as users_admin_bp
    from lms.accounts.views import bp as accounts_bp
    from lms.curriculum.authoring import bp as authoring_bp
    from lms.curriculum.views import bp as curriculum_bp
    from lms.dashboards.views import bp as dashboards_bp
    from lms.delivery.views import bp as delivery_bp
    from lms.documents.views import bp as documents_bp
    from lms.home import bp as home_bp
    from lms.jobs.views import bp as jobs_bp
    from lms.learning.views import bp as learning_bp
    from lms.learning.views import certificates_bp
    from lms.organisation.views import bp as organisation_bp
    from lms.search.views import bp as search_bp

    for blueprint in (home_bp, accounts_bp, users_admin_bp, organisation_bp, curriculum_bp, authoring_bp,
                      documents_bp, search_bp, learning_bp, certificates_bp, delivery_bp,
                      dashboards_bp, jobs_bp):
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    from lms import web

    web.register_errorhandlers(app)


def register_commands(app: Flask) -> None:
    from lms.cli import lms_cli

    app.cli.add_command(lms_cli)


def register_web_hooks(app: Flask) -> None:
    from lms import grading, i18n, markup, web

    web.register_hooks(app)
    i18n.register(app)
    markup.register(app)
    grading.register(app)
