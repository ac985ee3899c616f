"""Vietnamese names: searched without accents, listed in Vietnamese letter order by given name."""
from lms.accounts.names import fold, sort_key


def test_fold_removes_every_mark_and_maps_d_with_stroke():
    assert fold("  Nguyễn  ĐỨC Thắng ") == "nguyen duc thang"
    assert fold("Trương Thị Ngọc Ánh") == "truong thi ngoc anh"


def test_names_sort_by_given_name_in_vietnamese_letter_order():
    names = ["Lý Thị Ơn", "Đỗ Văn Đức", "Vũ Thị Dung", "Phạm Thị Ăn", "Hà Văn Ân", "Lê Văn An", "Mai Thị Ôn",
             "Lê Thị Anh", "Chu Văn On", "Trần Văn Bình"]
    assert sorted(names, key=sort_key) == [
        "Lê Văn An", "Lê Thị Anh", "Phạm Thị Ăn", "Hà Văn Ân", "Trần Văn Bình", "Vũ Thị Dung", "Đỗ Văn Đức",
        "Chu Văn On", "Mai Thị Ôn", "Lý Thị Ơn",
    ]


def test_same_given_name_then_the_whole_name():
    assert sorted(["Trần Văn An", "Dương Văn An", "Chu Văn An", "Đặng Thị An"], key=sort_key) == [
        "Chu Văn An", "Dương Văn An", "Đặng Thị An", "Trần Văn An"]
