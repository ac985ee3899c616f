"""Admins read completion figures for their own scope, drill down, filter, and see the people behind them."""
from __future__ import annotations

import re


def _row(html: str, label: str) -> list[str]:
    """The cells (numbers as text) of the breakdown row headed by `label`."""
    match = re.search(r"<tr>\s*<th scope=\"row\">(?:<a [^>]*>)?" + re.escape(label) + r"(?:</a>)?</th>(.*?)</tr>",
                      html, re.S)
    assert match, f"no row {label!r}"
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)]


def test_national_admin_sees_each_province_unit_with_its_whole_subtree(client, auth, nation):
    auth.login("tw.admin")
    html = client.get("/dashboards/").get_data(as_text=True)
    # total, completed, rate, in progress, not started, overdue
    assert _row(html, "Tỉnh ủy Hà Tĩnh") == ["4", "1", "25,0 %", "2", "1", "1"]
    assert _row(html, "Thành ủy Huế") == ["1", "1", "100,0 %", "0", "0", "0"]
    assert "<svg" in html
    assert 'role="img"' in html


def test_drilling_into_a_unit_splits_it_into_its_children_and_its_own_people(client, auth, nation):
    auth.login("tw.admin")
    html = client.get(f"/dashboards/?unit={nation.province.id}").get_data(as_text=True)
    assert _row(html, "Đảng ủy xã Kỳ Anh") == ["2", "1", "50,0 %", "1", "0", "1"]
    assert _row(html, "Đảng ủy xã Cẩm Xuyên") == ["1", "0", "0,0 %", "0", "1", "0"]
    assert _row(html, "Tỉnh ủy Hà Tĩnh (trực tiếp)") == ["1", "0", "0,0 %", "1", "0", "0"]
    assert "Thành ủy Huế" not in html
    drill = re.search(r'<th scope="row"><a href="/dashboards/\?([^"]*)">Đảng ủy xã Kỳ Anh</a>', html)
    assert drill
    assert f"unit={nation.commune_a.id}" in drill.group(1).split("&amp;")


def test_a_province_admin_sees_only_their_province_and_cannot_open_another(client, auth, nation):
    auth.login("ht.admin")
    html = client.get("/dashboards/").get_data(as_text=True)
    assert "Thành ủy Huế" not in html
    assert _row(html, "Đảng ủy xã Kỳ Anh")[0] == "2"
    assert client.get(f"/dashboards/?unit={nation.other.id}").status_code == 403
    assert client.get(f"/dashboards/people?unit={nation.other.id}").status_code == 403
    assert client.get(f"/dashboards/people.csv?unit={nation.other.id}").status_code == 403
    people = client.get("/dashboards/people.csv").get_data(as_text=True)
    assert "Phạm Thị Dung" not in people
    assert "Nguyễn Văn An" in people


def test_by_locality_goes_from_province_to_commune(client, auth, nation):
    auth.login("tw.admin")
    html = client.get("/dashboards/?by=locality").get_data(as_text=True)
    assert _row(html, "Tỉnh Hà Tĩnh")[:2] == ["4", "1"]
    assert _row(html, "Thành phố Huế")[:2] == ["1", "1"]
    html = client.get(f"/dashboards/?by=locality&province={nation.ha_tinh.id}").get_data(as_text=True)
    assert _row(html, "Xã Kỳ Anh")[:2] == ["2", "1"]
    assert _row(html, "Xã Cẩm Xuyên")[:2] == ["1", "0"]
    assert _row(html, "Tỉnh Hà Tĩnh (cấp tỉnh)")[:2] == ["1", "0"]
    assert "Thành phố Huế" not in html.split("<table")[1]


def test_by_title_program_and_year(client, auth, nation):
    auth.login("tw.admin")
    html = client.get("/dashboards/?by=title").get_data(as_text=True)
    assert _row(html, "Bí thư Đảng ủy xã") == ["3", "2", "66,7 %", "1", "0", "1"]
    assert _row(html, "Chủ tịch UBND xã")[:2] == ["1", "0"]
    html = client.get("/dashboards/?by=program").get_data(as_text=True)
    assert _row(html, "Bồi dưỡng Bí thư Đảng ủy xã")[:3] == ["4", "2", "50,0 %"]
    assert _row(html, "Kỹ năng lãnh đạo, quản lý")[:2] == ["1", "0"]
    html = client.get("/dashboards/?by=year").get_data(as_text=True)
    this_year = nation.today.year
    assert _row(html, str(this_year - 1))[:2] == ["1", "0"]
    assert _row(html, str(this_year))[:2] == ["4", "2"]


def test_filters_combine(client, auth, nation):
    auth.login("tw.admin")
    url = (f"/dashboards/?by=unit&unit={nation.province.id}&program={nation.basics.id}"
           f"&title={nation.secretary.id}&year={nation.today.year}")
    html = client.get(url).get_data(as_text=True)
    assert _row(html, "Đảng ủy xã Kỳ Anh") == ["1", "1", "100,0 %", "0", "0", "0"]
    assert "Đảng ủy xã Cẩm Xuyên" not in html.split("<table")[1]
    html = client.get(f"/dashboards/?by=program&commune={nation.ky_anh.id}&province={nation.ha_tinh.id}")
    html = html.get_data(as_text=True)
    assert _row(html, "Kỹ năng lãnh đạo, quản lý") == ["1", "0", "0,0 %", "1", "0", "1"]


def test_each_figure_links_to_the_people_behind_it(client, auth, nation):
    auth.login("tw.admin")
    html = client.get(f"/dashboards/?unit={nation.province.id}").get_data(as_text=True).replace("&amp;", "&")
    pattern = r'href="(/dashboards/people\?[^"]*unit=' + str(nation.commune_a.id) + r'[^"]*status=overdue[^"]*)"'
    overdue_link = re.search(pattern, html)
    assert overdue_link
    people = client.get(overdue_link.group(1)).get_data(as_text=True)
    assert "Nguyễn Văn An" in people
    assert "Kỹ năng lãnh đạo, quản lý" in people
    assert "Bồi dưỡng Bí thư Đảng ủy xã" not in people.split("<tbody>")[1]
    assert "Trần Thị Bình" not in people


def test_people_list_is_paginated(client, auth, make, nation):
    for n in range(55):
        person = make.user(f"hv.extra{n:02d}", full_name=f"Vũ Văn Thêm {n:02d}", unit=nation.commune_b)
        make.program_status(person, nation.skills, "not_started")
    auth.login("tw.admin")
    first = client.get("/dashboards/people?status=not_started").get_data(as_text=True)
    assert "56 lượt" in first
    assert "Trang 1 / 2" in first
    assert first.count("<th scope=\"row\">") == 50
    second = client.get("/dashboards/people?status=not_started&page=2").get_data(as_text=True)
    assert second.count("<th scope=\"row\">") == 6


def test_trend_table_counts_completions_by_month(client, auth, nation):
    auth.login("tw.admin")
    html = client.get("/dashboards/").get_data(as_text=True)
    month = nation.recently.strftime("%m/%Y")
    assert re.search(rf'<th scope="row">{re.escape(month)}</th><td class="text-end">2</td>', html)
    assert html.count("<polyline") == 1


def test_trainees_and_lecturers_may_not_open_the_dashboard(client, auth, make):
    make.user("hv.only")
    make.lecturer("gv.only")
    for username in ("hv.only", "gv.only"):
        auth.login(username)
        assert client.get("/dashboards/").status_code == 403
        assert client.get("/dashboards/people.xlsx").status_code == 403
        auth.logout()
