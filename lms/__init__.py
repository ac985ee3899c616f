"""The LMS application factory."""
from __future__ import annotations

import logging
import secrets
from pathlib import Path

from flask import Flask

from lms import config as settings
from lms.config import ROOT, Config, ConfigurationError
from lms.transaction import TransactionalFlask

log = logging.getLogger("lms.config")


def create_app(config: type | dict | None = None) -> Flask:
    """The application, configured from the environment (SETTINGS in lms/config.py) and then from `config`."""
    values = settings.read_settings()
    app = TransactionalFlask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(values.pop("INSTANCE_FOLDER")),
    )
    app.config.from_object(Config)
    app.config.update(values)
    app.jinja_env.add_extension("jinja2.ext.do")
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    from lms import inputs

    inputs.install(app)  # before any route is added: the bounded <int:...> converter
    register_logging(app)  # first: the start-up checks below report through it
    check_configuration(app)
    register_extensions(app)
    register_static_files(app)
    register_blueprints(app)
    register_signals(app)
    register_errorhandlers(app)
    register_commands(app)
    register_web_hooks(app)
    from lms.access import check_every_route_declares_access

    check_every_route_declares_access(app)
    return app


def check_configuration(app: Flask) -> None:
    """Refuse to start unsafely or without writable folders; report what looks like a mistake."""
    for unknown in settings.unknown_variables():
        log.warning("unknown setting %s is ignored (settings: README.md, Configuration)", unknown)
    folders = [("LMS_INSTANCE_FOLDER", app.instance_path)]
    if not app.config.get("STORAGE_URL"):  # uploads on object storage need no folder here
        folders.append(("LMS_UPLOAD_FOLDER", app.config["UPLOAD_FOLDER"]))
    for name, path in folders:
        problem = settings.writable_problem(path)
        if problem:
            raise ConfigurationError(
                f"{name}: cannot write in {path} ({problem}). Create the folder and let the user running "
                f"the LMS write there, or set {name} to another folder."
            )
    _choose_secret_key(app)
    if app.config["LMS_BASE_URL"].startswith("https://"):
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True, PREFERRED_URL_SCHEME="https",
                          HSTS_MAX_AGE=settings.HSTS_MAX_AGE)
    hops = app.config["PROXY_HOPS"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _choose_secret_key(app: Flask) -> None:
    instance = Path(app.instance_path)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.read_secret_key_file(instance)
        if app.config["SECRET_KEY"] and settings.secret_key_file_too_open(instance):
            log.warning("%s can be read by other users: chmod 600 it", instance / settings.SECRET_KEY_FILE)
    if app.debug and not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = secrets.token_urlsafe(48)
        log.warning("SECRET_KEY is not set: this debug server signs sessions with a key of its own until it stops")
    if app.testing or app.debug:
        return
    problem = settings.secret_key_problem(app.config["SECRET_KEY"])
    if problem is not None:
        raise ConfigurationError(f"{problem}: refusing to start. {settings.how_to_set_secret_key(instance)}")


def register_logging(app: Flask) -> None:
    from lms import logs

    logs.configure(app)


def register_extensions(app: Flask) -> None:
    from lms import i18n, throttling
    from lms.catalogs import catalogue_dirs
    from lms.config import engine_options
    from lms.extensions import babel, bootstrap, compress, csrf, db, login_manager, migrate

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]  # Flask-Babel converts in the same zone
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
    compress.init_app(app)
    from lms.accounts import auth

    auth.init_login(app, login_manager)
    auth.require_own_password(app)
    from lms.jobs import queue

    queue.init_app(app)


def register_static_files(app: Flask) -> None:
    from lms import assets

    assets.init_app(app)


def register_blueprints(app: Flask) -> None:
    from lms.accounts.views import admin_bp as users_admin_bp
    from lms.accounts.views import bp as accounts_bp
    from lms.curriculum.authoring import bp as authoring_bp
    from lms.curriculum.views import bp as curriculum_bp
    from lms.dashboards.views import bp as dashboards_bp
    from lms.delivery.views import bp as delivery_bp
    from lms.documents.views import bp as documents_bp
    from lms.health import bp as health_bp
    from lms.home import bp as home_bp
    from lms.jobs.views import bp as jobs_bp
    from lms.learning.views import bp as learning_bp
    from lms.learning.views import certificates_bp
    from lms.notifications.views import bp as notifications_bp
    from lms.notifications.views import calendar_bp
    from lms.offline.views import bp as offline_bp
    from lms.organisation.views import bp as organisation_bp
    from lms.pickers.views import bp as pickers_bp
    from lms.records.views import bp as records_bp
    from lms.search.views import bp as search_bp
    from lms.supervision.views import bp as supervision_bp

    for blueprint in (home_bp, accounts_bp, users_admin_bp, organisation_bp, curriculum_bp, authoring_bp,
                      documents_bp, search_bp, learning_bp, certificates_bp, delivery_bp,
                      dashboards_bp, records_bp, jobs_bp, notifications_bp, calendar_bp, health_bp,
                      supervision_bp, offline_bp, pickers_bp):
        app.register_blueprint(blueprint)


def register_signals(app: Flask) -> None:
    """Connect every domain's receivers, once per process (each connect is idempotent)."""
    from lms import transaction
    from lms.curriculum import impact
    from lms.delivery import services as delivery
    from lms.learning import receivers as learning
    from lms.notifications import receivers as notifications
    from lms.offline import views as offline
    from lms.search import indexing

    transaction.init_app(app)
    impact.register_sources()
    learning.connect()
    delivery.connect_signals()
    indexing.connect()
    offline.connect()
    notifications.connect()  # last: it reads what the other receivers wrote (re-study states)


def register_errorhandlers(app: Flask) -> None:
    from lms import web

    web.register_errorhandlers(app)


def register_commands(app: Flask) -> None:
    from lms.cli import lms_cli

    app.cli.add_command(lms_cli)


def register_web_hooks(app: Flask) -> None:
    from lms import formats, grading, i18n, markup, web

    web.register_hooks(app)
    i18n.register(app)
    formats.register(app)
    markup.register(app)
    grading.register(app)
