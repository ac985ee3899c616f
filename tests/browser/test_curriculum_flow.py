"""A lecturer writes, previews, publishes and compares a module; a trainee reads their curriculum."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in


def test_author_edits_previews_publishes_and_compares(page, make):
    make.lecturer("giangvien")
    make.document("32-NQ/TW", title="Về tiếp tục đổi mới công tác tổ chức")
    sign_in(page, "giangvien")
    page.get_by_role("link", name="Học phần").first.click()
    assert_accessible(page)
    page.get_by_role("link", name="Tạo học phần").click()
    page.get_by_label("Mã học phần").fill("HP-XDD")
    page.get_by_label("Loại học phần").select_option("self_study")
    page.get_by_label("Tên học phần").fill("Xây dựng Đảng về đạo đức")
    assert_accessible(page)
    page.get_by_role("button", name="Tạo học phần").click()
    expect(page.get_by_text("Đã tạo học phần HP-XDD")).to_be_visible()

    with page.expect_navigation(wait_until="load"):  # the preview script is attached once the page has loaded
        page.get_by_role("button", name="Thêm bài học").click()
    page.locator("#lessons-0-title").fill("Chuẩn mực đạo đức cách mạng")
    body = page.locator("#lessons-0-body_md")
    body.fill("## Cần, kiệm, liêm, chính\n\nNêu **gương** trước.\n\n<script>alert(1)</script>")
    preview = page.locator('[data-preview-for="lessons-0-body_md"]')
    expect(preview.locator("h2")).to_have_text("Cần, kiệm, liêm, chính")  # live preview, nothing saved yet
    expect(preview.locator("strong")).to_have_text("gương")
    assert preview.locator("script").count() == 0
    page.get_by_label("32-NQ/TW — Về tiếp tục đổi mới công tác tổ chức").check()  # the picker: one box a document
    assert_accessible(page)
    page.get_by_role("button", name="Lưu bản nháp").click()
    expect(page.get_by_text("Đã lưu bản nháp.")).to_be_visible()

    page.get_by_role("link", name="Xuất bản…").click()
    assert_accessible(page)
    page.get_by_label("Tóm tắt thay đổi").fill("Bản đầu tiên")
    page.get_by_role("button", name="Xuất bản").click()
    expect(page.get_by_text("Đã xuất bản phiên bản 1")).to_be_visible()

    # second revision: change the text, check the Preview button without JavaScript's help too
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="Soạn thảo").click()
    page.locator("#lessons-0-body_md").fill("## Cần, kiệm, liêm, chính, chí công vô tư\n\nNêu **gương** trước.")
    page.get_by_role("button", name="Xem trước").click()
    expect(page.locator('[data-preview-for="lessons-0-body_md"] h2')).to_have_text(
        "Cần, kiệm, liêm, chính, chí công vô tư")
    page.get_by_role("button", name="Lưu bản nháp").click()
    page.get_by_role("link", name="Xuất bản…").click()
    expect(page.locator("del").first).to_be_visible()
    page.get_by_label("Tóm tắt thay đổi").fill("Bổ sung chí công vô tư")
    page.get_by_label("Học viên đã hoàn thành phải học lại phần thay đổi").check()
    page.get_by_role("button", name="Xuất bản").click()
    expect(page.get_by_text("Đã xuất bản phiên bản 2")).to_be_visible()
    assert_accessible(page)  # history

    page.get_by_role("button", name="So sánh").click()
    expect(page.get_by_role("heading", name=re.compile("So sánh phiên bản 1 với phiên bản 2"))).to_be_visible()
    expect(page.locator("ins", has_text="chí công vô tư")).to_be_visible()
    expect(page.locator("del", has_text="## Cần, kiệm, liêm, chính")).to_be_visible()
    assert_accessible(page)


def test_trainee_reads_their_curriculum_on_a_phone(phone_page, page, make):
    province = make.locality("Quảng Trị")
    title = make.title("Bí thư Đảng ủy xã")
    doc = make.document("21-NQ/TW", title="Về tăng cường củng cố tổ chức cơ sở đảng")
    general = make.module("HP-01", title="Nâng cao năng lực lãnh đạo của cấp ủy cơ sở", documents=[doc],
                          lessons=[{"title": "Vai trò của cấp ủy", "body_md": "Cấp ủy là **hạt nhân** lãnh đạo."},
                                   {"title": "Phương pháp lãnh đạo", "body_md": "- Nêu gương\n- Dân chủ"}])
    local = make.module("HP-QT", title="Phát triển kinh tế biển Quảng Trị", kind="local_topic",
                        localities=[province])
    make.program("CT-BTX", name="Bồi dưỡng Bí thư Đảng ủy xã", titles=[title], modules=[general, (local, False, 60)])
    make.user("hocvien", unit=make.unit(locality=province), held=[title])
    for p in (page, phone_page):
        sign_in(p, "hocvien")
        p.goto("/my/curriculum")
        expect(p.get_by_role("heading", name="Bồi dưỡng Bí thư Đảng ủy xã")).to_be_visible()
        items = p.locator("ol.list-group li")
        expect(items.first).to_contain_text("Phát triển kinh tế biển Quảng Trị")
        assert_accessible(p)
        assert p.evaluate("document.documentElement.scrollWidth") <= p.viewport_size["width"]
        p.get_by_role("link", name="Nâng cao năng lực lãnh đạo của cấp ủy cơ sở").click()
        expect(p.get_by_text("21-NQ/TW")).to_be_visible()
        expect(p.get_by_text("Còn hiệu lực")).to_be_visible()
        assert_accessible(p)
        p.get_by_role("link", name="Vai trò của cấp ủy").click()
        expect(p.locator(".lesson-body strong")).to_have_text("hạt nhân")
        assert_accessible(p)
        assert p.evaluate("document.documentElement.scrollWidth") <= p.viewport_size["width"]
        p.get_by_role("link", name=re.compile("Phương pháp lãnh đạo")).click()
        expect(p.get_by_role("heading", name="Phương pháp lãnh đạo")).to_be_visible()


def test_author_reorders_lessons_with_the_move_buttons(page, make, app):
    import sqlalchemy as sa

    from lms.curriculum.models import Lesson, ModuleRevision
    from lms.extensions import db

    make.lecturer("giangvien")
    module = make.module("HP-01", lessons=[{"title": "Bài Một", "body_md": "1"}, {"title": "Bài Hai", "body_md": "2"}])
    sign_in(page, "giangvien")
    page.goto(f"/author/modules/{module.id}/edit", wait_until="load")
    second = page.locator(".lesson-fields").nth(1)
    second.get_by_role("button", name="Chuyển lên").click()
    expect(page.locator(".lesson-fields").first.locator("#lessons-1-title")).to_have_value("Bài Hai")
    page.get_by_role("button", name="Lưu bản nháp").click()
    expect(page.get_by_text("Đã lưu bản nháp.")).to_be_visible()
    with app.app_context():
        titles = db.session.scalars(sa.select(Lesson.title).join(ModuleRevision)
                                    .where(ModuleRevision.number.is_(None)).order_by(Lesson.position)).all()
    assert titles == ["Bài Hai", "Bài Một"]
