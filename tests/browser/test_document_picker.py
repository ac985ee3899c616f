"""In a real browser, at 1280 px and on a 360 px phone: the cited documents are a searchable checklist (one click
adds or removes one citation, diacritics ignored), and a citation goes into the lesson where the cursor is."""
import pytest
import sqlalchemy as sa

from lms.curriculum.models import ModuleRevision
from lms.extensions import db
from tests.browser.conftest import assert_accessible, sign_in


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_a_lecturer_picks_citations_one_at_a_time_and_inserts_one_in_a_lesson(viewport, request, make, app):
    page = request.getfixturevalue(viewport)
    make.lecturer("giangvien")
    old = make.document("05-CT/TW", kind="directive", number="05", title="Về đẩy mạnh học tập và làm theo Bác")
    make.document("32-NQ/TW", number="32", title="Về đổi mới công tác bồi dưỡng cán bộ")
    make.document("21-KL/TW", kind="conclusion", number="21", title="Về đẩy mạnh xây dựng, chỉnh đốn Đảng")
    module = make.module("HP-PICK", documents=[old], lessons=[
        {"key": "bai-1", "title": "Bài 1", "body_md": "Theo văn bản  nói trên.", "minutes": 10}])
    sign_in(page, "giangvien")
    page.goto(f"/author/modules/{module.id}/edit")
    search = page.get_by_label("Tìm văn bản theo số, ký hiệu hoặc tên (gõ không dấu được)")
    search.fill("chinh don dang")
    assert page.get_by_label("21-KL/TW — Về đẩy mạnh xây dựng, chỉnh đốn Đảng").is_visible()
    assert not page.get_by_label("32-NQ/TW — Về đổi mới công tác bồi dưỡng cán bộ").is_visible()
    page.get_by_label("21-KL/TW — Về đẩy mạnh xây dựng, chỉnh đốn Đảng").check()  # one click, one citation
    assert page.get_by_text("Đã chọn 2 văn bản").is_visible()
    search.fill("nq32")
    assert page.get_by_label("32-NQ/TW — Về đổi mới công tác bồi dưỡng cán bộ").is_visible()
    body = page.get_by_label("Nội dung").first
    body.click()
    body.evaluate("el => el.setSelectionRange(13, 13)")  # between the two spaces after "Theo văn bản"
    body.blur()
    page.locator("[data-document]", has_text="32-NQ/TW").get_by_role("button", name="Chèn vào bài").click()
    assert body.input_value().startswith("Theo văn bản [32-NQ/TW](/documents/")
    assert body.input_value().endswith(" nói trên.")
    search.fill("")
    page.get_by_label("05-CT/TW — Về đẩy mạnh học tập và làm theo Bác").uncheck()
    assert_accessible(page)
    page.get_by_role("button", name="Lưu bản nháp").click()
    page.wait_for_load_state()
    with app.app_context():
        draft = db.session.scalar(sa.select(ModuleRevision).where(ModuleRevision.module_id == module.id,
                                                                  ModuleRevision.number.is_(None)))
        assert sorted(d.code for d in draft.documents) == ["21-KL/TW", "32-NQ/TW"]
        assert "[32-NQ/TW](/documents/" in draft.lessons[0].body_md
