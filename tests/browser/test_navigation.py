"""The main menu by role: grouped dropdowns on one line at 1280 px, breadcrumbs on staff pages."""
from lms.accounts.models import Role
from tests.browser.conftest import assert_accessible, sign_in

ONE_LINE = """() => {
  const items = [...document.querySelectorAll('#main-nav > ul > li, .navbar-brand, #nav-bell')]
    .filter(el => el.offsetParent !== null);
  const links = [...document.querySelectorAll('#main-nav > ul > li > .nav-link, #main-nav > ul > li > form .nav-link')];
  const tops = items.map(el => Math.round(el.getBoundingClientRect().top + el.getBoundingClientRect().height / 2));
  const style = a => getComputedStyle(a);
  const oneLine = a => parseFloat(style(a).lineHeight) * 1.5 + parseFloat(style(a).paddingTop)
                       + parseFloat(style(a).paddingBottom);
  return {
    nav: document.querySelector('nav.navbar').getBoundingClientRect().height,
    spread: Math.max(...tops) - Math.min(...tops),
    wrapped: links.filter(a => a.getBoundingClientRect().height > oneLine(a)).map(a => a.textContent.trim()),
    labels: links.map(a => a.textContent.trim()),
  };
}"""


def test_the_staff_menu_fits_one_line_at_1280px_and_groups_by_role(page, make, tmp_path):
    make.user("all", roles=(Role.TRAINEE, Role.LECTURER, Role.ADMIN), full_name="Nguyễn Thị Phương Thảo Hoàng")
    sign_in(page, "all")
    page.goto("/author/modules")
    page.screenshot(path=str(tmp_path / "menu-1280.png"))
    measured = page.evaluate(ONE_LINE)
    assert measured["spread"] <= 4, measured  # every item on the same line
    assert measured["nav"] < 70, measured  # one line high
    assert measured["wrapped"] == [], measured  # no label broken over two lines
    for group in ("Học tập", "Giảng dạy", "Quản lý", "Báo cáo"):
        assert group in measured["labels"]
    page.get_by_role("button", name="Giảng dạy").click()
    page.get_by_role("link", name="Rà soát").click()
    page.wait_for_url("**/reviews")
    crumbs = page.get_by_role("navigation", name="Đường dẫn")
    assert "Giảng dạy" in crumbs.inner_text()
    assert "Rà soát" in crumbs.inner_text()
    assert_accessible(page)


def test_a_trainee_sees_only_the_study_menu(page, make):
    make.user("hv")
    sign_in(page, "hv")
    labels = page.evaluate(ONE_LINE)["labels"]
    assert "Học tập" in labels
    assert "Giảng dạy" not in labels
    assert "Quản lý" not in labels
    page.get_by_role("button", name="Học tập").click()
    assert page.locator("#main-nav").get_by_role("link", name="Chương trình học của tôi").is_visible()


def test_a_staff_page_below_a_menu_entry_has_a_breadcrumb_back_to_it(page, make):
    make.lecturer("gv")
    module = make.module("HP-NAV")
    sign_in(page, "gv")
    page.goto(f"/author/modules/{module.id}/history")
    crumbs = page.get_by_role("navigation", name="Đường dẫn")
    crumbs.get_by_role("link", name="Học phần").click()
    page.wait_for_url("**/author/modules")
