"""Phrases typed without diacritics rank first, snippets show them, and document codes are found however
typed. The suite runs on SQLite and PostgreSQL; the orders asserted here hold on both.
"""
from pathlib import Path

import pytest

from lms.organisation.models import LocalityKind
from lms.search import services

SHIPPED = Path(__file__).resolve().parents[2] / "content"


def titles(page):
    return [hit.obj.code if hit.kind == "document" else hit.obj.title for hit in page.hits]


@pytest.fixture
def trainee(ctx, make):
    return make.user("hocvien")


FILLER = "Học viên đọc tài liệu, thảo luận nhóm và liên hệ với công việc của đơn vị mình. " * 6


def test_words_next_to_each_other_rank_above_the_same_words_scattered(trainee, make):
    make.indexed_module("Giáo dục truyền thống", lessons=[
        ("Công tác thanh niên", "Đoàn thanh niên có kế hoạch công tác cơ sở, cổ vũ phong trào."),
        ("Di tích của tỉnh", "Thành phố có nhiều di tích cổ và nhiều công trình văn hóa."),
        ("Chuyến đi thực tế", FILLER + "Dâng hương tại Thành cổ Quảng Trị, nghe giới thiệu về 81 ngày đêm. "
         + FILLER),
    ])
    found = services.search(trainee, "thanh co")
    assert titles(found)[0] == "Chuyến đi thực tế"
    assert set(titles(found)) == {"Chuyến đi thực tế", "Công tác thanh niên", "Di tích của tỉnh"}
    snippet = str(found.hits[0].snippet)
    assert "<mark>Thành</mark> <mark>cổ</mark> Quảng Trị" in snippet
    assert snippet.startswith("… ")  # a window of a long text, around the phrase
    assert snippet.endswith(" …")
    assert "<mark>công</mark>" not in snippet.lower()  # "co" is a whole word here, not a prefix of "công"


def test_a_phrase_in_a_title_ranks_above_one_in_a_body_and_both_above_scattered_words(trainee, make):
    make.indexed_module("Tỉnh Quảng Trị sau sắp xếp", summary="Địa giới và đơn vị hành chính.", lessons=[
        ("Lịch sử cách mạng", "Quảng Trị là vùng đất tuyến lửa. Quảng Trị có Thành cổ. Quảng Trị anh hùng."),
        ("Trị thủy ở Quảng Bình", "Công tác trị thủy, phòng chống lũ của tỉnh Quảng Bình."),
        ("Vùng đất Quảng Trị", "Địa bàn, dân cư."),
    ])
    found = services.search(trainee, "quang tri")
    assert set(titles(found)[:2]) == {"Tỉnh Quảng Trị sau sắp xếp", "Vùng đất Quảng Trị"}
    assert titles(found)[2:] == ["Lịch sử cách mạng", "Trị thủy ở Quảng Bình"]
    assert "<mark>Quảng</mark> <mark>Trị</mark>" in str(found.hits[0].title)
    assert "<mark>Quảng</mark> <mark>Trị</mark> là vùng đất" in str(found.hits[2].snippet)


def test_longer_phrases_beat_partial_ones_and_near_words_beat_distant_ones(trainee, make):
    make.indexed_module("Học phần", lessons=[
        ("Bài A", "Đảng viên dựng nhà. " + FILLER + "Xây trường học."),  # scattered
        ("Bài B", "Xây dựng, chỉnh đốn Đảng là nhiệm vụ then chốt."),  # part of the phrase, Đảng near it
        ("Bài C", "Nhiệm vụ xây dựng Đảng trong sạch, vững mạnh."),  # the whole phrase
        ("Bài D", "Đảng lãnh đạo công tác xây dựng chính quyền."),  # part of the phrase, Đảng far from it
    ])
    assert titles(services.search(trainee, "xay dung dang")) == ["Bài C", "Bài B", "Bài D", "Bài A"]


def test_words_in_the_order_typed_rank_above_the_same_words_reversed(trainee, make):
    make.indexed_module("Học phần", lessons=[
        ("Bài một", "Viên chức của Đảng."),
        ("Bài hai", "Đảng viên gương mẫu."),
        ("Bài ba", "Đảng bộ tỉnh. " + FILLER + "Viên chức xã."),
    ])
    assert titles(services.search(trainee, "dang vien")) == ["Bài hai", "Bài một", "Bài ba"]
    # Reversed, next to each other is near too: as near as two words apart.
    assert titles(services.search(trainee, "vien dang"))[2] == "Bài ba"


def test_a_phrase_does_not_run_across_the_end_of_a_sentence(trainee, make):
    make.indexed_module("Học phần", lessons=[
        ("Bài một", "Học tập nghị quyết. Đảng viên gương mẫu."),
        ("Bài hai", "Nghị quyết Đảng bộ tỉnh."),
    ])
    assert titles(services.search(trainee, "quyet dang")) == ["Bài hai", "Bài một"]


def test_snippets_are_centred_on_the_phrase_and_escaped(trainee, make):
    body = ("Đảng bộ tỉnh lãnh đạo. " * 12 + "Phát huy dân chủ ở cơ sở, `<script>alert(1)</script>` "
            "theo phương châm dân biết, dân bàn. " + "Tổng kết thực tiễn. " * 20)
    make.indexed_module("Học phần", lessons=[("Dân chủ cơ sở", body)])
    snippet = str(services.search(trainee, "dan chu o co so").hits[0].snippet)
    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet
    phrase = "<mark>dân</mark> <mark>chủ</mark> <mark>ở</mark> <mark>cơ</mark> <mark>sở</mark>"
    assert phrase in snippet
    before, after = snippet.split(phrase)
    assert abs(len(before) - len(after)) < 120  # the phrase stands in the middle of the window


CODE_SPELLINGS = {
    "32-NQ/TW": ["NQ32", "nq32", "nq-32", "32NQ", "NQ 32", "32-NQ/TW", "nq32tw"],
    "145-QĐ/TW": ["QĐ145", "qd145", "Qđ-145", "145QĐ", "145-QĐ/TW"],
    "09-KL/TW": ["KL09", "kl9", "9-KL"],
    "19/2025/QĐ-TTg": ["QĐ19", "qd19ttg"],
}


@pytest.mark.parametrize(("code", "q"), [(code, q) for code, qs in CODE_SPELLINGS.items() for q in qs])
def test_document_codes_typed_without_separators_are_found_first(trainee, make, code, q):
    make.indexed_document("32-NQ/TW", title="Về đổi mới đào tạo lý luận chính trị")
    make.indexed_document("145-QĐ/TW", kind="regulation", title="Quy định về bồi dưỡng cập nhật kiến thức")
    make.indexed_document("164-QĐ/TW", kind="regulation", title="Quy định chế độ bồi dưỡng (nay thay bằng QĐ 145)")
    make.indexed_document("09-KL/TW", kind="conclusion", title="Kết luận về tương đương trình độ")
    make.indexed_document("19/2025/QĐ-TTg", kind="decision", issuer="Thủ tướng Chính phủ",
                          title="Quyết định về chuyển đổi số")
    make.indexed_document("35-NQ/TW", title="Nghị quyết 32 năm sau")
    make.indexed_module("Học phần", lessons=[("Bối cảnh", "Tinh thần Nghị quyết 32-NQ/TW và Quy định 145-QĐ/TW.")])
    found = services.search(trainee, q)
    assert found.hits, q
    assert found.hits[0].kind == "document", (q, titles(found))
    assert found.hits[0].obj.code == code, (q, titles(found))


def test_a_code_typed_without_separator_is_marked_in_the_title(trainee, make):
    make.indexed_document("145-QĐ/TW", kind="regulation", title="Quy định về bồi dưỡng")
    found = services.search(trainee, "qd145")
    assert titles(found) == ["145-QĐ/TW"]
    assert str(found.hits[0].title).startswith("<mark>145</mark>-<mark>QĐ</mark>/TW")


# --- the reference content ---------------------------------------------------------------------------------

@pytest.fixture
def reference_content(app, make, runner):
    province = make.locality("Quảng Trị", code="44", kind=LocalityKind.PROVINCE)
    for code in ("19360", "19432", "19429", "19594", "18904"):
        make.locality(f"Xã {code}", code=code, parent=province)
    result = runner.invoke(args=["lms", "content", "import", str(SHIPPED)])
    assert result.exit_code == 0, result.output


def test_the_reference_content_thanh_co_finds_the_passages_about_the_citadel_first(
        reference_content, trainee):
    found = services.search(trainee, "thanh co")
    first = found.hits[:3]
    assert {h.kind for h in first} <= {"lesson", "module"}
    assert {h.obj.title for h in first} == {
        "Đi thực tế theo chuyên đề - Thành cổ Quảng Trị và đôi bờ Hiền Lương - Bến Hải",
        "Vùng đất tuyến lửa - những dấu mốc lịch sử",
        "Mục đích, kế hoạch và yêu cầu của chuyến đi thực tế",
    }
    for hit in first:
        assert "<mark>Thành</mark> <mark>cổ</mark>" in str(hit.snippet), hit.obj.title


def test_the_reference_content_quang_tri_finds_the_titles_naming_it_first(reference_content, trainee):
    found = services.search(trainee, "quang tri")
    named = [h for h in found.hits if "Quảng Trị" in h.obj.title]
    assert len(named) >= 5
    assert found.hits[:len(named)] == named  # every title naming Quảng Trị comes before the others
    for hit in named:
        assert "<mark>Quảng</mark> <mark>Trị</mark>" in str(hit.title)
    for hit in found.hits[:4]:
        assert "<mark>Quảng</mark> <mark>Trị</mark>" in str(hit.snippet), hit.obj.title
