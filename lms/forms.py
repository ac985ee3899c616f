"""Small helpers shared by every domain's forms, and the base class they all use."""
import io

import wtforms
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from lms.catalogs import WTFORMS_VI
from lms.dates import DateRange

_wtforms_vi: Translations | None = None


def wtforms_translations() -> NullTranslations | None:
    """WTForms' own messages ("This field is required.") in the page's language: Vietnamese from
    lms/translations/vi/LC_MESSAGES/wtforms.po; English as WTForms writes them."""
    global _wtforms_vi
    if str(get_locale() or "vi") != "vi":
        return None
    if _wtforms_vi is None:  # read from the .po itself (44 messages): nothing to compile, nothing to miss
        with WTFORMS_VI.open("rb") as f:
            compiled = io.BytesIO()
            write_mo(compiled, read_po(f, locale="vi"))
        compiled.seek(0)
        _wtforms_vi = Translations(compiled, domain="wtforms")
    return _wtforms_vi


class PageForm(FlaskForm):
    """The base of every form a page posts: Flask-WTF's CSRF check, WTForms' messages in the page's language."""

    class Meta:
        def get_translations(self, form):
            return wtforms_translations()


class SubForm(wtforms.Form):
    """The base of a form nested in another (FormField, FieldList): no CSRF token of its own."""

    class Meta:
        def get_translations(self, form):
            return wtforms_translations()


def choices(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class InRange:
    """A date field's validator: the date lies in `date_range` (lms.dates), with the same message the
    services give."""

    def __init__(self, date_range: DateRange):
        self.date_range = date_range

    def __call__(self, form, field):
        if field.data is not None and not self.date_range.contains(field.data):
            raise wtforms.validators.StopValidation(self.date_range.message(field.label.text))
