"""Language selection: Vietnamese by default, English per user (or per browser session when signed out)."""
from flask import current_app, has_request_context, session
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup


def select_locale() -> str:
    if not has_request_context():  # the command line and background work speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


_CATALOGUE = "lms_catalogue"


def register(app) -> None:
    from flask_babel import get_locale, get_translations

    from lms.caching import per_request

    def translations():
        # Flask-Babel finds the request's catalogue anew for every message; a page has dozens of them.
        return per_request("babel.translations", get_translations)

    def gettext(string: str) -> str:
        return translations().ugettext(string)

    app.jinja_env.install_gettext_callables(
        gettext=gettext,
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )

    @pass_context
    def template_gettext(context, string: str, **variables) -> str:
        # What Jinja's newstyle gettext does, called directly: `_()` is the templates' most frequent call (two
        # dozen on a lesson page) and Jinja's alias reaches it through two more context calls. The catalogue
        # comes with the page's context (a macro imported without it looks it up).
        catalogue = context.get(_CATALOGUE) or translations()
        translated = catalogue.ugettext(string)
        if context.eval_ctx.autoescape:
            translated = Markup(translated)
        # Newstyle gettext always formats ("%%" stands for "%"); a text without "%" is its own result.
        return translated % variables if variables or "%" in translated else translated

    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext)

    @app.context_processor
    def _catalogue():
        return {_CATALOGUE: translations()}

    @app.context_processor
    def _inject_locale():
        return {"current_locale": str(get_locale() or "vi"), "languages": app.config["LANGUAGES"]}
