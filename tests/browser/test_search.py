"""A trainee searches from the navigation, on a desktop and on a phone; the results page is accessible."""
from datetime import date

from tests.browser.conftest import assert_accessible, sign_in


def _content(make):
    make.user("hocvien")
    make.indexed_document("32-NQ/TW", title="Về tiếp tục đổi mới, nâng cao chất lượng đào tạo lý luận chính trị")
    make.indexed_module("Xây dựng Đảng", summary="Công tác xây dựng Đảng ở cơ sở.", lessons=[
        ("Nghị quyết của Đảng đi vào cuộc sống", "Học tập, quán triệt **Nghị quyết** của Đảng."),
    ])


def test_search_from_the_navigation(page, make):
    _content(make)
    sign_in(page, "hocvien")
    page.get_by_label("Tìm bài học, học phần, văn bản").first.fill("nghi quyet dang")
    page.get_by_label("Tìm bài học, học phần, văn bản").first.press("Enter")
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Tìm kiếm", level=1).is_visible()
    assert page.get_by_text("Kết quả cho «nghi quyet dang»: 1").is_visible()
    assert page.locator("mark", has_text="Đảng").first.is_visible()
    assert_accessible(page)
    page.get_by_label("Tìm bài học, học phần, văn bản").last.fill("32/nq-tw")
    page.get_by_role("button", name="Tìm").last.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="32-NQ/TW — Về tiếp tục đổi mới").is_visible()
    assert_accessible(page)


def _search_on_a_phone(phone_page, q):
    """Sign in as hocvien, open the menu and search from the navigation box."""
    sign_in(phone_page, "hocvien")
    phone_page.get_by_role("button", name="Mở menu").click()
    box = phone_page.get_by_label("Tìm bài học, học phần, văn bản")
    box.fill(q)
    box.press("Enter")
    phone_page.wait_for_load_state()


def test_search_on_a_360px_phone(phone_page, make):
    _content(make)
    _search_on_a_phone(phone_page, "xay dung")
    assert phone_page.get_by_text("Kết quả cho «xay dung»: 1").is_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(phone_page)


def test_a_lecturer_sees_drafts_marked_and_opens_one_for_editing(page, make):
    _content(make)
    make.lecturer("giangvien")
    module = make.indexed_module("Chuyển đổi số", lessons=[("Dữ liệu số", "Nội dung.")])
    make.indexed_revision(module, title="Chuyển đổi số", publish=False,
                          lessons=[("Dữ liệu số", "Nội dung."), ("Chính quyền số ở xã", "Nháp.")])
    sign_in(page, "giangvien")
    page.goto("/search?q=chinh+quyen+so")
    assert page.get_by_text("Bản nháp").is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Chính quyền số ở xã").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/author/modules/{module.id}/edit")


def test_a_trainee_opens_a_document_found_by_its_code_on_a_360px_phone(phone_page, make):
    make.user("hocvien")
    old = make.document("164-QĐ/TW", kind="regulation", number="164", issued_on=date(2013, 2, 1),
                        title="Quy định chế độ bồi dưỡng cập nhật kiến thức")
    make.document("145-QĐ/TW", kind="regulation", number="145", issued_on=date(2024, 5, 10),
                  title="Quy định về chế độ bồi dưỡng, cập nhật kiến thức, kỹ năng", relations=[("supersedes", old)])
    _search_on_a_phone(phone_page, "qd164")
    result = phone_page.get_by_role("link", name="164-QĐ/TW — Quy định chế độ bồi dưỡng")
    assert result.is_visible()
    assert_accessible(phone_page)
    result.click()
    phone_page.wait_for_load_state()
    assert phone_page.get_by_role("heading", level=1, name="164-QĐ/TW").is_visible()
    assert phone_page.get_by_text("Đã bị thay thế").first.is_visible()
    assert phone_page.get_by_text("Bị thay thế bởi").is_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(phone_page)
    phone_page.get_by_role("link", name="145-QĐ/TW").click()
    phone_page.wait_for_load_state()
    assert phone_page.get_by_text("Còn hiệu lực").is_visible()
    assert phone_page.get_by_text("10/05/2024").is_visible()
