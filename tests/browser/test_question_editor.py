"""In a real browser, at 1280 px and on a 360 px phone: a lecturer writes one question of each kind in the app,
with feedback and weights, previews it as the trainee sees it and reorders the quiz; a trainee then takes it."""
import pytest

from tests.browser.conftest import assert_accessible, sign_in


def _new(page, module_id, kind):
    page.goto(f"/learning/manage/modules/{module_id}")
    page.get_by_role("link", name=f"Thêm câu {kind}").click()
    page.wait_for_load_state()


def _answer(page, n, text, weight=None, feedback=None):
    page.get_by_label(f"Đáp án {n}", exact=True).fill(text)
    if weight is not None:
        page.get_by_label(f"Điểm của đáp án {n}").fill(str(weight))
    if feedback:
        page.get_by_label(f"Phản hồi của đáp án {n}").fill(feedback)


def _save(page):
    page.get_by_role("button", name="Lưu câu hỏi").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Học viên sẽ thấy").is_visible()


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_a_lecturer_writes_each_kind_of_question_and_a_trainee_takes_the_quiz(viewport, request, make):
    page = request.getfixturevalue(viewport)
    title = make.title("Bí thư chi bộ")
    make.lecturer("giangvien")
    make.user("hocvien", held=[title])
    module = make.module(title="Công tác xây dựng chi bộ")
    make.program(name="Bồi dưỡng Bí thư chi bộ", titles=[title], modules=[module])
    sign_in(page, "giangvien")

    _new(page, module.id, "một lựa chọn")
    page.get_by_label("Nội dung câu hỏi").fill("Chi bộ sinh hoạt thường kỳ bao lâu một lần?")
    _answer(page, 1, "Mỗi tháng một lần", 100, "Đúng theo Điều lệ.")
    _answer(page, 2, "Mỗi năm một lần", 0)
    assert_accessible(page)
    _save(page)
    assert page.get_by_label("Mỗi tháng một lần").is_visible()  # the preview, as the trainee sees it
    assert_accessible(page)

    _new(page, module.id, "nhiều lựa chọn")
    page.get_by_label("Nội dung câu hỏi").fill("Nội dung nào thuộc xây dựng Đảng?")
    _answer(page, 1, "Về chính trị", 50)
    _answer(page, 2, "Về tổ chức", 40)
    _answer(page, 3, "Kinh doanh", -100)
    page.get_by_role("button", name="Lưu câu hỏi").click()
    page.wait_for_load_state()
    assert page.get_by_text("Câu nhiều lựa chọn cần ít nhất hai phương án đúng, trọng số cộng lại 100%.").is_visible()
    page.get_by_label("Điểm của đáp án 2").fill("50")  # what was typed is still there
    _save(page)

    _new(page, module.id, "đúng/sai")
    page.get_by_label("Nội dung câu hỏi").fill("Chi bộ là hạt nhân chính trị ở cơ sở.")
    page.get_by_label("Đúng", exact=True).check()
    page.get_by_label("Phản hồi khi học viên chọn Sai").fill("Xem lại Điều lệ Đảng.")
    page.get_by_label("Phản hồi chung, hiện cùng kết quả").fill("Điều 21 Điều lệ Đảng.")
    _save(page)

    _new(page, module.id, "trả lời ngắn")
    page.get_by_label("Nội dung câu hỏi").fill("Viết tắt của lý luận chính trị là gì?")
    _answer(page, 1, "LLCT")
    _save(page)

    page.goto(f"/learning/manage/modules/{module.id}")
    page.get_by_role("button", name="Chuyển câu 4 lên").click()
    page.wait_for_load_state()
    items = page.locator("ol > li[id^=question-]").all_inner_texts()
    assert "Viết tắt" in items[2]
    assert "hạt nhân" in items[3]
    assert_accessible(page)
    page.context.clear_cookies()  # sign out (on a phone the button is in the folded menu)

    sign_in(page, "hocvien")
    page.goto(f"/learning/modules/{module.id}/quiz")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    page.wait_for_load_state()
    page.get_by_label("Mỗi tháng một lần").check()
    page.get_by_label("Về chính trị").check()
    page.get_by_label("Về tổ chức").check()
    page.get_by_label("Câu trả lời").fill("llct")
    page.get_by_label("Đúng", exact=True).check()
    assert_accessible(page)
    page.get_by_role("button", name="Nộp bài").click()
    page.wait_for_load_state()
    assert page.get_by_text("Điểm: 10,0/10").is_visible()
    assert page.get_by_text("Điều 21 Điều lệ Đảng.").is_visible()
