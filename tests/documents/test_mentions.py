"""Finding a document in running text however it is written, and marking it safely."""
import pytest

from lms.documents.mentions import find_mentions, highlight, passages
from lms.documents.models import Document


def _doc(code="05-CT/TW", kind="directive"):
    return Document(code=code, kind=kind, number=code.split("-")[0])


@pytest.mark.parametrize("text", [
    "theo Chỉ thị số 05-CT/TW của Bộ Chính trị",
    "theo 05-CT/TW",
    "theo 05/CT-TW",
    "theo Chỉ thị 05 về học tập",
    "theo CHỈ THỊ SỐ 05",
    "thực hiện CT05 ở cơ sở",
    "thực hiện CT-05",
    "thực hiện ct 05",
    "Chỉ thị 5-CT/TW",
])
def test_every_usual_spelling_of_a_directive_is_found(text):
    [(start, end)] = find_mentions(text, _doc())
    assert "05" in text[start:end] or "5" in text[start:end]


@pytest.mark.parametrize("text", [
    "năm 2005 có 05 đồng chí",  # the number alone is not the document
    "theo Chỉ thị 15-CT/TW",
    "theo 105-CT/TW",
    "theo Nghị quyết 05-NQ/TW",
    "theo 05-CTr/TW",
])
def test_other_numbers_and_kinds_are_not_mentions(text):
    assert find_mentions(text, _doc()) == []


def test_a_state_document_with_its_year():
    doc = _doc("19/2025/QĐ-TTg", "decision")
    assert len(find_mentions("Quyết định số 19/2025/QĐ-TTg và QĐ 19", doc)) == 2


def test_the_mention_is_marked_in_the_original_text_and_the_rest_escaped():
    marked = highlight("<b>Theo</b> Chỉ thị số 05-CT/TW & Đảng", _doc())
    assert str(marked) == "&lt;b&gt;Theo&lt;/b&gt; <mark>Chỉ thị số 05-CT/TW</mark> &amp; Đảng"


def test_passages_are_the_lines_that_mention_it_once_each():
    text = "Mở đầu.\n\nTheo CT05, cần học tập.\nKết luận.\nTheo CT05, cần học tập.\n"
    assert passages(text, _doc()) == ["Theo CT05, cần học tập."]


@pytest.mark.parametrize("code", ["05-CT/TW", "32-NQ/TW", "19/2025/QĐ-TTg", "09-KL/TW"])
def test_every_code_spelling_the_search_knows_is_a_mention(code):
    from lms.search.text import code_keys

    doc = _doc(code, "directive")
    for key in code_keys(code):
        assert find_mentions(f"theo {key.upper()} năm nay", doc), key
