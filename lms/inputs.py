"""What a request may carry: integers that fit the columns they are compared with, and no NUL bytes.

Every id and count column is INTEGER (32-bit on PostgreSQL; SQLite refuses more than 64 bits), so a
larger number in a path, a filter or a form can never name a row: paths answer 404, filters ignore it,
forms say the choice is not valid. Parsing goes through here so that no database sees such a value.
"""
from __future__ import annotations

from flask import Request, request
from flask_babel import gettext as _
from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter
from werkzeug.utils import cached_property

from lms.errors import InvalidInput
from lms.formats import local_today

INT_MAX = 2**31 - 1
YEAR_MIN, YEAR_MAX = 1945, 2200


def bounded_int(value) -> int:
    """`int(value)` for an integer a column can hold; ValueError otherwise (a `type=` or `coerce=`)."""
    if isinstance(value, bool | float):
        raise ValueError(value)
    number = int(value)
    if not -INT_MAX <= number <= INT_MAX:
        raise ValueError(value)
    return number


def int_or_none(value) -> int | None:
    """A filter's integer, or None when it is missing, malformed or out of range (the filter is ignored)."""
    if value in (None, ""):
        return None
    try:
        return bounded_int(value)
    except (TypeError, ValueError):
        return None


def year_or(value, default: int) -> int:
    """A year from a query string, or `default` when it is not a plausible year."""
    year = int_or_none(value)
    return year if year is not None and YEAR_MIN <= year <= YEAR_MAX else default


def requested_year(name: str = "year") -> int:
    """The year a page asks for (?year=), or the current year."""
    return year_or(request.args.get(name), local_today().year)


class Values(ImmutableMultiDict):
    """Query and form values whose `get(..., type=int)` treats an out-of-range integer as malformed."""

    def get(self, key, default=None, type=None):  # noqa: A002 (MultiDict's own signature)
        return super().get(key, default, bounded_int if type is int else type)


class CombinedValues(CombinedMultiDict):
    """`request.values` (the query and, for a POST, the form) with the same bounded `get(..., type=int)`."""

    def get(self, key, default=None, type=None):  # noqa: A002 (MultiDict's own signature)
        return super().get(key, default, bounded_int if type is int else type)


class LmsRequest(Request):
    parameter_storage_class = Values

    @cached_property
    def values(self) -> CombinedValues:
        # As werkzeug's own, with the bounded lookup: GET bodies are not read, as there.
        sources = [self.args] if self.method == "GET" else [self.args, self.form]
        return CombinedValues([d if isinstance(d, MultiDict) else MultiDict(d) for d in sources])


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a number beyond the id columns' range is a page that does not exist."""

    def __init__(self, map, fixed_digits=0, min=None, max=INT_MAX, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _has_nul(values) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values.getlist(key)) for key in values)


def refuse_nul_bytes() -> None:
    """400 for a NUL byte anywhere in the path, the query or a form field: PostgreSQL cannot store one in
    text and no input means one, so it is refused the same way on both databases, before any view runs."""
    posted = request.method not in ("GET", "HEAD", "OPTIONS")
    if ("\x00" in request.path or _has_nul(request.args) or (posted and _has_nul(request.form))
            or (posted and any("\x00" in (f.filename or "") for f in request.files.values()))):
        raise InvalidInput(_("Dữ liệu gửi lên chứa ký tự NUL (mã 0), không dùng được. "
                             "Hãy xóa ký tự đó rồi gửi lại."))


def install(app) -> None:
    """Bounded `<int:...>` converter, bounded `args.get(type=int)`, NUL bytes refused: for every route."""
    app.request_class = LmsRequest
    app.url_map.converters["int"] = IdConverter
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_nul_bytes)
