"""CSV and XLSX exports produced as streams of bytes.

CSV: UTF-8 with a byte-order mark so Excel shows Vietnamese diacritics; rows are written in batches. Dates
and times are local (lms.formats: dd/mm/yyyy HH:mm in LMS_TIMEZONE). Two dialects: the plain one (`,` between
fields, `.` in numbers) for any program, and "Excel tiếng Việt" (`;` between fields, `,` in numbers), which
Excel on a Vietnamese Windows opens in columns. A rate is written as the XLSX cell shows it: "50.0%"
("50,0%" in the Vietnamese dialect), one decimal, the same rounding.
XLSX: a header block (title, scope, filters, date exported) above the table, which has an autofilter.
XLSX: openpyxl's write-only workbook keeps each sheet in a temporary file on disk while rows are added,
the finished workbook is written to another temporary file, and the response streams that file in
chunks: memory stays flat however long the list.

Every text cell passes through `neutralise` and XLSX text cells are typed as strings, so a name such as
`=HYPERLINK(...)` (a user's name, a unit's, a program's) is shown as text, never run as a formula.
"""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from lms import formats
from lms.text import slug

BOM = "\ufeff"
CHUNK = 64 * 1024
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"


# A spreadsheet reads a cell starting with one of these as a formula (OWASP, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text that a spreadsheet would read as a formula, with a leading apostrophe; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Column:
    header: str  # Vietnamese (or the reader's language) heading
    kind: str = "text"  # text | int | percent | grade (a score on a grading scale) | date | datetime
    width: int = 14


@dataclass(frozen=True)
class Dialect:
    delimiter: str
    decimal_mark: str


PLAIN = Dialect(",", ".")
EXCEL_VI = Dialect(";", ",")
DIALECTS = {"csv": PLAIN, "csv-vi": EXCEL_VI}


@dataclass(frozen=True)
class Heading:
    """The block above an XLSX table: what it is, whose scope, which filters, when it was exported."""

    title: str
    lines: tuple[tuple[str, str], ...] = ()  # (label, value)


def _number(value: float, dialect: Dialect) -> str:
    text = f"{float(value):.1f}"
    return text.replace(".", dialect.decimal_mark)


def _csv_value(value, kind: str, dialect: Dialect = PLAIN):
    if value is None:
        return ""
    if kind == "percent":
        return _number(value, dialect) + "%"
    if kind == "grade":
        return _number(value, dialect)
    if kind == "date" and isinstance(value, date):
        return formats.local_date(value)
    if kind == "datetime" and isinstance(value, datetime):
        return formats.local_datetime(value)
    return neutralise(value)


def csv_stream(columns: list[Column], rows: Iterable[tuple], batch: int = 500,
               dialect: Dialect = PLAIN) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", delimiter=dialect.delimiter)
    buffer.write(BOM)
    writer.writerow([neutralise(c.header) for c in columns])
    for count, row in enumerate(rows, start=1):
        writer.writerow([_csv_value(v, c.kind, dialect) for v, c in zip(row, columns, strict=True)])
        if count % batch == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_stream(columns: list[Column], rows: Iterable[tuple], sheet_title: str,
                heading: Heading | None = None) -> Iterator[bytes]:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    for index, column in enumerate(columns):
        sheet.column_dimensions[_letter(index)].width = column.width
    bold = Font(bold=True)
    first = 1
    if heading is not None:
        title = _text_cell(sheet, heading.title)
        title.font = Font(bold=True, size=13)
        sheet.append([title])
        for label, value in heading.lines:
            name = _text_cell(sheet, label)
            name.font = bold
            sheet.append([name, _text_cell(sheet, value)])
        sheet.append([])
        first = len(heading.lines) + 3
    sheet.freeze_panes = f"A{first + 1}"
    header = []
    for column in columns:
        cell = _text_cell(sheet, column.header)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    last = first
    for row in rows:
        last += 1
        cells = []
        for value, column in zip(row, columns, strict=True):
            if isinstance(value, str):
                cells.append(_text_cell(sheet, value))
                continue
            if value is None or column.kind in ("text", "int"):
                cells.append(value)
                continue
            cell = WriteOnlyCell(sheet, value=value)
            if column.kind == "percent":
                cell.value = round(float(value), 1) / 100.0
                cell.number_format = "0.0%"
            elif column.kind == "grade":
                cell.value = float(value)
                cell.number_format = "0.0"
            elif column.kind == "date":
                cell.number_format = DATE_FORMAT
            elif column.kind == "datetime":
                cell.value = formats.local_naive(value) if isinstance(value, datetime) else value
                cell.number_format = DATETIME_FORMAT
            cells.append(cell)
        sheet.append(cells)
    # A write-only sheet writes its filter when it is closed, after the rows: the range is known by then.
    sheet.auto_filter.ref = f"A{first}:{_letter(len(columns) - 1)}{last}"
    with tempfile.TemporaryFile(suffix=".xlsx") as out:
        workbook.save(out)
        out.seek(0)
        while chunk := out.read(CHUNK):
            yield chunk


def _text_cell(sheet, text: str):
    """A string cell: openpyxl would otherwise store text starting with "=" as a formula."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=neutralise(text))
    cell.data_type = "s"
    return cell


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "csv-vi": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


FORMATS = ("csv", "csv-vi", "xlsx")
EXTENSIONS = {"csv": "csv", "csv-vi": "csv", "xlsx": "xlsx"}


def stream(fmt: str, columns: list[Column], rows: Iterable[tuple], sheet_title: str,
           heading: Heading | None = None) -> Iterator[bytes]:
    """`fmt` is one of FORMATS; the heading goes above an XLSX table (a CSV stays one table to re-import)."""
    if fmt == "xlsx":
        return xlsx_stream(columns, rows, sheet_title, heading)
    return csv_stream(columns, rows, dialect=DIALECTS[fmt])


def file_name(stem: str, fmt: str, day) -> str:
    """An ASCII file name that survives every mail client and OS: "hoan-thanh-theo-don-vi-2026-12-01.xlsx"."""
    suffix = "-excel" if fmt == "csv-vi" else ""
    return f"{slug(stem)}{suffix}-{day:%Y-%m-%d}.{EXTENSIONS[fmt]}"


def download(fmt: str, stem: str, body: Iterator[bytes]):
    """A streamed file response named in ASCII and dated today in Vietnam time."""
    from flask import Response, stream_with_context

    response = Response(stream_with_context(body), mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name(stem, fmt, formats.local_today())}"'
    return response
