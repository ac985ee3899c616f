"""Choosing one unit, person or commune out of thousands: a text box, never a list of the whole scope.

`PickerField` renders a search box (the label's target) and a hidden id. static/js/picker.js turns the box into
a combobox fed by the kind's JSON search (lms.pickers.views); without JavaScript the person types a name or a
code and the field resolves it when the form is posted, saying so when nothing or several match. Whatever the
browser sends, the chosen row is checked against the kind's scope here, on the server.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup
from wtforms.fields import Field
from wtforms.utils import unset_value
from wtforms.validators import StopValidation
from wtforms.widgets import html_params

from lms.inputs import int_or_none
from lms.text import clean_name

LIMIT = 20  # rows a search answers with
CANDIDATES = 5  # names an "several match" message lists
MAX_TEXT = 200


@dataclass(frozen=True)
class Choice:
    """One row of a search: its key (the id), the label the box shows once chosen, a hint (where it belongs)."""

    id: int | str
    label: str
    hint: str = ""
    exact: bool = False  # the text typed is this row's whole name, code or label


class Kind:
    """What a picker chooses. Subclasses say how to search within the signed-in user's scope, load a row,
    name it, and whether that user may choose it."""

    name = ""
    endpoint = ""

    def noun(self) -> str:
        raise NotImplementedError

    def search(self, text: str, limit: int = LIMIT) -> list[Choice]:
        raise NotImplementedError

    def load(self, ident: int):
        raise NotImplementedError

    def label(self, row) -> str:
        raise NotImplementedError

    def allowed(self, row) -> bool:
        raise NotImplementedError

    def placeholder(self) -> str:
        return ""

    def key(self, row) -> int | str:
        """What the hidden input holds for a row (its id unless a kind mixes several tables)."""
        return row.id

    def parse(self, value) -> int | str | None:
        """A key as a form or a link sent it, or None when it cannot be one."""
        return int_or_none(value) or None


def kind_of(name: str) -> Kind:
    from lms.pickers.kinds import KINDS  # the kinds read every domain; forms only name them

    return KINDS[name]


def resolve(kind: Kind, text: str) -> tuple[object | None, str | None]:
    """The one row `text` names, or None and the reason to show (nothing matches, several do)."""
    found = kind.search(text, limit=CANDIDATES + 1)
    exact = [c for c in found if c.exact]
    narrowed = exact or found
    if len(narrowed) == 1:
        return kind.load(narrowed[0].id), None
    if not found:
        return None, _("Không tìm thấy %(noun)s nào khớp với “%(text)s”. Hãy gõ lại tên hoặc mã.",
                       noun=kind.noun(), text=text)
    names = "; ".join(f"{c.label} ({c.hint})" if c.hint else c.label for c in narrowed[:CANDIDATES])
    more = "…" if len(narrowed) > CANDIDATES else ""
    return None, _("Có nhiều %(noun)s khớp với “%(text)s”: %(names)s%(more)s. Hãy gõ đầy đủ tên hoặc gõ mã.",
                   noun=kind.noun(), text=text, names=names, more=more)


class PickerInput:
    """The search box (with the field's id, so its label points at it) and the hidden id beside it."""

    input_type = "search"

    def __call__(self, field: PickerField, **kwargs):
        kind = field.kind
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("class_", "form-control")
        if kind.placeholder():
            kwargs.setdefault("placeholder", kind.placeholder())
        box = html_params(type="search", name=field.text_name, value=field.shown_text(), autocomplete="off",
                          maxlength=MAX_TEXT, **kwargs)
        hidden = html_params(type="hidden", name=field.name, value=field.data or "")
        wrapper = html_params(class_="picker", data_picker=True, data_source=url_for(kind.endpoint),
                              data_none=_("Không có kết quả."), data_count=_("{n} kết quả, dùng phím mũi tên để chọn."))
        script = html_params(src=url_for("static", filename="js/picker.js"), defer=True)
        return Markup(f"<div {wrapper}><input {box}><input {hidden}></div><script {script}></script>")


class PickerField(Field):
    """An id chosen through a kind's picker; `data` is the id (or None), `row` the row it names."""

    widget = PickerInput()

    def __init__(self, label=None, validators=None, *, kind: str, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.kind_name = kind
        self.text: str | None = None  # as typed, when a form sent it
        self.problem: str | None = None
        self._row = unset_value
        self._formdata = None

    @property
    def kind(self) -> Kind:
        return kind_of(self.kind_name)

    @property
    def text_name(self) -> str:
        return f"{self.name}_q"

    @property
    def row(self):
        if self._row is unset_value:
            self._row = self.kind.load(self.data) if self.data else None
        return self._row

    def shown_text(self) -> str:
        """What the box holds: what was typed (kept when it did not resolve), else the chosen row's name."""
        if self.text is not None and (self.problem or not self.data):
            return self.text
        return self.kind.label(self.row) if self.row is not None else (self.text or "")

    def process(self, formdata, data=unset_value, extra_filters=None):
        self._formdata, self.text, self.problem, self._row = formdata, None, None, unset_value
        super().process(formdata, data, extra_filters)

    def process_data(self, value):
        self.data = self.kind.key(value) if hasattr(value, "id") else self.kind.parse(value)

    def process_formdata(self, valuelist):
        ident = self.kind.parse(valuelist[0]) if valuelist else None
        typed = self._formdata.get(self.text_name) if self._formdata is not None else None
        self.data, self._row = None, None
        if typed is None:  # the id alone: a link, a page's own filter, a script
            if ident:
                self._take(self.kind.load(ident), str(valuelist[0]))
            return
        self.text = clean_name(typed)[:MAX_TEXT]
        if not self.text:
            return
        kind = self.kind
        chosen = kind.load(ident) if ident else None
        if chosen is not None and clean_name(kind.label(chosen)) == self.text:
            self._take(chosen, self.text)
            return
        row, self.problem = resolve(kind, self.text)
        if row is not None:
            self._take(row, self.text)

    def _take(self, row, shown: str) -> None:
        kind = self.kind
        if row is None:
            self.problem = _("Không tìm thấy %(noun)s nào khớp với “%(text)s”. Hãy gõ lại tên hoặc mã.",
                             noun=kind.noun(), text=shown)
        elif not kind.allowed(row):
            self.problem = _("“%(name)s” nằm ngoài phạm vi bạn được chọn. Hãy chọn %(noun)s khác.",
                             name=kind.label(row), noun=kind.noun())
            self.text = self.text if self.text is not None else kind.label(row)
        else:
            self.data, self._row = kind.key(row), row

    def pre_validate(self, form):
        if self.problem:
            raise StopValidation(self.problem)

