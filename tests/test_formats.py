"""One time zone, one format: timestamps stored in UTC are shown in LMS_TIMEZONE as dd/mm/yyyy HH:mm; numbers
follow the reader's language through Babel."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from lms import formats

LATE_EVENING_UTC = datetime(2026, 3, 31, 23, 30)  # naive, as stored: 06:30 on 1 April in Hà Nội


def test_a_timestamp_late_in_the_utc_evening_is_the_next_morning_in_vietnam(ctx):
    assert formats.local_date(LATE_EVENING_UTC) == "01/04/2026"
    assert formats.local_datetime(LATE_EVENING_UTC) == "01/04/2026 06:30"
    assert formats.local_time(LATE_EVENING_UTC) == "06:30"
    assert formats.local_naive(LATE_EVENING_UTC) == datetime(2026, 4, 1, 6, 30)
    assert formats.iso_utc(LATE_EVENING_UTC) == "2026-03-31T23:30:00Z"


def test_a_calendar_date_is_shown_as_it_is(ctx):
    assert formats.local_date(date(2026, 3, 31)) == "31/03/2026"
    assert formats.local_date(None) == ""


def test_the_time_zone_is_a_setting(app):
    previous = app.config["TIMEZONE"]
    app.config["TIMEZONE"] = "Europe/Paris"
    try:
        with app.app_context():
            assert formats.local_datetime(LATE_EVENING_UTC) == "01/04/2026 01:30"
    finally:
        app.config["TIMEZONE"] = previous


@pytest.mark.parametrize(("locale", "rate", "small", "whole", "count"), [
    ("vi", "62,5 %", "11,1 %", "70 %", "1.234.567"),
    ("en", "62.5%", "11.1%", "70%", "1,234,567"),
])
def test_numbers_follow_the_readers_language(ctx, locale, rate, small, whole, count):
    assert formats.percent(62.5, locale=locale) == rate
    assert formats.percent(100 / 9, locale=locale) == small
    assert formats.percent(70, 0, locale=locale) == whole
    assert formats.number(1234567, locale=locale) == count


def test_pages_choose_the_language_of_the_request(app):
    with app.test_request_context():
        assert formats.percent(62.5) == "62,5 %"  # Vietnamese by default


@pytest.mark.parametrize(("moment", "line"), [
    (LATE_EVENING_UTC, "Quảng Trị, ngày 01 tháng 4 năm 2026"),  # already 1 April in Hà Nội
    (date(2026, 2, 15), "Quảng Trị, ngày 15 tháng 02 năm 2026"),  # months 1 and 2 take a leading zero
    (date(2026, 12, 1), "Quảng Trị, ngày 01 tháng 12 năm 2026"),
])
def test_the_place_and_date_line_is_written_as_official_papers_write_it(app, moment, line):
    with app.test_request_context():
        assert formats.place_and_date("Quảng Trị", moment) == line
        assert formats.place_and_date("", moment) == "N" + line.removeprefix("Quảng Trị, n")


@pytest.mark.parametrize(("size", "vi", "en"), [
    (557, "557 byte", "557 bytes"),
    (999, "999 byte", "999 bytes"),
    (12 * 1024, "12 KB", "12 KB"),
    (1_258_291, "1,2 MB", "1.2 MB"),
    (3 * 1024 ** 3 // 2, "1,5 GB", "1.5 GB"),
])
def test_file_sizes_are_written_in_the_readers_words(app, size, vi, en):
    from flask_babel import force_locale

    for locale, expected in (("vi", vi), ("en", en)):
        with app.test_request_context(), force_locale(locale):
            assert formats.file_size(size) == expected
