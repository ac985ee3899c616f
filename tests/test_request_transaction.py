"""One request, one transaction: what the user sees and what is kept when an action is refused, fails midway,
or cannot be committed."""
from __future__ import annotations

import ast
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from lms import signals
from lms.audit import AuditEntry
from lms.curriculum.models import Module
from lms.errors import Conflict, NotAllowed
from lms.extensions import db
from lms.learning.models import LearningEvent, LessonProgress
from lms.organisation import services as organisation
from lms.organisation.models import Title

LMS = Path(__file__).resolve().parents[1] / "lms"
SAVED = "Đã lưu chức danh"
DONE = "Đã đánh dấu hoàn thành bài học."
TITLE = {"code": "XA-CT", "name": "Chủ tịch UBND xã", "level": "commune", "valid_from": "2025-07-01"}


def _calls(path: Path, name: str) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == name]


def test_no_view_commits_or_rolls_back_and_no_service_commits():
    views = [p for p in LMS.rglob("*.py") if ".route(" in p.read_text(encoding="utf-8")]
    assert len(views) >= 10  # every page module is walked
    for path in views:
        assert "db.session.commit(" not in path.read_text(encoding="utf-8"), path
        assert not _calls(path, "commit"), path
        assert not _calls(path, "rollback"), path
    # Services flush; only the request wrapper, the command line and the job consumer (outside requests) commit.
    committers = {p.relative_to(LMS).as_posix() for p in LMS.rglob("*.py") if _calls(p, "commit")}
    assert {c for c in committers if not c.endswith("cli.py") and not c.startswith("jobs/")} == {"transaction.py"}


@pytest.fixture
def admin(make, auth):
    make.admin("admin")
    auth.login("admin")


def _titles_and_audit(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(sa.select(sa.func.count()).select_from(Title)),
                db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                  .where(AuditEntry.action.like("title%"))))


def _saves_then(error: Exception):
    real = organisation.save_title

    def save_title(*args, **kwargs):
        real(*args, **kwargs)  # the title and its audit record are flushed: a partial write
        db.session.flush()
        raise error

    return save_title


def test_a_refusal_after_a_partial_write_keeps_nothing_and_shows_the_form_again(app, client, admin, monkeypatch):
    monkeypatch.setattr(organisation, "save_title", _saves_then(Conflict("Mã chức danh XA-CT đã tồn tại.")))
    response = client.post("/admin/titles/new", data=dict(TITLE))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Mã chức danh XA-CT đã tồn tại." in page
    assert "Chủ tịch UBND xã" in page  # what was typed is still in the form
    assert SAVED not in page
    assert _titles_and_audit(app) == (0, 0)
    assert SAVED not in client.get("/admin/titles").get_data(as_text=True)


def test_a_refusal_the_form_does_not_answer_shows_its_error_page_and_keeps_nothing(app, client, admin,
                                                                                   monkeypatch):
    monkeypatch.setattr(organisation, "save_title", _saves_then(NotAllowed("Không được sửa danh mục.")))
    response = client.post("/admin/titles/new", data=dict(TITLE))
    assert response.status_code == 403
    assert "Không được sửa danh mục." in response.get_data(as_text=True)
    assert _titles_and_audit(app) == (0, 0)
    assert SAVED not in client.get("/admin/titles").get_data(as_text=True)


def test_an_exception_midway_rolls_back_and_shows_no_success(app, client, admin, monkeypatch):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(organisation, "save_title", _saves_then(RuntimeError("disk gone")))
    response = client.post("/admin/titles/new", data=dict(TITLE))
    assert response.status_code == 500
    assert SAVED not in response.get_data(as_text=True)
    assert _titles_and_audit(app) == (0, 0)
    assert SAVED not in client.get("/admin/titles").get_data(as_text=True)


@pytest.fixture
def disk_full(app):
    """`with disk_full():` makes every COMMIT inside the block fail as on a full disk, with the driver's error."""
    with app.app_context():
        engine = db.engine

    def refuse(conn):
        if conn.dialect.name == "postgresql":
            error = psycopg.errors.DiskFull("could not extend file: No space left on device")
        else:
            error = sqlite3.OperationalError("database or disk is full")
        raise sa.exc.OperationalError("COMMIT", None, error)

    @contextmanager
    def full():
        sa.event.listen(engine, "commit", refuse)
        try:
            yield
        finally:
            sa.event.remove(engine, "commit", refuse)

    return full


def _lesson(app, make, auth):
    make.user("hocvien")
    module = make.learning_module(lessons=("Bài một", "Bài hai"))
    with app.app_context():
        lesson_id = db.session.get(Module, module.id).published.lessons[0].id
    auth.login("hocvien")
    return lesson_id


def test_a_failed_commit_shows_no_success_message_and_keeps_nothing(app, client, auth, make, disk_full):
    lesson_id = _lesson(app, make, auth)
    with disk_full():
        response = client.post(f"/learning/lessons/{lesson_id}/complete", data={"next": "/"})
    assert response.status_code == 507
    assert "Máy chủ hết dung lượng lưu trữ" in response.get_data(as_text=True)
    assert DONE not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LearningEvent)) == 0
    assert DONE not in client.get("/").get_data(as_text=True)  # nor on the next page
    # The same action succeeds once the disk has room, and only then says so.
    again = client.post(f"/learning/lessons/{lesson_id}/complete", data={"next": "/"}, follow_redirects=True)
    assert DONE in again.get_data(as_text=True)


def test_a_failed_sign_in_is_counted_although_it_is_refused(app, client, make):
    from lms.accounts.models import SignInFailure

    make.user("hocvien")
    response = client.post("/sign-in", data={"username": "hocvien", "password": "wrong-password"})
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SignInFailure)) == 1


def test_receivers_are_connected_once_by_create_app_not_by_importing_views(app):
    from lms import register_signals

    watched = [signals.titles_changed, signals.revision_published, signals.assignment_graded,
               signals.document_registered, signals.lesson_viewed, signals.program_saved]
    before = [len(s.receivers) for s in watched]
    assert sum(before) >= 6  # learning's five and delivery's one
    register_signals(app)  # as a second create_app in the same process does
    assert [len(s.receivers) for s in watched] == before
    imported = subprocess.run(
        [sys.executable, "-c",
         "import lms.learning.views, lms.delivery.views, lms.search.views, lms.curriculum.authoring\n"
         "from lms import signals\n"
         "print(sum(len(s.receivers) for s in signals._signals.values()))"],
        capture_output=True, text=True, check=True, cwd=LMS.parent)
    assert imported.stdout.strip() == "0"
