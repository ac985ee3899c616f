"""A trainee downloads a module, loses the connection, reads its lessons and marks two complete; when the
connection is back the progress reaches the server once, even when the first answer is lost on the way.
Signing out leaves no saved lesson on the phone."""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from lms.db import utcnow
from lms.extensions import db
from lms.learning.models import LearningEvent, LessonProgress, OfflineEvent
from tests.browser.conftest import assert_accessible, sign_in

LESSONS = [
    {"title": "Vai trò của chi bộ", "body_md": "Chi bộ là **hạt nhân chính trị** ở cơ sở.\n\n"
                                               "![Sơ đồ tổ chức](/static/icons/icon-192.png)", "minutes": 15},
    {"title": "Sinh hoạt chi bộ", "body_md": "Chi bộ sinh hoạt thường kỳ mỗi tháng một lần.", "minutes": 10},
    {"title": "Phát triển đảng viên", "body_md": "Kết nạp quần chúng ưu tú vào Đảng.", "minutes": 10},
]


def _setup(make):
    title = make.title("Bí thư chi bộ")
    module = make.module(title="Công tác xây dựng chi bộ", lessons=LESSONS)
    make.program(name="Bồi dưỡng Bí thư chi bộ", titles=[title], modules=[(module, True, 30)])
    make.user("hocvien", full_name="Lê Thị Thu Hà", held=[title])
    return module


def _controlled(page) -> None:
    """Wait until the service worker controls the page (the first visit installs it)."""
    page.evaluate("navigator.serviceWorker.ready")
    if not page.evaluate("!!navigator.serviceWorker.controller"):
        page.reload()
    page.wait_for_function("!!navigator.serviceWorker.controller")


def _download(page, module_id: int) -> None:
    page.goto(f"/modules/{module_id}")
    _controlled(page)
    page.get_by_role("button", name="Tải để học không cần mạng").click()
    size = page.get_by_text(re.compile(r"Dung lượng khoảng .* gồm 3 bài học"))
    size.wait_for()
    page.get_by_role("button", name="Tải về máy").click()
    page.get_by_text(re.compile(r"Đã lưu trên máy này lúc \d\d/\d\d/\d{4} \d\d:\d\d: 3 bài học")).wait_for()


QUEUE_IS_EMPTY = """() => new Promise(resolve => {
    const open = indexedDB.open('lms-offline');
    open.onsuccess = () => {
        const count = open.result.transaction('events').objectStore('events').count();
        count.onsuccess = () => { open.result.close(); resolve(count.result === 0); };
    };
})"""


def _until(page, script: str, seconds: float = 10) -> None:
    """Until an asynchronous check in the page holds (page.evaluate awaits its promise)."""
    for _ in range(int(seconds * 5)):
        if page.evaluate(script):
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"still not so after {seconds} s: {script}")


def _no_network(route) -> None:
    route.abort("internetdisconnected")


def _cut_off(context) -> None:
    """No connection at all, as on a phone in airplane mode. `set_offline` alone does not promise it while a
    service worker controls the page (playwright#2311): now and then a page just opened still says
    navigator.onLine and its fetch reaches the server. Every request of the context fails here as well."""
    context.set_offline(True)
    context.route("**/*", _no_network)


def _wait_until_sent(page) -> None:
    _until(page, QUEUE_IS_EMPTY)


def _saved_urls(page) -> list[str]:
    return page.evaluate("""async () => {
        const urls = [];
        for (const name of await caches.keys()) {
            if (!name.startsWith('lms-offline-')) continue;
            const cache = await caches.open(name);
            for (const request of await cache.keys()) urls.push(new URL(request.url).pathname);
        }
        return urls;
    }""")


def _completed(app, user_id=None):
    with app.app_context():
        done = db.session.scalars(sa.select(LessonProgress).where(LessonProgress.completed_at.is_not(None))).all()
        events = db.session.scalars(sa.select(LearningEvent).where(LearningEvent.verb == "completed",
                                                                   LearningEvent.object_type == "lesson")).all()
        return done, events


def test_lessons_downloaded_read_and_completed_offline_reach_the_server_once(page, app, make):
    module = _setup(make)
    sign_in(page, "hocvien")
    _download(page, module.id)
    with app.app_context():
        lesson_ids = [row.id for row in db.session.execute(
            sa.text("SELECT id FROM lessons WHERE revision_id = :r ORDER BY position"),
            {"r": module.published_revision_id})]
        # Saving the pages is not reading them: no lesson was recorded as opened.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 0
    saved = _saved_urls(page)
    assert {f"/lessons/{i}" for i in lesson_ids} <= set(saved)
    assert f"/modules/{module.id}" in saved
    assert "/static/icons/icon-192.png" in saved

    context = page.context
    _cut_off(context)
    started_offline = utcnow()
    page.goto(f"/lessons/{lesson_ids[0]}")
    assert page.get_by_role("heading", name="Vai trò của chi bộ").is_visible()
    assert page.evaluate("document.querySelector('.lesson-body img').naturalWidth") > 0  # the local image too
    page.get_by_role("button", name="Đánh dấu đã học xong").click()
    page.get_by_text("Đã ghi nhận trên máy: tiến độ sẽ được gửi khi có mạng.").wait_for()
    page.get_by_role("link", name=re.compile("Sinh hoạt chi bộ")).click()
    page.wait_for_url(re.compile(rf"/lessons/{lesson_ids[1]}\b"))  # loaded, its script listening
    assert page.get_by_role("heading", name="Sinh hoạt chi bộ").is_visible()
    page.get_by_role("button", name="Đánh dấu đã học xong").click()
    page.get_by_text("Đã ghi nhận trên máy: tiến độ sẽ được gửi khi có mạng.").wait_for()
    # A page that was not downloaded (the quiz, the learning record) says so, and lists what is saved.
    page.goto("/my/record")
    page.get_by_text(re.compile("trang bạn mở chưa được tải về máy này")).wait_for()  # drawn by the script
    page.get_by_role("link", name="Phát triển đảng viên").wait_for()
    page.get_by_text("Tiến độ chờ gửi khi có mạng: 4 hoạt động.").wait_for()  # 2 opened, 2 completed
    assert _completed(app) == ([], [])
    ended_offline = utcnow()

    # Back online: the first sync reaches the server but its answer is lost; the phone sends it again.
    answers = []

    def lose_first_answer(route):
        response = route.fetch()
        answers.append(response.status)
        if len(answers) == 1:
            route.abort()
        else:
            route.fulfill(response=response)

    context.unroute("**/*", _no_network)
    context.route("**/offline/sync", lose_first_answer)
    context.set_offline(False)  # the page hears "online" and sends the queue
    for _ in range(50):
        if answers:
            break
        page.wait_for_timeout(100)
    assert answers == [200]
    assert not page.evaluate(QUEUE_IS_EMPTY)  # no answer heard: the phone keeps everything
    page.goto(f"/modules/{module.id}")  # the next page sends it again
    _wait_until_sent(page)
    page.get_by_text("Đã ghi nhận 4 hoạt động học không cần mạng.").wait_for()

    done, events = _completed(app)
    assert sorted(p.lesson_id for p in done) == lesson_ids[:2]  # once each
    assert sorted(e.object_id for e in events) == lesson_ids[:2]
    for progress in done:  # the time it happened on the phone, not the time it arrived
        assert started_offline - timedelta(seconds=2) <= progress.completed_at <= ended_offline
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OfflineEvent)) == 4
    page.reload()
    assert page.get_by_text("Bài học đã xong: 2/3").is_visible()
    sent = len(answers)
    page.goto(f"/lessons/{lesson_ids[2]}")
    assert len(answers) == sent  # nothing more to send


def test_signing_out_leaves_no_saved_lesson_on_the_phone(page, app, make):
    module = _setup(make)
    sign_in(page, "hocvien")
    _download(page, module.id)
    assert any(url.startswith("/lessons/") for url in _saved_urls(page))
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(re.compile("/sign-in"))
    page.get_by_text("Bạn đã đăng xuất.").wait_for()
    _until(page, "async () => (await caches.keys()).every(n => !n.startsWith('lms-offline-'))")
    assert _saved_urls(page) == []
    names = page.evaluate("async () => (await indexedDB.databases()).map(d => d.name)")
    assert "lms-offline" not in names
    # Offline now, a lesson that was saved is not there any more.
    page.context.set_offline(True)
    page.goto("/lessons/1")
    assert page.get_by_text("Không có kết nối mạng").first.is_visible()


def test_the_download_box_at_360_px_is_accessible(phone_page, app, make):
    module = _setup(make)
    sign_in(phone_page, "hocvien")
    phone_page.goto(f"/modules/{module.id}")
    phone_page.get_by_role("button", name="Tải để học không cần mạng").click()
    phone_page.get_by_role("button", name="Tải về máy").wait_for()
    phone_page.mouse.move(0, 0)  # no button left half-way through its hover transition
    phone_page.wait_for_timeout(400)
    assert_accessible(phone_page)
    phone_page.goto("/my/curriculum")
    phone_page.get_by_role("button", name="Tải để học không cần mạng").wait_for()
    assert_accessible(phone_page)
    phone_page.goto("/offline")
    assert_accessible(phone_page)


def test_a_quiz_says_it_needs_a_connection_when_there_is_none(page, app, make):
    from lms.curriculum.models import Module
    from lms.learning import quizzes

    module = _setup(make)
    with app.test_request_context():
        quiz = quizzes.get_or_create_quiz(None, db.session.get(Module, module.id))
        quizzes.import_gift(None, quiz, "::Vai trò::Chi bộ là hạt nhân chính trị ở cơ sở. {T}\n")
        db.session.commit()
    sign_in(page, "hocvien")
    page.goto(f"/learning/modules/{module.id}/quiz")
    page.context.set_offline(True)
    notice = page.get_by_text(re.compile("Bài kiểm tra chỉ làm được khi có mạng"))
    notice.first.wait_for()
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    assert page.url.endswith(f"/learning/modules/{module.id}/quiz")  # nothing was sent; the page stays
    page.context.set_offline(False)
    page.wait_for_function("!document.querySelector('.offline-note')")


def test_a_newer_published_revision_is_fetched_when_online_and_the_trainee_is_told(page, app, make):
    module = _setup(make)
    sign_in(page, "hocvien")
    _download(page, module.id)
    old = {url for url in _saved_urls(page) if url.startswith("/lessons/")}
    revision = make.publish_revision(module, lessons=[
        ("l1", "Vai trò của chi bộ", "Chi bộ là hạt nhân chính trị ở cơ sở, theo Điều lệ Đảng."),
        ("l2", "Sinh hoạt chi bộ", "Mỗi tháng một lần."),
        ("l3", "Phát triển đảng viên", "Kết nạp quần chúng ưu tú."),
    ])
    with app.app_context():
        new = {f"/lessons/{row.id}" for row in db.session.execute(
            sa.text("SELECT id FROM lessons WHERE revision_id = :r"), {"r": revision.id})}
    page.goto(f"/modules/{module.id}")
    page.get_by_text("Đã tải phiên bản mới của “Công tác xây dựng chi bộ” để học không cần mạng.").wait_for()
    page.get_by_text(re.compile(r"Đã lưu trên máy này lúc .*: 3 bài học")).wait_for()
    saved = set(_saved_urls(page))
    assert new <= saved
    assert not old & saved  # the old revision's lessons are gone from the phone


def test_the_copies_of_someone_else_are_dropped_when_another_trainee_signs_in(page, app, make):
    module = _setup(make)
    make.user("hocvien2", full_name="Trần Văn Nam", held=[])
    sign_in(page, "hocvien")
    _download(page, module.id)
    assert _saved_urls(page)
    page.context.clear_cookies()  # the session ended without signing out (expired, cookies cleared)
    sign_in(page, "hocvien2")
    _until(page, "async () => (await caches.keys()).every(n => !n.startsWith('lms-offline-'))")
    assert _saved_urls(page) == []


def test_a_lesson_read_from_the_saved_copy_queues_its_completion_even_once_back_online(page, app, make):
    module = _setup(make)
    sign_in(page, "hocvien")
    _download(page, module.id)
    with app.app_context():
        first = db.session.execute(sa.text("SELECT id FROM lessons WHERE revision_id = :r ORDER BY position"),
                                   {"r": module.published_revision_id}).scalars().first()
    page.context.set_offline(True)
    page.goto(f"/lessons/{first}")
    assert page.evaluate("document.documentElement.hasAttribute('data-offline-copy')")  # the saved copy
    page.context.set_offline(False)
    assert page.evaluate("navigator.onLine")
    # On a saved copy, "mark complete" goes through the queue (the network failed a moment ago).
    page.get_by_role("button", name="Đánh dấu đã học xong").click()
    page.get_by_text("Đã ghi nhận trên máy: tiến độ sẽ được gửi khi có mạng.").wait_for()
    _wait_until_sent(page)  # and is sent at once, the phone being online
    done, events = _completed(app)
    assert [p.lesson_id for p in done] == [first]
    assert len(events) == 1


def test_progress_on_a_revision_replaced_meanwhile_is_refused_and_the_trainee_told(page, app, make):
    module = _setup(make)
    sign_in(page, "hocvien")
    _download(page, module.id)
    with app.app_context():
        first = db.session.execute(sa.text("SELECT id FROM lessons WHERE revision_id = :r ORDER BY position"),
                                   {"r": module.published_revision_id}).scalars().first()
    page.context.set_offline(True)
    page.goto(f"/lessons/{first}")
    page.get_by_role("button", name="Đánh dấu đã học xong").click()
    page.get_by_text("Đã ghi nhận trên máy: tiến độ sẽ được gửi khi có mạng.").wait_for()
    make.publish_revision(module)  # meanwhile, a new revision of the module
    page.context.set_offline(False)  # the page hears "online" and sends the queue
    refusal = page.get_by_role("alert").filter(has_text=re.compile("“Vai trò của chi bộ” đã có phiên bản mới"))
    refusal.wait_for()
    _wait_until_sent(page)
    assert _completed(app) == ([], [])
    page.goto("/offline")  # the refusal stays listed on the offline page
    page.get_by_text(re.compile("đã có phiên bản mới nên việc học ngoài mạng")).wait_for()


def test_the_site_is_installable_as_an_app(page, app, make):
    make.user("hocvien")
    sign_in(page, "hocvien")
    _controlled(page)
    cdp = page.context.new_cdp_session(page)
    errors = [e["errorId"] for e in cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]]
    assert errors in ([], ["in-incognito"])  # a test browser's context is incognito: nothing else is missing
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].startswith(page.url.split("/", 3)[0] + "//")  # from this site, not another host
    assert manifest["errors"] == []


def test_signing_out_without_a_connection_still_clears_the_phone_after_asking(page, app, make):
    module = _setup(make)
    sign_in(page, "hocvien")
    _download(page, module.id)
    page.context.set_offline(True)
    page.goto(f"/modules/{module.id}")
    page.get_by_role("link", name="Vai trò của chi bộ").click()
    page.get_by_role("button", name="Đánh dấu đã học xong").click()
    page.get_by_text("Đã ghi nhận trên máy: tiến độ sẽ được gửi khi có mạng.").wait_for()
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Đăng xuất").click()
    page.get_by_text(re.compile("Cần có mạng để hoàn tất đăng xuất")).wait_for()
    assert "chưa gửi được" in asked[0]
    assert _saved_urls(page) == []
    assert "lms-offline" not in page.evaluate("async () => (await indexedDB.databases()).map(d => d.name)")
