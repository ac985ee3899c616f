"""The installable app (manifest, icons, service worker at the root), the download lists with their size,
the sync endpoint's answers, and what signing out tells the phone."""
import json
import re
from datetime import UTC, timedelta

import pytest
import sqlalchemy as sa

from lms.curriculum.models import ModuleRevision
from lms.db import utcnow
from lms.extensions import db
from lms.learning.models import LessonProgress

STATIC_URL = re.compile(r'(?:href|src)="(/static/[^"]+)"')


@pytest.fixture
def setup(app, make):
    title = make.title("Bí thư chi bộ")
    module = make.module(title="Công tác xây dựng chi bộ", lessons=[
        {"title": "Vai trò", "body_md": "Chi bộ là hạt nhân.\n\n![Sơ đồ](/static/icons/icon-192.png)"},
        {"title": "Sinh hoạt", "body_md": "Mỗi tháng một lần."},
    ])
    program = make.program(name="Bồi dưỡng Bí thư chi bộ", titles=[title], modules=[(module, True, 30)])
    make.user("hocvien", held=[title])
    with app.app_context():
        revision = db.session.get(ModuleRevision, module.published_revision_id)
        revision.published_at = utcnow() - timedelta(days=1)
        db.session.commit()
        lessons = [lesson.id for lesson in revision.lessons]
    return module, program, lessons


def test_the_manifest_names_the_app_and_its_icons(client):
    page = client.get("/sign-in").get_data(as_text=True)
    url = re.search(r'<link rel="manifest" href="([^"]+)"', page).group(1)
    manifest = json.loads(client.get(url).get_data(as_text=True))
    assert manifest["start_url"] == "/"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        response = client.get(f"/static/{icon['src']}")
        assert response.status_code == 200
        assert response.mimetype == icon["type"]
        assert not icon["src"].startswith(("http:", "https:", "//"))  # served here, never from another host


def test_the_service_worker_is_served_from_the_root_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"  # the browser checks for a new worker on each visit
    source = response.get_data(as_text=True)
    assert 'const SHELF_URL = "/offline";' in source
    assert "cache.put" not in source  # the worker saves nothing itself: only what the trainee downloads


def test_pages_register_the_worker_and_signed_in_pages_are_not_stored(client, auth, setup):
    module, _program, _lessons = setup
    assert 'data-sw="/sw.js"' in client.get("/sign-in").get_data(as_text=True)
    auth.login("hocvien")
    response = client.get(f"/modules/{module.id}")
    assert response.headers["Cache-Control"] == "no-store"
    assert "Tải để học không cần mạng" in response.get_data(as_text=True)


def test_a_module_download_lists_its_lessons_images_and_static_files_with_the_size(app, client, auth, setup):
    module, _program, lessons = setup
    auth.login("hocvien")
    pack = client.get(f"/offline/modules/{module.id}/pack").json
    assert pack["key"] == f"module-{module.id}"
    assert pack["title"] == "Công tác xây dựng chi bộ"
    assert [lesson["url"] for lesson in pack["lessons"]] == [f"/lessons/{i}" for i in lessons]
    urls = pack["urls"]
    assert {f"/lessons/{i}" for i in lessons} | {f"/modules/{module.id}", "/offline", "/my/curriculum"} <= set(urls)
    assert "/static/icons/icon-192.png" in urls  # the lesson's image
    page = client.get(f"/lessons/{lessons[0]}").get_data(as_text=True)
    assert set(STATIC_URL.findall(page)) <= set(urls)  # everything the lesson page loads
    assert pack["revisions"] == {str(module.id): module.published_revision_id}
    assert pack["bytes"] > 10_000
    assert re.fullmatch(r"Dung lượng khoảng \d+(,\d)? (KB|MB), gồm 2 bài học\.", pack["size_text"])
    assert len(urls) == len(set(urls))


def test_a_program_download_holds_its_published_modules(client, auth, make, setup):
    module, program, lessons = setup
    auth.login("hocvien")
    pack = client.get(f"/offline/programs/{program.id}/pack").json
    assert pack["key"] == f"program-{program.id}"
    assert pack["title"] == "Bồi dưỡng Bí thư chi bộ"
    assert [lesson["id"] for lesson in pack["lessons"]] == lessons
    draft = make.module(title="Chưa xuất bản", publish=False)
    assert client.get(f"/offline/modules/{draft.id}/pack").status_code == 404


def test_downloading_a_lesson_page_does_not_record_a_visit(app, client, auth, setup):
    _module, _program, lessons = setup
    auth.login("hocvien")
    assert client.get(f"/lessons/{lessons[0]}", headers={"X-LMS-Offline": "download"}).status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 0
    client.get(f"/lessons/{lessons[0]}")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 1


def _event(key, kind, lesson_id, revision_id, minutes_ago=5):
    at = (utcnow() - timedelta(minutes=minutes_ago)).replace(tzinfo=UTC)
    return {"key": key, "kind": kind, "lesson_id": lesson_id, "revision_id": revision_id,
            "at": at.isoformat().replace("+00:00", "Z")}


def test_the_sync_endpoint_applies_a_batch_once_and_answers_per_event(app, client, auth, setup):
    module, _program, lessons = setup
    auth.login("hocvien")
    batch = {"events": [_event("key-0000001", "completed", lessons[0], module.published_revision_id),
                        _event("key-0000002", "completed", lessons[1], module.published_revision_id + 99)]}
    headers = {"X-CSRFToken": client.csrf_token()}
    first = client.post("/offline/sync", json=batch, headers=headers, csrf=False)
    assert first.status_code == 200
    assert [r["status"] for r in first.json["results"]] == ["applied", "refused"]
    assert "phiên bản mới" in first.json["results"][1]["message"]
    assert first.json["message"] == "Đã ghi nhận 1 hoạt động học không cần mạng."
    again = client.post("/offline/sync", json=batch, headers=headers, csrf=False)
    assert [r["status"] for r in again.json["results"]] == ["duplicate", "refused"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 1


def test_the_sync_endpoint_refuses_what_it_cannot_read_and_requests_without_the_token(client, auth, setup):
    auth.login("hocvien")
    headers = {"X-CSRFToken": client.csrf_token()}
    not_json = client.post("/offline/sync", data="events", headers=headers, csrf=False)
    assert not_json.status_code == 400
    assert "danh sách sự kiện" in not_json.json["error"]
    assert client.post("/offline/sync", json={"events": []}, csrf=False).status_code == 400  # no CSRF token
    assert client.post("/offline/sync", json={"events": []}, headers=headers, csrf=False).json["results"] == []


def test_signing_out_tells_the_next_page_to_clear_the_phone(client, auth, setup):
    auth.login("hocvien")
    assert 'data-clear="1"' not in client.get("/my/curriculum").get_data(as_text=True)
    auth.logout()
    signed_out = client.get("/sign-in").get_data(as_text=True)
    assert 'data-clear="1"' in signed_out
    assert 'data-user=""' in signed_out
    assert 'data-clear="1"' not in client.get("/sign-in").get_data(as_text=True)  # once


def test_a_program_download_list_reads_a_bounded_number_of_statements(app, client, auth, make, setup, statements):
    _module, program, _lessons = setup
    auth.login("hocvien")

    def count() -> int:
        with statements() as seen:
            assert client.get(f"/offline/programs/{program.id}/pack").status_code == 200
        return len(seen)

    few = count()
    with app.app_context():
        from lms.curriculum.models import Program, ProgramModule

        for position, extra in enumerate([make.module() for _ in range(4)], start=2):
            db.session.add(ProgramModule(program_id=program.id, module_id=extra.id, position=position))
        db.session.commit()
        assert len(db.session.get(Program, program.id).items) == 5
    assert count() == few
