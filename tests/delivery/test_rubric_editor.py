"""The rubric editor: rows with a name, a weight in percent and levels; the weights sum to 100."""
import pytest

from lms.delivery import trips
from lms.errors import InvalidInput


def _row(name, weight, *levels):
    return {"name": name, "weight": weight, "levels": list(levels)}


def test_rows_become_criteria_in_order():
    criteria = trips.criteria_from_rows([_row("Nội dung", 60, "Chưa đạt", "Đạt", "Tốt"),
                                         _row("Trình bày", 40, "Yếu", " ", "Khá")])
    assert [(c.name, c.weight, c.levels) for c in criteria] == [
        ("Nội dung", 60, ["Chưa đạt", "Đạt", "Tốt"]), ("Trình bày", 40, ["Yếu", "Khá"])]


def test_each_problem_is_named_by_its_row_and_the_weights_must_sum_to_100():
    with pytest.raises(InvalidInput) as bad:
        trips.criteria_from_rows([_row("", 50, "A", "B"), _row("Trình bày", None, "Yếu")])
    assert bad.value.problems == ["Tiêu chí 1: cần tên tiêu chí.", "Tiêu chí 2: trọng số phải là số nguyên dương.",
                                  "Tiêu chí 2: cần ít nhất hai mức đánh giá."]
    with pytest.raises(InvalidInput) as bad:
        trips.criteria_from_rows([_row("Nội dung", 60, "A", "B"), _row("Trình bày", 30, "A", "B")])
    assert bad.value.problems == ["Tổng trọng số là 90%; cần đúng 100%."]
    with pytest.raises(InvalidInput):
        trips.criteria_from_rows([])
