"""An admin reads the completion dashboard in a real browser, drills down and downloads an export."""
from tests.browser.conftest import assert_accessible, sign_in
from tests.dashboards.conftest import nation  # noqa: F401  (the shared small nation)


def test_dashboard_drill_down_and_people_pass_the_accessibility_check(page, nation):  # noqa: F811
    sign_in(page, "tw.admin")
    page.get_by_role("link", name="Theo dõi hoàn thành").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Theo dõi hoàn thành chương trình").is_visible()
    assert page.locator("svg.lms-chart[role=img]").count() == 2
    assert page.get_by_role("rowheader", name="Tỉnh ủy Hà Tĩnh").is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Tỉnh ủy Hà Tĩnh").click()
    page.wait_for_load_state()
    assert page.get_by_role("rowheader", name="Đảng ủy xã Kỳ Anh").is_visible()
    assert page.get_by_role("rowheader", name="Thành ủy Huế").count() == 0
    assert page.locator("nav ol.breadcrumb").get_by_text("Ban Tổ chức Trung ương").is_visible()
    assert_accessible(page)

    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Đảng ủy xã Kỳ Anh"))
    row.get_by_role("cell").nth(5).get_by_role("link").click()  # the overdue figure
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Danh sách học viên: Quá hạn").is_visible()
    assert page.get_by_text("Nguyễn Văn An").is_visible()
    assert_accessible(page)


def test_filters_combine_in_the_form(page, nation):  # noqa: F811
    sign_in(page, "tw.admin")
    page.goto("/dashboards/?by=program")
    page.get_by_label("Chức danh").select_option(label="Bí thư Đảng ủy xã")
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_load_state()
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Bồi dưỡng Bí thư Đảng ủy xã"))
    assert row.get_by_role("cell").first.inner_text() == "2"


def test_an_export_downloads_as_csv_with_a_bom(page, nation, tmp_path):  # noqa: F811
    sign_in(page, "tw.admin")
    page.goto(f"/dashboards/?unit={nation.province.id}")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").first.click()
    target = tmp_path / download.value.suggested_filename
    download.value.save_as(target)
    assert target.name.endswith(".csv")
    body = target.read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")
    assert "Đảng ủy xã Kỳ Anh,2,1,50.0%,1,0,1" in body.decode("utf-8-sig")  # the rate as the XLSX shows it


def test_the_dashboard_fits_a_360px_phone(phone_page, nation):  # noqa: F811
    sign_in(phone_page, "tw.admin")
    phone_page.goto("/dashboards/")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    box = phone_page.locator("svg.lms-chart").first.bounding_box()
    assert 250 <= box["width"] <= 360
    assert_accessible(phone_page)
