"""Folding Vietnamese text: one function for the index and the query."""
import unicodedata

from lms.search.text import code_keys, fold, fold_code, highlight, snippet, spans, word_pairs


def test_folding_removes_case_and_every_mark_and_maps_d_stroke():
    assert fold("Nghị quyết của Đảng") == "nghi quyet cua dang"
    assert fold("ĐỒNG CHÍ đã") == "dong chi da"


def test_letters_with_two_marks_fold_to_their_base_letter():
    assert fold("Việt Nam") == "viet nam"
    assert fold("những người lãnh đạo") == "nhung nguoi lanh dao"
    assert fold("ệ ữ ẫ ở ặ Ậ Ữ") == "e u a o a a u"


def test_decomposed_input_folds_like_composed_input():
    composed = "Nghị quyết Đảng bộ tỉnh"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert fold(decomposed) == fold(composed) == "nghi quyet dang bo tinh"


def test_folding_keeps_positions_so_matches_can_be_marked_in_the_original():
    text = unicodedata.normalize("NFD", "Về công tác xây dựng Đảng")
    assert [(s, e, t, x) for s, e, t, x in spans(text) if t == "dang"] == [(21, 25, "dang", "đảng")]


def test_document_codes_fold_to_one_key_however_typed():
    keys = {fold_code(c) for c in ("32-NQ/TW", "32/NQ-TW", "32 nq tw", "32nqtw", " 32 – NQ / TW ")}
    assert keys == {"32nqtw"}
    assert fold_code("145-QĐ/TW") == "145qdtw"
    assert fold_code("19/2025/QĐ-TTg") == "192025qdttg"


def test_highlight_escapes_first_then_marks_the_matches():
    marked = highlight('<b onclick="x">Đảng</b> & "dân"', frozenset({"dang"}))
    assert str(marked) == '&lt;b onclick=&#34;x&#34;&gt;<mark>Đảng</mark>&lt;/b&gt; &amp; &#34;dân&#34;'


def test_highlight_marks_the_last_word_as_a_prefix():
    assert str(highlight("Nghị quyết", frozenset({"nghi"}), prefix="quy")) == "<mark>Nghị</mark> <mark>quyết</mark>"


def test_snippet_is_a_window_around_the_first_match():
    text = "Mở đầu. " * 60 + "Công tác xây dựng Đảng là then chốt. " + "Kết thúc. " * 60
    cut = str(snippet(text, frozenset({"dang"})))
    assert "<mark>Đảng</mark>" in cut
    assert cut.startswith("… ")
    assert cut.endswith(" …")
    assert len(cut) < 300


def test_word_pairs_are_neighbours_in_order_and_near_words_within_a_sentence():
    text = "Thành cổ Quảng Trị. Đảng viên"
    pairs = {term for term, _exact in word_pairs(text, spans(text))}
    assert pairs == {"+thanh co", "+co quang", "+quang tri", "~quang thanh", "~co tri", "~thanh tri",
                     "+dang vien"}
    exacts = {exact for _term, exact in word_pairs(text, spans(text))}
    assert "+thành cổ" in exacts


def test_document_codes_get_the_keys_people_type_without_separators():
    assert code_keys("32-NQ/TW") == ("32nqtw", "32nq", "nq32", "nq32tw")
    assert set(code_keys("09-KL/TW")) >= {"09kltw", "kl09", "kl9", "9kl", "9kltw"}
    assert set(code_keys("145-QĐ/TW")) >= {"145qdtw", "qd145", "145qd"}
    assert set(code_keys("19/2025/QĐ-TTg")) >= {"192025qdttg", "qd19", "19qd", "qd19ttg"}
    assert code_keys("Hiến pháp 2013") == ("hienphap2013",)


def test_highlight_marks_a_prefix_only_where_the_whole_word_is_absent():
    assert str(highlight("Thành cổ, công tác", frozenset({"thanh", "co"}), prefix="co")) == (
        "<mark>Thành</mark> <mark>cổ</mark>, công tác")
    assert str(highlight("Thành công", frozenset({"thanh", "co"}), prefix="co")) == (
        "<mark>Thành</mark> <mark>công</mark>")
