"""Language selection: Vietnamese by default, English per user (or per browser session when signed out)."""
from flask import current_app, has_request_context, session
from flask_login import current_user


def select_locale() -> str:
    if not has_request_context():  # the command line and background work speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def register(app) -> None:
    from flask_babel import get_locale

    @app.context_processor
    def _inject_locale():
        return {"current_locale": str(get_locale() or "vi"), "languages": app.config["LANGUAGES"]}
