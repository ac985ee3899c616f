"""The range each kind of date may take, so that a slip of the keyboard (01/01/0001, 31/12/9999) is refused
with a clear message instead of being stored, and everything that reads dates (eligibility, plans,
dashboards) can rely on them.

Each range runs from a fixed first day to the end of a year counted from the current one; services check
them (every path: forms, CSV and content imports, the command line) and forms show the same message on
the field.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _

from lms.errors import InvalidInput
from lms.formats import local_date, local_today


@dataclass(frozen=True)
class DateRange:
    first: date
    years_ahead: int

    def last(self) -> date:
        return date(local_today().year + self.years_ahead, 12, 31)

    def contains(self, day: date | datetime) -> bool:
        day = day.date() if isinstance(day, datetime) else day
        return self.first <= day <= self.last()

    def message(self, field: str) -> str:
        return _("%(field)s phải trong khoảng từ %(first)s đến %(last)s.", field=field,
                 first=local_date(self.first), last=local_date(self.last()))

    def check(self, day: date | datetime | None, field: str) -> None:
        """InvalidInput naming `field` when `day` is set and outside the range."""
        if day is not None and not self.contains(day):
            raise InvalidInput(self.message(field))


# Party and State documents: from the Party's founding (3 February 1930); none is issued after this year.
DOCUMENT_DATES = DateRange(date(1930, 2, 3), 0)
# Job titles and the periods people hold or are planned for them: from 2 September 1945, the founding of
# the Democratic Republic, to ten years ahead (planning looks two five-year terms forward).
TITLE_DATES = DateRange(date(1945, 9, 2), 10)
# Classes, field trips and their deadlines: training records from 1990, planned up to five years ahead.
CLASS_DATES = DateRange(date(1990, 1, 1), 5)
