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
    from flask_babel import get_locale, get_translations

    from lms.caching import per_request

    def translations():
        # Flask-Babel finds the request's catalogue anew for every message; a page has dozens of them.
        return per_request("babel.translations", get_translations)

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )

    @app.context_processor
    def _inject_locale():
        return {"current_locale": str(get_locale() or "vi"), "languages": app.config["LANGUAGES"]}
