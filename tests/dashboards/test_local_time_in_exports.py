"""Exports show times in Vietnam: a completion at 23:30 UTC is dated the next morning in CSV and XLSX."""
from __future__ import annotations

import io
from datetime import date, datetime

LATE_EVENING_UTC = datetime(2026, 3, 31, 23, 30)


def _completed_late_in_the_utc_evening(make):
    unit = make.unit("Đảng ủy xã Dân Hóa")
    make.admin("xa.admin", scope=unit)
    trainee = make.user("hv.lan", full_name="Hồ Thị Lan", unit=unit)
    program = make.program_record("Bồi dưỡng Bí thư Đảng ủy xã")
    make.program_status(trainee, program, "completed", started_on=date(2026, 1, 5), completed_at=LATE_EVENING_UTC)


def test_csv_shows_the_local_date_and_time(client, auth, make):
    _completed_late_in_the_utc_evening(make)
    auth.login("xa.admin")
    lines = client.get("/dashboards/people.csv?status=completed").get_data().decode("utf-8-sig").splitlines()
    row = next(line for line in lines if line.startswith("Hồ Thị Lan"))
    assert "01/04/2026 06:30" in row
    assert "05/01/2026" in row  # a calendar date as it is
    assert "31/03/2026" not in row
    assert "2026-03-31" not in row


def test_xlsx_holds_the_local_date_and_time(client, auth, make):
    from openpyxl import load_workbook

    _completed_late_in_the_utc_evening(make)
    auth.login("xa.admin")
    response = client.get("/dashboards/people.xlsx?status=completed")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "Hồ Thị Lan")
    assert row[10].value == datetime(2026, 4, 1, 6, 30)
    assert row[10].number_format == "DD/MM/YYYY HH:MM"


def test_the_figures_page_shows_rates_with_the_readers_decimal_mark(client, auth, make):
    _completed_late_in_the_utc_evening(make)
    auth.login("xa.admin")
    assert "100,0 %" in client.get("/dashboards/?by=program").get_data(as_text=True)
    client.post("/language", data={"locale": "en", "next": "/"})
    assert "100.0%" in client.get("/dashboards/?by=program").get_data(as_text=True)
