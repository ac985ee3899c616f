"""Dates, times and numbers as readers expect them: the one place that formats them.

Timestamps are stored in UTC (naive, `lms.db.utcnow`) and shown in the site's time zone (`LMS_TIMEZONE`,
Asia/Ho_Chi_Minh by default) as dd/mm/yyyy and HH:mm, in both languages. Numbers follow the reader's
language through Babel: Vietnamese 1.234.567 and 62,5 %, English 1,234,567 and 62.5%.

Pages use the Jinja filters registered here (`local_date`, `local_datetime`, `local_time`, `number`,
`percent`); exports and certificates call the same functions.
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal, format_percent
from flask import current_app, has_app_context, has_request_context
from flask_babel import gettext

from lms.db import utcnow

DATE = "%d/%m/%Y"
TIME = "%H:%M"
DATETIME = f"{DATE} {TIME}"
# Babel's own Vietnamese pattern writes 62,5%; Vietnamese typography (and this product) sets 62,5 %.
PERCENT = {"vi": "#,##0{} %", "en": "#,##0{}%"}
DECIMAL = "#,##0.0"
DEFAULT_ZONE = "Asia/Ho_Chi_Minh"  # LMS_TIMEZONE's default


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone() -> ZoneInfo:
    """The site's time zone (outside an application, e.g. a date range checked by a script: the default)."""
    name = current_app.config["TIMEZONE"] if has_app_context() else DEFAULT_ZONE
    return _zone(name)


def to_local(moment: datetime) -> datetime:
    """A stored timestamp (naive UTC, or aware) in the site's time zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone())


def local_naive(moment: datetime | None) -> datetime | None:
    """The local wall-clock time without a zone (a spreadsheet cell has none)."""
    return None if moment is None else to_local(moment).replace(tzinfo=None)


def local_now() -> datetime:
    """The site's wall-clock time now, naive (for comparing with local dates and times)."""
    return to_local(utcnow()).replace(tzinfo=None)


def utc_offset_seconds() -> int:
    """How far the site's wall clock is ahead of UTC now (Vietnam: 7 hours, all year)."""
    return int(to_local(utcnow()).utcoffset().total_seconds())


def local_today() -> date:
    """Today in the site's time zone: what due dates, years and "today" mean everywhere (never the server's
    own date: at 23:30 UTC it is already tomorrow in Hà Nội)."""
    return local_now().date()


def local_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy; a timestamp is first moved to local time (23:30 UTC is the next morning in Hà Nội)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return value.strftime(DATE)


def local_datetime(value: datetime | None) -> str:
    return "" if value is None else to_local(value).strftime(DATETIME)


def local_time(value: datetime | None) -> str:
    return "" if value is None else to_local(value).strftime(TIME)


def place_and_date(place: str, value: date | datetime) -> str:
    """The line above a signature, in local time: "Quảng Trị, ngày 01 tháng 12 năm 2026".

    As official papers write it: a day below 10 and the months 1 and 2 take a leading zero ("ngày 05 tháng 3",
    "ngày 15 tháng 02"), so that nothing can be written in front of them afterwards.
    """
    from flask_babel import gettext as _

    if isinstance(value, datetime):
        value = to_local(value)
    day, month, year = f"{value.day:02d}", f"{value.month:02d}" if value.month < 3 else str(value.month), value.year
    if place:
        return _("%(place)s, ngày %(day)s tháng %(month)s năm %(year)s", place=place, day=day, month=month, year=year)
    return _("Ngày %(day)s tháng %(month)s năm %(year)s", day=day, month=month, year=year)


def iso_utc(value: datetime | None) -> str:
    """For scripts (the quiz countdown): an unambiguous instant."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def reader_locale(locale: str | None = None) -> str:
    if locale:
        return locale
    if has_request_context():
        from flask_babel import get_locale

        return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def number(value: int | float | None, locale: str | None = None) -> str:
    return "" if value is None else format_decimal(value, locale=reader_locale(locale))


def decimal(value: float | None, locale: str | None = None) -> str:
    """One decimal place: 62,5 (vi), 62.5 (en)."""
    return "" if value is None else format_decimal(value, format=DECIMAL, locale=reader_locale(locale))


def percent(value: float | None, digits: int = 1, locale: str | None = None) -> str:
    """A percentage given in percent units (62.5 -> "62,5 %" in Vietnamese, "62.5%" in English)."""
    if value is None:
        return ""
    locale = reader_locale(locale)
    pattern = PERCENT.get(locale[:2], PERCENT["en"]).format("." + "0" * digits if digits else "")
    return format_percent(value / 100, format=pattern, locale=locale)


FILE_UNITS = ("KB", "MB", "GB", "TB")


def file_size(size: int | None, locale: str | None = None) -> str:
    """A file's size as readers write it: "557 byte", "12 KB", "1,2 MB" (Vietnamese), "1.2 MB" (English).

    Units of 1,024, as the upload limit counts them; up to 999 bytes in bytes, then one decimal at most.
    """
    if size is None:
        return ""
    locale = reader_locale(locale)
    if size < 1000:
        return gettext("%(n)s byte", n=format_decimal(size, locale=locale))
    value = size / 1024
    for unit in FILE_UNITS:
        if value < 1000 or unit == FILE_UNITS[-1]:
            break
        value /= 1024
    return f"{format_decimal(value, format='#,##0.#', locale=locale)} {unit}"


def register(app) -> None:
    app.jinja_env.filters.update(local_date=local_date, local_datetime=local_datetime, local_time=local_time,
                                 number=number, percent=percent, iso_utc=iso_utc, file_size=file_size)
    app.jinja_env.globals["local_today"] = local_today
