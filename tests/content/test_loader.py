"""Reading and checking the content/ tree: the shipped curricula, and every bad file reported with its line."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lms.content.loader import ContentErrors, load_content

SHIPPED = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of the shipped content to break."""
    root = tmp_path / "content"
    shutil.copytree(SHIPPED, root)
    return root


def problems(root: Path) -> list[str]:
    with pytest.raises(ContentErrors) as caught:
        load_content(root)
    return [str(p) for p in caught.value.problems]


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_shipped_content_meets_the_reference_counts():
    content = load_content(SHIPPED)
    assert len(content.programs) >= 3
    assert len({p.titles[0] for p in content.programs.values()}) >= 3
    assert len(content.modules) >= 12
    assert {m.kind for m in content.modules.values()} == {
        "self_study", "local_topic", "exemplary_report", "field_trip", "lecture"}
    assert content.lesson_count >= 30
    assert all(len(lesson.body_md.split("\n\n")) >= 3 for m in content.modules.values() for lesson in m.lessons)
    assert len(content.documents) >= 10
    relations = {(d.code, r.kind, r.target) for d in content.documents.values() for r in d.relations}
    assert ("145-QĐ/TW", "supersedes", "164-QĐ/TW") in relations
    assert ("09-KL/TW", "stops", "256-QĐ/TW") in relations
    local = [m for m in content.modules.values() if m.kind == "local_topic"]
    assert all("44" in m.localities for m in local)
    assert content.documents["32-NQ/TW"].issued_on.isoformat() == "2014-05-26"


def test_lessons_keep_the_order_of_their_file_names():
    content = load_content(SHIPPED)
    assert [lesson.key for lesson in content.modules["LLCT-MLN"].lessons] == [
        "phuong-phap-luan", "kinh-te-thi-truong", "chu-nghia-xa-hoi"]


def test_bad_yaml_is_reported_with_its_line(tree):
    module = tree / "modules" / "KN-LDQL" / "_module.md"
    replace(module, "kind: self_study", "kind: [self_study")
    found = problems(tree)
    assert len(found) == 1
    assert found[0].startswith(f"{module}:")
    assert "YAML không hợp lệ" in found[0]
    line = int(found[0][len(str(module)) + 1:].split(":")[0])
    assert line in (3, 4, 5)


def test_every_bad_file_is_reported_not_only_the_first(tree):
    lesson = tree / "modules" / "LLCT-HCM" / "01-noi-dung-co-ban.md"
    replace(lesson, "key: noi-dung-co-ban\n", "")
    module = tree / "modules" / "QT-CQ2C" / "_module.md"
    replace(module, "kind: local_topic", "kind: seminar")
    doc = tree / "modules" / "SO-QLNN" / "_module.md"
    replace(doc, '"57-NQ/TW"', '"99-NQ/TW"')
    found = problems(tree)
    assert f"{lesson}:1: thiếu trường bắt buộc 'key'" in found
    assert any(p.startswith(f"{module}:3: trường 'kind': giá trị 'seminar' không hợp lệ") for p in found)
    assert f"{doc}:7: mã văn bản 99-NQ/TW không có trong danh mục văn bản" in found
    # Programs listing the unreadable module are not reported again: the module's own file is.
    assert not any("không có học phần QT-CQ2C" in p for p in found)


def test_unknown_module_in_a_program(tree):
    program = tree / "programs" / "bd-so-gd.md"
    replace(program, "module: SO-QLNN", "module: SO-KHONGCO")
    found = problems(tree)
    assert len(found) == 1
    assert found[0].startswith(f"{program}:")
    assert "không có học phần SO-KHONGCO" in found[0]


def test_unknown_title_unless_the_database_has_it(tree):
    program = tree / "programs" / "bd-so-gd.md"
    replace(program, "  - SO-GD", "  - SO-PGD")
    assert problems(tree) == [f"{program}:5: chức danh SO-PGD không có (thêm vào titles.yaml hoặc tạo trong ứng dụng)"]
    assert load_content(tree, known_titles={"SO-PGD"}).programs["BD-SO-GD"].titles == ["SO-PGD"]


def test_duplicate_codes(tree):
    shutil.copytree(tree / "modules" / "KN-LDQL", tree / "modules" / "KN-LDQL-2")
    shutil.copy(tree / "documents" / "2014-05-26-32-nq-tw.md", tree / "documents" / "copy-32.md")
    found = problems(tree)
    assert any(p.startswith(str(tree / "modules" / "KN-LDQL/_module.md"))
               or p.startswith(str(tree / "modules" / "KN-LDQL-2/_module.md")) for p in found)
    assert any("mã học phần KN-LDQL lặp lại" in p for p in found)
    assert any("mã văn bản 32-NQ/TW lặp lại" in p for p in found)


def test_duplicate_lesson_keys_and_yaml_keys(tree):
    lesson = tree / "modules" / "KN-LDQL" / "02-dan-van-doi-thoai.md"
    replace(lesson, "key: dan-van-doi-thoai", "key: ra-quyet-dinh")
    module = tree / "modules" / "XDD-CSD" / "_module.md"
    replace(module, "kind: lecture", "kind: lecture\nkind: lecture")
    found = problems(tree)
    assert any(p.startswith(f"{lesson}:2: khóa bài học 'ra-quyet-dinh' lặp lại") for p in found)
    assert f"{module}:4: khóa 'kind' lặp lại" in found


def test_missing_front_matter_and_unknown_field(tree):
    lesson = tree / "modules" / "KN-LDQL" / "01-ra-quyet-dinh.md"
    lesson.write_text("# Không có phần đầu\n\nNội dung.\n", encoding="utf-8")
    doc = tree / "documents" / "2016-05-15-05-ct-tw.md"
    replace(doc, "term:", "khoa:")
    found = problems(tree)
    assert f"{lesson}:1: thiếu phần đầu YAML (tệp phải bắt đầu bằng dòng '---')" in found
    assert f"{doc}:7: trường lạ 'khoa'" in found


def test_relations_must_point_at_known_documents_without_cycles(tree):
    doc = tree / "documents" / "2024-05-10-145-qd-tw.md"
    replace(doc, 'target: "164-QĐ/TW"', 'target: "999-QĐ/TW"')
    old = tree / "documents" / "2013-10-25-28-nq-tw.md"
    replace(old, 'title:', 'relations:\n  - kind: supersedes\n    target: "44-NQ/TW"\ntitle:')
    found = problems(tree)
    assert any(p.startswith(f"{doc}:") and "999-QĐ/TW không có trong danh mục" in p for p in found)
    assert any("vòng lặp liên hệ văn bản" in p for p in found)


def test_local_topic_needs_a_locality_and_codes_are_gso_shaped(tree):
    module = tree / "modules" / "QT-CQ2C" / "_module.md"
    replace(module, 'localities:\n  - "44"\n', "")
    other = tree / "modules" / "QT-BIENGIOI" / "_module.md"
    replace(other, '"19432"', '"Lao Bảo"')
    found = problems(tree)
    assert any(p.startswith(f"{module}:3:") and "ít nhất một địa phương" in p for p in found)
    assert any(p.startswith(f"{other}:7:") and "mã địa phương 'Lao Bảo'" in p for p in found)


def test_localities_are_checked_against_known_codes_when_given():
    with pytest.raises(ContentErrors) as caught:
        load_content(SHIPPED, known_localities={"44"})
    assert any("không có địa phương mã 19432" in str(p) for p in caught.value.problems)


def test_problems_are_translated_for_an_english_reader(app, tree):
    from flask_babel import force_locale

    lesson = tree / "modules" / "KN-LDQL" / "01-ra-quyet-dinh.md"
    lesson.write_text("# Không có phần đầu\n\nNội dung.\n", encoding="utf-8")
    doc = tree / "documents" / "2016-05-15-05-ct-tw.md"
    replace(doc, "term:", "khoa:")
    with app.test_request_context(), force_locale("en"):
        found = problems(tree)
    assert f"{lesson}:1: missing YAML front matter (the file must start with a '---' line)" in found
    assert f"{doc}:7: unknown field 'khoa'" in found
    assert not any("trường lạ" in p for p in found)
