"""The people list and its exports name each person's titles and open their record; exports carry a header
block, an autofilter, the same rate in CSV and XLSX, ASCII file names and an Excel-Vietnamese CSV."""
from __future__ import annotations

import csv
import io
from datetime import date

from lms.delivery.models import NominationState
from lms.formats import local_today


def _sheet(body: bytes):
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(body)).active


def test_people_list_shows_titles_and_names_open_the_persons_record(client, auth, nation):
    auth.login("tw.admin")
    page = client.get(f"/dashboards/people?unit={nation.commune_a.id}").get_data(as_text=True)
    assert "<th scope=\"col\">Chức danh</th>" in page
    assert "Bí thư Đảng ủy xã" in page
    assert f'href="/people/{nation.an.id}"' in page
    assert client.get(f"/people/{nation.an.id}").status_code == 200


def test_people_csv_carries_the_title_column(client, auth, nation):
    auth.login("tw.admin")
    rows = list(csv.reader(io.StringIO(client.get("/dashboards/people.csv?status=completed").get_data()
                                       .decode("utf-8-sig"))))
    assert rows[0][:4] == ["Họ và tên", "Tên đăng nhập", "Chức danh", "Đơn vị"]
    assert rows[1][:3] == ["Nguyễn Văn An", "hv.an", "Bí thư Đảng ủy xã"]


def test_xlsx_has_a_header_block_and_an_autofilter_over_the_table(client, auth, nation):
    auth.login("ht.admin")
    sheet = _sheet(client.get(f"/dashboards/people.xlsx?status=completed&title={nation.secretary.id}").get_data())
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Danh sách học viên"
    block = {r[0]: r[1] for r in rows[1:4]}
    assert block["Phạm vi"] == "Tỉnh ủy Hà Tĩnh"
    assert "Chức danh: Bí thư Đảng ủy xã" in block["Bộ lọc"]
    assert "Trạng thái: Hoàn thành" in block["Bộ lọc"]
    assert block["Ngày xuất"].startswith(f"{local_today():%d/%m/%Y}")
    header = next(i for i, r in enumerate(rows, start=1) if r[0] == "Họ và tên")
    assert sheet.auto_filter.ref == f"A{header}:L{len(rows)}"


def test_the_same_rate_is_written_the_same_way_in_csv_and_xlsx(client, auth, nation):
    auth.login("tw.admin")
    url = f"/dashboards/table.{{fmt}}?by=unit&unit={nation.province.id}"
    lines = client.get(url.format(fmt="csv")).get_data().decode("utf-8-sig").splitlines()
    assert "Đảng ủy xã Kỳ Anh,2,1,50.0%,1,0,1" in lines
    sheet = _sheet(client.get(url.format(fmt="xlsx")).get_data())
    row = next(r for r in sheet.iter_rows() if r[0].value == "Đảng ủy xã Kỳ Anh")
    assert row[3].value == 0.5
    assert row[3].number_format == "0.0%"  # shown as 50.0%, as the CSV writes it


def test_excel_vietnamese_csv_uses_semicolons_and_decimal_commas(client, auth, nation):
    auth.login("tw.admin")
    response = client.get(f"/dashboards/table.csv-vi?by=unit&unit={nation.province.id}")
    assert response.status_code == 200
    lines = response.get_data().decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Đơn vị;Tổng số;Hoàn thành;Tỷ lệ hoàn thành")
    assert "Đảng ủy xã Kỳ Anh;2;1;50,0%;1;0;1" in lines


def test_file_names_are_ascii_and_dated_in_vietnam(client, auth, nation):
    auth.login("tw.admin")
    today = f"{local_today():%Y-%m-%d}"
    cases = {"/dashboards/table.xlsx?by=unit": f"hoan-thanh-theo-don-vi-{today}.xlsx",
             "/dashboards/table.csv?by=locality": f"hoan-thanh-theo-dia-phuong-{today}.csv",
             "/dashboards/table.csv-vi?by=title": f"hoan-thanh-theo-chuc-danh-excel-{today}.csv",
             "/dashboards/people.xlsx?status=overdue": f"danh-sach-qua-han-{today}.xlsx"}
    for url, name in cases.items():
        disposition = client.get(url).headers["Content-Disposition"]
        assert disposition == f'attachment; filename="{name}"', url
        assert disposition.isascii()


def test_filter_lists_only_the_provinces_in_the_admins_scope(client, auth, nation):
    auth.login("ht.admin")
    page = client.get("/dashboards/").get_data(as_text=True)
    assert f'<option value="{nation.ha_tinh.id}"' in page
    assert f'<option value="{nation.hue.id}"' not in page
    found = client.get("/pick/communes?q=xa").get_json()["items"]  # the commune filter's search
    assert sorted(c["label"] for c in found) == ["Xã Cẩm Xuyên, Tỉnh Hà Tĩnh", "Xã Kỳ Anh, Tỉnh Hà Tĩnh"]
    chosen = client.get(f"/dashboards/?province={nation.ha_tinh.id}&commune={nation.ky_anh.id}")
    assert 'value="Xã Kỳ Anh, Tỉnh Hà Tĩnh"' in chosen.get_data(as_text=True)
    typed = client.get("/dashboards/?commune=&commune_q=ky anh").get_data(as_text=True)  # no script: resolved
    assert f'name="commune" type="hidden" value="{nation.ky_anh.id}"' in typed
    program = client.get("/dashboards/?program=&program_q=ky nang lanh dao").get_data(as_text=True)
    assert f'name="program" type="hidden" value="{nation.skills.id}"' in program
    auth.logout()
    auth.login("tw.admin")
    assert f'<option value="{nation.hue.id}"' in client.get("/dashboards/").get_data(as_text=True)


def test_a_class_counts_only_nominees_enrolled_or_completed(client, auth, make, nation):
    teacher = make.lecturer("gv.lan")
    klass = make.training_class(program=nation.basics, unit=nation.province, lecturers=[teacher],
                                starts_on=date(nation.today.year, 3, 1))
    make.nomination(klass, nation.an, NominationState.COMPLETED)
    make.nomination(klass, nation.binh, NominationState.NOMINATED)  # never approved
    make.nomination(klass, nation.cuong, NominationState.APPROVED)  # approved, not yet admitted
    auth.login("gv.lan")
    page = client.get("/dashboards/classes").get_data(as_text=True)
    assert "100,0 %" in page  # one learner, who completed
    people = client.get(f"/dashboards/classes/{klass.id}/people").get_data(as_text=True)
    assert "Nguyễn Văn An" in people
    assert "Trần Thị Bình" not in people
    assert "Lê Văn Cường" not in people
