"""Exports as CSV (with a BOM) and XLSX (typed cells); every page issues a bounded number of statements."""
from __future__ import annotations

import io
from datetime import date, datetime

import pytest

PAGES = [
    "/dashboards/?by=unit", "/dashboards/?by=locality", "/dashboards/?by=title", "/dashboards/?by=program",
    "/dashboards/?by=year", "/dashboards/people?status=overdue",
]
MAX_STATEMENTS = 15


def test_table_csv_has_a_bom_vietnamese_headers_and_the_figures(client, auth, nation):
    auth.login("tw.admin")
    response = client.get(f"/dashboards/table.csv?by=unit&unit={nation.province.id}")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0] == "Đơn vị,Tổng số,Hoàn thành,Tỷ lệ hoàn thành,Đang học,Chưa bắt đầu,Quá hạn"
    assert "Đảng ủy xã Kỳ Anh,2,1,50.0%,1,0,1" in lines  # as the XLSX cell shows it


def test_people_xlsx_has_typed_cells(client, auth, nation):
    from openpyxl import load_workbook

    auth.login("tw.admin")
    response = client.get(f"/dashboards/people.xlsx?unit={nation.commune_a.id}")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows.index(next(r for r in rows if r[0] == "Họ và tên"))
    assert rows[header][:6] == ("Họ và tên", "Tên đăng nhập", "Chức danh", "Đơn vị", "Chương trình", "Trạng thái")
    completed = next(r for r in rows[header + 1:] if r[5] == "Hoàn thành")
    late = next(r for r in rows[header + 1:] if r[5] == "Đang học")
    assert completed[0] == "Nguyễn Văn An"
    assert completed[2] == "Bí thư Đảng ủy xã"
    assert completed[6] == 4
    assert isinstance(completed[6], int)
    assert isinstance(completed[8], datetime)
    assert completed[8].date() == date(nation.today.year, 1, 10)
    assert isinstance(completed[10], datetime)
    assert late[11] == "Có"
    assert late[9].date() == nation.past


def test_table_xlsx_stores_the_rate_as_a_percentage_number(client, auth, nation):
    from openpyxl import load_workbook

    auth.login("tw.admin")
    response = client.get("/dashboards/table.xlsx?by=program")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "Bồi dưỡng Bí thư Đảng ủy xã")
    assert row[1].value == 4
    assert row[3].value == pytest.approx(0.5)
    assert row[3].number_format == "0.0%"


def test_people_csv_follows_the_filters_and_status(client, auth, nation):
    auth.login("tw.admin")
    body = client.get(f"/dashboards/people.csv?status=completed&title={nation.secretary.id}").get_data()
    text = body.decode("utf-8-sig")
    assert "Nguyễn Văn An" in text
    assert "Phạm Thị Dung" in text
    assert "Trần Thị Bình" not in text
    assert "Lê Văn Cường" not in text
    assert len(text.splitlines()) == 3


def test_unknown_export_format_is_not_found(client, auth, nation):
    auth.login("tw.admin")
    assert client.get("/dashboards/table.pdf").status_code == 404


def test_statements_per_page_are_bounded_whatever_the_data_size(app, client, auth, make, nation, statements):
    auth.login("tw.admin")
    before = {}
    for url in PAGES:
        with statements() as seen:
            assert client.get(url + f"&province={nation.ha_tinh.id}").status_code == 200
        before[url] = len(seen)
        assert len(seen) <= MAX_STATEMENTS, f"{url}: {len(seen)} statements"
    # Ten times the units, people and titles: the same number of statements.
    for n in range(10):
        unit = make.unit(f"Đảng ủy xã thêm {n}", parent=nation.province, locality=nation.cam_xuyen)
        title = make.title(f"Chức danh thêm {n}")
        program = make.program_record(f"Chương trình thêm {n}")
        for k in range(3):
            person = make.user(f"hv.them{n}.{k}", unit=unit, held=[title])
            make.program_status(person, program, "in_progress")
    for url in PAGES:
        with statements() as seen:
            assert client.get(url + f"&province={nation.ha_tinh.id}").status_code == 200
        assert len(seen) == before[url], url
