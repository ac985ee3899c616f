"""Every file import (CSV users, GIFT questions on the web and the command line, the content tree) reads
UTF-8 only and refuses anything else with the same message, the line it failed on, and nothing saved."""
from __future__ import annotations

import io
import re
import shutil
import unicodedata
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.learning.models import QuizQuestion

GIFT = "::Câu 1:: Đảng Cộng sản Việt Nam được thành lập năm nào? {=1930 ~1945 ~1954}\n"
MESSAGE = re.compile(r"Tệp không phải mã UTF-8 \(lỗi ở dòng (\d+)\)\. Hãy lưu lại tệp với bảng mã UTF-8")
SHIPPED = Path(__file__).resolve().parents[1] / "content"


def windows_1258(text: str) -> bytes:
    """Text as Vietnamese Windows saves it: precomposed base letters, tone marks as combining characters."""
    out = b""
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            letter, *marks = unicodedata.normalize("NFD", ch)
            tone = next(m for m in marks if m in "\u0300\u0301\u0303\u0309\u0323")
            base = unicodedata.normalize("NFC", letter + "".join(m for m in marks if m != tone))
            out += base.encode("cp1258") + tone.encode("cp1258")
    return out


BAD_FILES = {
    "windows-1258": windows_1258(GIFT),
    "utf-16": GIFT.encode("utf-16"),
    "utf-16 without a byte-order mark": "::C1:: Year? {=1930 ~1945}\n".encode("utf-16-le"),
}


def _questions(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(QuizQuestion))


@pytest.mark.parametrize("encoding", BAD_FILES)
def test_a_gift_upload_that_is_not_utf8_is_refused_with_nothing_saved(app, client, auth, make, encoding):
    module = make.learning_module()
    make.lecturer("giangvien")
    auth.login("giangvien")
    response = client.post(f"/learning/manage/modules/{module.id}",
                           data={"action": "gift", "gift-gift_file": (io.BytesIO(BAD_FILES[encoding]), "cau-hoi.gift")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert MESSAGE.search(response.get_data(as_text=True))
    assert "Đã nhập" not in response.get_data(as_text=True)
    assert _questions(app) == 0


def test_the_gift_command_refuses_a_windows_1258_file_without_a_traceback(app, runner, make, tmp_path):
    make.learning_module("HP-NQ32")
    path = tmp_path / "cau-hoi.gift"
    path.write_bytes(windows_1258(GIFT))
    result = runner.invoke(args=["lms", "quiz", "import-gift", "HP-NQ32", str(path)])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert MESSAGE.search(result.output).group(1) == "1"
    assert _questions(app) == 0


def test_a_utf8_gift_file_with_a_byte_order_mark_is_read(app, runner, make, tmp_path):
    make.learning_module("HP-NQ32")
    path = tmp_path / "cau-hoi.gift"
    path.write_bytes(GIFT.encode("utf-8-sig"))
    result = runner.invoke(args=["lms", "quiz", "import-gift", "HP-NQ32", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalars(sa.select(QuizQuestion)).one().text.startswith("Đảng Cộng sản")


def test_the_user_import_says_the_same_on_the_web_and_the_command_line(app, client, auth, make, runner, tmp_path,
                                                                      consumers):
    unit = make.unit("Tỉnh ủy", code="QT")
    make.admin("qt.admin", scope=unit)
    data = windows_1258("username,full_name,unit_code\nhv.ha,Lê Thị Thu Hà,QT\n")
    auth.login("qt.admin")
    started = client.post("/admin/users/import", data={"file": (io.BytesIO(data), "can-bo.csv")},
                          content_type="multipart/form-data")
    consumers.start()
    consumers.wait_for(1)
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    assert MESSAGE.search(page).group(1) == "2"
    path = tmp_path / "can-bo.csv"
    path.write_bytes(data)
    result = runner.invoke(args=["lms", "import-users", str(path)])
    assert result.exit_code == 1
    assert MESSAGE.search(result.output).group(1) == "2"


@pytest.fixture
def tree(tmp_path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(SHIPPED, root)
    return root


def test_the_content_tree_reports_each_file_that_is_not_utf8(app, runner, tree):
    titles = tree / "titles.yaml"
    titles.write_bytes(windows_1258(titles.read_text(encoding="utf-8")))
    lesson = next((tree / "modules").glob("*/0*.md"))
    lesson.write_bytes(lesson.read_text(encoding="utf-8").encode("utf-16"))
    result = runner.invoke(args=["lms", "content", "import", str(tree)])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    reported = [line for line in result.output.splitlines() if MESSAGE.search(line)]
    assert {line.split(":")[0] for line in reported} == {str(titles), str(lesson)}
