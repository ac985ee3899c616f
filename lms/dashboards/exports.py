"""CSV and XLSX exports produced as streams of bytes.

CSV: UTF-8 with a byte-order mark so Excel shows Vietnamese diacritics; rows are written in batches. Dates
and times are local (lms.formats: dd/mm/yyyy HH:mm in LMS_TIMEZONE), rates use the reader's decimal mark.
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


def _csv_value(value, kind: str):
    if value is None:
        return ""
    if kind in ("percent", "grade"):
        return formats.decimal(value)
    if kind == "date" and isinstance(value, date):
        return formats.local_date(value)
    if kind == "datetime" and isinstance(value, datetime):
        return formats.local_datetime(value)
    return neutralise(value)


def csv_stream(columns: list[Column], rows: Iterable[tuple], batch: int = 500) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([neutralise(c.header) for c in columns])
    for count, row in enumerate(rows, start=1):
        writer.writerow([_csv_value(v, c.kind) for v, c in zip(row, columns, strict=True)])
        if count % batch == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_stream(columns: list[Column], rows: Iterable[tuple], sheet_title: str) -> Iterator[bytes]:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    for index, column in enumerate(columns):
        sheet.column_dimensions[_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = _text_cell(sheet, column.header)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
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
                cell.value = value / 100.0
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
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def stream(fmt: str, columns: list[Column], rows: Iterable[tuple], sheet_title: str) -> Iterator[bytes]:
    if fmt == "xlsx":
        return xlsx_stream(columns, rows, sheet_title)
    return csv_stream(columns, rows)
