"""A year's plan as a grid of units by programs: one form, totals, and the same grid through CSV and XLSX,
all or nothing with the place of each error."""
from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from lms.delivery.models import PlanQuota, TrainingPlan
from lms.extensions import db

YEAR = 2026


@pytest.fixture
def grid(make):
    province = make.unit("Tỉnh ủy Hà Tĩnh")
    ky_anh = make.unit("Đảng ủy xã Kỳ Anh", parent=province)
    cam_xuyen = make.unit("Đảng ủy xã Cẩm Xuyên", parent=province)
    make.unit("Thành ủy Huế")
    btx = make.program(code="BTX", name="Bồi dưỡng Bí thư Đảng ủy xã")
    ctx = make.program(code="CTX", name="Bồi dưỡng Chủ tịch UBND xã")
    make.admin("admin", scope=province)
    return SimpleNamespace(province=province, ky_anh=ky_anh, cam_xuyen=cam_xuyen, btx=btx, ctx=ctx)


def _quotas(app) -> dict:
    with app.app_context():
        return {(u, p): q for u, p, q in db.session.execute(
            sa.select(TrainingPlan.unit_id, PlanQuota.program_id, PlanQuota.quota).join(PlanQuota)
            .where(TrainingPlan.year == YEAR))}


def test_the_grid_saves_every_cell_in_one_form_with_totals(app, client, auth, grid):
    g = grid
    auth.login("admin")
    page = client.get(f"/admin/plans/grid?year={YEAR}").get_data(as_text=True)
    assert f'name="q-{g.ky_anh.id}-{g.btx.id}"' in page
    assert "Thành ủy Huế" not in page
    response = client.post(f"/admin/plans/grid?year={YEAR}", data={
        f"q-{g.ky_anh.id}-{g.btx.id}": "12", f"q-{g.cam_xuyen.id}-{g.btx.id}": "8",
        f"q-{g.cam_xuyen.id}-{g.ctx.id}": "5"}, follow_redirects=True)
    assert "3 ô thay đổi" in response.get_data(as_text=True)
    assert _quotas(app) == {(g.ky_anh.id, g.btx.id): 12, (g.cam_xuyen.id, g.btx.id): 8, (g.cam_xuyen.id, g.ctx.id): 5}
    html = response.get_data(as_text=True)
    assert re.search(r'<td class="text-end fw-bold">25</td>', html)  # the grand total


def test_each_row_and_column_shows_its_own_total(client, auth, grid):
    g = grid
    auth.login("admin")
    client.post(f"/admin/plans/grid?year={YEAR}", data={
        f"q-{g.ky_anh.id}-{g.btx.id}": "12", f"q-{g.cam_xuyen.id}-{g.btx.id}": "8",
        f"q-{g.cam_xuyen.id}-{g.ctx.id}": "5"})
    html = client.get(f"/admin/plans/grid?year={YEAR}").get_data(as_text=True)
    rows = {name: re.findall(r'<td class="text-end">(\d+)</td>', row)
            for name, row in re.findall(r"<tr><th scope=\"row\">(?:<a [^>]*>)?([^<]+)(.*?)</tr>", html, re.S)}
    assert rows["Đảng ủy xã Kỳ Anh"] == ["12"]
    assert rows["Đảng ủy xã Cẩm Xuyên"] == ["13"]
    assert rows[g.province.name + " "] == ["0"]
    footer = html.split("<tfoot>", 1)[1].split("</tfoot>", 1)[0]
    assert re.findall(r'<td class="text-end(?: fw-bold)?">(\d+)</td>', footer) == ["20", "5", "25"]


def test_a_bad_cell_saves_nothing_and_keeps_what_was_typed(app, client, auth, grid):
    g = grid
    auth.login("admin")
    response = client.post(f"/admin/plans/grid?year={YEAR}", data={
        f"q-{g.ky_anh.id}-{g.btx.id}": "12", f"q-{g.cam_xuyen.id}-{g.btx.id}": "-3"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Đảng ủy xã Cẩm Xuyên, BTX: chỉ tiêu phải là số nguyên không âm." in html
    assert 'value="12"' in html
    assert _quotas(app) == {}


@pytest.mark.parametrize("fmt", ["csv", "csv-vi", "xlsx"])
def test_the_grid_round_trips_through_a_file(app, client, auth, grid, fmt):
    g = grid
    auth.login("admin")
    client.post(f"/admin/plans/grid?year={YEAR}", data={f"q-{g.ky_anh.id}-{g.btx.id}": "12",
                                                        f"q-{g.cam_xuyen.id}-{g.ctx.id}": "5"})
    before = _quotas(app)
    exported = client.get(f"/admin/plans/grid.{fmt}?year={YEAR}").get_data()
    name = "ke-hoach.xlsx" if fmt == "xlsx" else "ke-hoach.csv"
    # Re-importing the file unchanged changes nothing.
    client.post(f"/admin/plans/grid/import?year={YEAR}", data={"file": (io.BytesIO(exported), name)},
                content_type="multipart/form-data")
    assert _quotas(app) == before
    # Edited in a spreadsheet: a quota raised, one cleared, one added.
    if fmt == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(exported))
        sheet = book.active
        rows = {r[0].value: r for r in sheet.iter_rows() if isinstance(r[0].value, int)}
        rows[g.ky_anh.id][2].value = 20
        rows[g.cam_xuyen.id][3].value = None
        rows[g.province.id][3].value = 4
        out = io.BytesIO()
        book.save(out)
        edited = out.getvalue()
    else:
        sep = ";" if fmt == "csv-vi" else ","
        lines = exported.decode("utf-8-sig").splitlines()
        edited_lines = []
        for line in lines:
            cells = line.split(sep)
            if cells[0] == str(g.ky_anh.id):
                cells[2] = "20"
            if cells[0] == str(g.cam_xuyen.id):
                cells[3] = ""
            if cells[0] == str(g.province.id):
                cells[3] = "4"
            edited_lines.append(sep.join(cells))
        edited = ("\ufeff" + "\r\n".join(edited_lines)).encode()
    response = client.post(f"/admin/plans/grid/import?year={YEAR}", data={"file": (io.BytesIO(edited), name)},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "3 ô thay đổi" in response.get_data(as_text=True)
    assert _quotas(app) == {(g.ky_anh.id, g.btx.id): 20, (g.province.id, g.ctx.id): 4}


def test_an_import_with_a_bad_line_writes_nothing_and_names_the_line(app, client, auth, grid):
    g = grid
    auth.login("admin")
    text = (f"ID đơn vị,Đơn vị,BTX,CTX\r\n{g.ky_anh.id},Kỳ Anh,7,\r\n{g.cam_xuyen.id},Cẩm Xuyên,bảy,\r\n"
            f"99999,Lạ,1,1\r\n")
    response = client.post(f"/admin/plans/grid/import?year={YEAR}",
                           data={"file": (io.BytesIO(text.encode()), "ke-hoach.csv")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Dòng 3, BTX: &#34;bảy&#34; không phải số nguyên không âm." in html
    assert "Dòng 4: đơn vị 99999 không thuộc bảng này." in html
    assert _quotas(app) == {}


@pytest.mark.parametrize(("name", "head"), [
    ("Bồi dưỡng cập nhật kiến thức, kỹ năng cho Tỉnh ủy viên", "Tỉnh ủy viên"),
    ("Bồi dưỡng cập nhật kiến thức, kỹ năng cho Giám đốc sở và thủ trưởng cơ quan chuyên môn cấp tỉnh",
     "Giám đốc sở và thủ trưởng cơ quan…"),
    ("Chương trình bồi dưỡng Chủ tịch UBND xã", "Chủ tịch UBND xã"),
    ("Bồi dưỡng", "Bồi dưỡng"),  # nothing after the lead-in: the name stays
    ("Lý luận chính trị", "Lý luận chính trị"),
])
def test_a_column_head_shows_what_tells_a_program_apart(name, head):
    from lms.delivery.plan_grid import short_name

    assert short_name(name) == head


def test_the_column_heads_name_each_program_with_its_code(client, auth, grid):
    auth.login("admin")
    page = client.get(f"/admin/plans/grid?year={YEAR}").get_data(as_text=True)
    assert '<abbr class="program-head" title="Bồi dưỡng Bí thư Đảng ủy xã">Bí thư Đảng ủy xã</abbr>' in page
    assert "BTX</span>" in page
    needs = client.get(f"/admin/plans/needs?year={YEAR}").get_data(as_text=True)
    assert 'title="Bồi dưỡng Chủ tịch UBND xã"><a href=' in needs
