"""Authoring and trainee pages as users see them."""
import threading
from datetime import date

import sqlalchemy as sa

from lms import signals
from lms.accounts import services as accounts
from lms.accounts.models import AssignmentKind, User
from lms.curriculum.models import Lesson, Module, ModuleRevision, Program
from lms.extensions import db
from lms.grading import GradeScale
from lms.organisation.models import Title


def _draft_form(title="Học tập Nghị quyết", lock_version="0", lessons=(), **extra):
    data = {"title": title, "summary_md": "", "lock_version": lock_version, "save": "1"}
    for i, lesson in enumerate(lessons):
        for name, value in lesson.items():
            data[f"lessons-{i}-{name}"] = value
    data.update(extra)
    return data


def test_lecturer_creates_edits_and_publishes_a_module(client, auth, make, app):
    make.lecturer("gv")
    doc = make.document("32-NQ/TW")
    auth.login("gv")
    response = client.post("/author/modules/new", data={"code": "HP-01", "kind": "self_study",
                                                        "title": "Xây dựng Đảng", "summary_md": "Giới thiệu"})
    assert response.status_code == 302
    with app.app_context():
        module = db.session.scalar(sa.select(Module))
        draft = db.session.scalar(sa.select(ModuleRevision))
        module_id, lock = module.id, draft.lock_version
    page = client.get(f"/author/modules/{module_id}/edit")
    assert page.status_code == 200
    assert "Xây dựng Đảng" in page.text
    response = client.post(f"/author/modules/{module_id}/edit", data=_draft_form(
        "Xây dựng Đảng", str(lock),
        [{"title": "Bài hai", "body_md": "**hai**", "position": "2"},
         {"title": "Bài một", "body_md": "một", "position": "1", "minutes": "30"}],
        document_ids=[str(doc.id)]))
    assert response.status_code == 302
    with app.app_context():
        lessons = db.session.scalars(sa.select(Lesson).order_by(Lesson.position)).all()
        assert [(x.title, x.body_html, x.minutes) for x in lessons] == [
            ("Bài một", "<p>một</p>", 30), ("Bài hai", "<p><strong>hai</strong></p>", None)]
    # trainees see nothing until it is published
    assert client.get(f"/modules/{module_id}").status_code == 404
    publish = client.get(f"/author/modules/{module_id}/publish")
    assert "Phiên bản đầu tiên" in publish.text
    refused = client.post(f"/author/modules/{module_id}/publish", data={"change_summary": ""})
    assert refused.status_code == 400
    assert "Hãy tóm tắt những gì đã thay đổi." in refused.text
    response = client.post(f"/author/modules/{module_id}/publish",
                           data={"change_summary": "Bản đầu tiên", "requires_restudy": "y"})
    assert response.status_code == 302
    with app.app_context():
        module = db.session.get(Module, module_id)
        assert (module.published.number, module.published.requires_restudy) == (1, True)
    assert "Bài một" in client.get(f"/modules/{module_id}").text
    history = client.get(f"/author/modules/{module_id}/history")
    assert "Bản đầu tiên" in history.text


def test_add_lesson_and_preview_do_not_save(client, auth, make, app):
    make.lecturer("gv")
    module = make.module("HP-01")
    auth.login("gv")
    data = _draft_form("Tên mới", "0", [{"title": "Bài A", "body_md": "# Đầu đề\n<script>alert(1)</script>"}])
    data.pop("save")
    added = client.post(f"/author/modules/{module.id}/edit", data={**data, "add_lesson": "1"})
    assert added.status_code == 200
    assert 'name="lessons-1-title"' in added.text
    preview = client.post(f"/author/modules/{module.id}/edit", data={**data, "preview": "1"})
    assert "<h1>Đầu đề</h1>" in preview.text
    assert "<script>alert" not in preview.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ModuleRevision)
                                 .where(ModuleRevision.number.is_(None))) == 0


def test_live_preview_endpoint_sanitises(client, auth, make):
    make.lecturer("gv")
    auth.login("gv")
    response = client.post("/author/preview", data={"text": "*x* <img src=x onerror=alert(1)>"})
    html = response.json["html"]
    assert "<em>x</em>" in html
    assert "onerror" not in html
    assert "src" not in html


def test_second_of_two_saves_from_the_same_version_is_refused_and_keeps_their_text(client, auth, make, app):
    make.lecturer("gv")
    module = make.module("HP-01", publish=False)
    with app.app_context():
        lock = db.session.scalar(sa.select(ModuleRevision.lock_version))
    auth.login("gv")
    first = client.post(f"/author/modules/{module.id}/edit", data=_draft_form("Bản của A", str(lock)))
    assert first.status_code == 302
    second = client.post(f"/author/modules/{module.id}/edit", data=_draft_form(
        "Bản của B", str(lock), [{"title": "Bài B", "body_md": "Văn bản B đã gõ"}]))
    assert second.status_code == 409
    assert "Bản nháp đã được một người khác lưu" in second.text
    assert "Văn bản B đã gõ" in second.text
    assert 'value="Bản của B"' in second.text
    assert "Bản của A" in second.text  # the latest saved version is shown beside it
    with app.app_context():
        assert db.session.scalar(sa.select(ModuleRevision.title)) == "Bản của A"


def test_concurrent_saves_one_wins(app, make):
    make.lecturer("gv1")
    make.lecturer("gv2")
    module = make.module("HP-01", publish=False)
    with app.app_context():
        lock = db.session.scalar(sa.select(ModuleRevision.lock_version))
    barrier = threading.Barrier(2)
    results = {}

    def save(username):
        client = app.test_client()
        client.post("/sign-in", data={"username": username, "password": "secret-pass-1"})
        barrier.wait()
        results[username] = client.post(f"/author/modules/{module.id}/edit",
                                        data=_draft_form(f"Bản của {username}", str(lock))).status_code

    threads = [threading.Thread(target=save, args=(u,)) for u in ("gv1", "gv2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results.values()) == [302, 409]
    winner = next(u for u, code in results.items() if code == 302)
    with app.app_context():
        assert db.session.scalar(sa.select(ModuleRevision.title)) == f"Bản của {winner}"
        assert db.session.scalar(sa.select(ModuleRevision.lock_version)) == lock + 1


def test_diff_between_two_revisions(client, auth, make, app):
    from lms.curriculum import services

    make.lecturer("gv")
    module = make.module("HP-01", lessons=[{"title": "Bài một", "body_md": "dòng 1\ndòng cũ\ndòng 3"},
                                           {"title": "Bài bỏ", "body_md": "x"}])
    with app.app_context():
        m = db.session.get(Module, module.id)
        draft = services.get_or_create_draft(None, m)
        keep = draft.lessons[0]
        services.save_draft(None, draft, lock_version=draft.lock_version, title="Tên mới", summary_md="",
                            lessons=[{"key": keep.key, "title": "Bài một", "body_md": "dòng 1\ndòng mới\ndòng 3"},
                                     {"title": "Bài thêm", "body_md": "y"}], document_ids=[])
        services.publish(None, draft, change_summary="Sửa")
        db.session.commit()
        first, second = (r.id for r in m.revisions)
    auth.login("gv")
    page = client.get(f"/author/modules/{module.id}/diff?a={first}&b={second}")
    assert page.status_code == 200
    text = page.text
    assert "<del><span class=\"visually-hidden\">Đã xóa: </span>dòng cũ</del>" in text
    assert "<ins><span class=\"visually-hidden\">Đã thêm: </span>dòng mới</ins>" in text
    assert "Bài thêm" in text
    assert "Bài mới" in text
    assert "Bài bỏ" in text
    assert "Đã bỏ" in text
    assert "Tên mới" in text
    assert '<th scope="col">' in text
    assert client.get(f"/author/modules/{module.id}/diff?a={first}&b=99999").status_code == 404


def test_trainees_cannot_author(client, auth, make):
    make.user("hv")
    module = make.module("HP-01")
    auth.login("hv")
    assert client.get(f"/author/modules/{module.id}/edit").status_code == 403
    assert client.post("/author/preview", data={"text": "x"}).status_code == 403


def test_my_curriculum_follows_held_and_planned_titles_and_puts_my_local_topics_first(client, auth, make, app):
    province = make.locality("Quảng Trị")
    commune = make.locality("Xã Dân Hóa", parent=province)
    elsewhere = make.locality("Hà Tĩnh")
    secretary, chair, deputy = make.title("Bí thư xã"), make.title("Chủ tịch xã"), make.title("Phó Bí thư")
    general = make.module("HP-CHUNG", title="Học phần chung")
    mine = make.module("HP-QT", title="Chuyên đề Quảng Trị", kind="local_topic", localities=[province])
    theirs = make.module("HP-HT", title="Chuyên đề Hà Tĩnh", kind="local_topic", localities=[elsewhere])
    draft_only = make.module("HP-NHAP", title="Học phần nháp", publish=False)
    make.program("CT-BT", name="Chương trình Bí thư", titles=[secretary],
                 modules=[general, theirs, mine, draft_only])
    make.program("CT-CT", name="Chương trình Chủ tịch", titles=[chair], modules=[general])
    make.program("CT-PBT", name="Chương trình Phó Bí thư", titles=[deputy], modules=[general])
    unit = make.unit(locality=commune)
    user = make.user("hv", unit=unit, held=[secretary], planned=[chair])
    auth.login("hv")
    page = client.get("/my/curriculum").text
    assert "Chương trình Bí thư" in page
    assert "Chương trình Chủ tịch" in page
    assert "Chương trình Phó Bí thư" not in page
    assert page.index("Chuyên đề Quảng Trị") < page.index("Học phần chung")
    assert "Chuyên đề Hà Tĩnh" not in page
    assert "Học phần nháp" not in page
    # an admin changes the titles: the next load shows the new curriculum, with nothing to re-run
    with app.app_context():
        u = db.session.get(User, user.id)
        for a in u.title_assignments:
            a.end_date = date(2025, 7, 2)
        accounts.assign_title(None, u, db.session.get(Title, deputy.id), AssignmentKind.HELD, date(2025, 8, 1))
        db.session.commit()
    page = client.get("/my/curriculum").text
    assert "Chương trình Phó Bí thư" in page
    assert "Chương trình Bí thư" not in page


def test_module_and_lesson_pages_show_the_published_revision_and_documents(client, auth, make, app):
    doc = make.document("32-NQ/TW", title="Về tiếp tục đổi mới")
    make.user("hv")
    module = make.module("HP-01", title="Học phần một", documents=[doc],
                         lessons=[{"title": "Bài đầu", "body_md": "Nội dung **đầu**"},
                                  {"title": "Bài sau", "body_md": "Sau"}])
    with app.app_context():
        first, second = db.session.scalars(sa.select(Lesson.id).order_by(Lesson.position)).all()
    auth.login("hv")
    page = client.get(f"/modules/{module.id}").text
    assert "Học phần một" in page
    assert "32-NQ/TW" in page
    assert "Còn hiệu lực" in page
    viewed = []
    with signals.lesson_viewed.connected_to(lambda s, **kw: viewed.append((kw["user"].username, kw["lesson"].id))):
        lesson = client.get(f"/lessons/{first}")
    assert lesson.status_code == 200
    assert "<strong>đầu</strong>" in lesson.text
    assert "Bài sau" in lesson.text
    assert viewed == [("hv", first)]


def test_trainee_page_shows_stored_html_and_never_re_renders(client, auth, make, app, monkeypatch):
    make.user("hv")
    module = make.module("HP-01", lessons=[{"title": "Bài", "body_md": "gốc"}])
    with app.app_context():
        lesson = db.session.scalar(sa.select(Lesson))
        assert lesson.body_html == "<p>gốc</p>"  # rendered once, at save time, and stored
        lesson.body_html = "<p>ĐÃ LƯU SẴN</p>"
        db.session.commit()
        lesson_id = lesson.id

    def boom(*_a, **_k):
        raise AssertionError("rendered again")

    monkeypatch.setattr("lms.markup.render_markdown", boom)
    monkeypatch.setattr("lms.curriculum.services.render_markdown", boom)
    auth.login("hv")
    page = client.get(f"/lessons/{lesson_id}").text
    assert "ĐÃ LƯU SẴN" in page
    assert "gốc" not in page
    assert client.get(f"/modules/{module.id}").status_code == 200


def test_drafts_and_old_lessons(client, auth, make, app):
    from lms.curriculum import services

    make.user("hv")
    module = make.module("HP-01", lessons=[{"title": "Bài", "body_md": "một"}])
    with app.app_context():
        m = db.session.get(Module, module.id)
        old_lesson = m.published.lessons[0].id
        draft = services.get_or_create_draft(None, m)
        services.save_draft(None, draft, lock_version=draft.lock_version, title="T", summary_md="",
                            lessons=[{"key": draft.lessons[0].key, "title": "Bài", "body_md": "BÍ MẬT NHÁP"}],
                            document_ids=[])
        db.session.commit()
        draft_lesson = draft.lessons[0].id
    auth.login("hv")
    assert client.get(f"/lessons/{draft_lesson}").status_code == 404
    assert "BÍ MẬT NHÁP" not in client.get(f"/modules/{module.id}").text
    with app.app_context():
        m = db.session.get(Module, module.id)
        services.publish(None, services.current_draft(m), change_summary="Sửa")
        db.session.commit()
        new_lesson = m.published.lessons[0].id
    moved = client.get(f"/lessons/{old_lesson}")
    assert moved.status_code == 302
    assert moved.headers["Location"].endswith(f"/lessons/{new_lesson}")


def test_program_pages(client, auth, make, app):
    make.admin("ql")
    title = make.title("Bí thư xã")
    m1, m2 = make.module("HP-1"), make.module("HP-2")
    auth.login("ql")
    form = client.get("/author/programs/new")
    assert form.status_code == 200
    data = {"code": "CT-1", "name": "Bồi dưỡng Bí thư xã", "description": "", "title_ids": [str(title.id)],
            "required_theory_level": "2", "hours": "40", "validity_months": "60",
            "items-0-module_id": str(m2.id), "items-0-position": "2", "items-0-due_days": "30",
            "items-1-module_id": str(m1.id), "items-1-position": "1", "items-1-required": "y", "save": "1",
            "active": "y"}
    response = client.post("/author/programs/new", data=data)
    assert response.status_code == 302
    with app.app_context():
        program = db.session.scalar(sa.select(Program))
        assert [(i.module.code, i.required, i.due_days) for i in program.items] == [
            ("HP-1", True, None), ("HP-2", False, 30)]
        assert (program.hours, program.validity_months, program.required_theory_level) == (40, 60, 2)
        assert [t.name for t in program.titles] == ["Bí thư xã"]
        program_id = program.id
    bad = client.post(f"/author/programs/{program_id}/edit", data={**data, "items-1-module_id": str(m2.id)})
    assert bad.status_code == 400
    assert "có hai lần trong chương trình" in bad.text
    assert "Bồi dưỡng Bí thư xã" in client.get("/author/programs").text
    data.pop("active")
    assert client.post(f"/author/programs/{program_id}/edit", data=data).status_code == 302
    with app.app_context():
        assert db.session.get(Program, program_id).active is False
        assert db.session.get(Program, program_id).grade_scale == GradeScale.TEN  # the default
    assert 'value="100"' in client.get(f"/author/programs/{program_id}/edit").text
    assert client.post(f"/author/programs/{program_id}/edit", data={**data, "grade_scale": "100"}).status_code == 302
    with app.app_context():
        assert db.session.get(Program, program_id).grade_scale == GradeScale.HUNDRED
    refused = client.post(f"/author/programs/{program_id}/edit", data={**data, "grade_scale": "20"})
    assert refused.status_code == 400


def test_new_module_explains_what_is_wrong(client, auth, make):
    make.lecturer("gv")
    make.module("HP-01")
    auth.login("gv")
    local = client.post("/author/modules/new", data={"code": "HP-02", "kind": "local_topic", "title": "Chuyên đề"})
    assert local.status_code == 400
    assert "cần gắn với ít nhất một địa phương" in local.text
    taken = client.post("/author/modules/new", data={"code": "HP-01", "kind": "lecture", "title": "Khác"})
    assert "Mã học phần HP-01 đã tồn tại." in taken.text
    empty = client.post("/author/modules/new", data={"code": "", "kind": "lecture", "title": ""})
    assert "Hãy nhập mã học phần." in empty.text


def test_two_lecturers_starting_a_draft_from_the_published_text_at_once(app, make):
    make.lecturer("gv1")
    make.lecturer("gv2")
    module = make.module("HP-01")
    barrier = threading.Barrier(2)
    results = {}

    def save(username):
        client = app.test_client()
        client.post("/sign-in", data={"username": username, "password": "secret-pass-1"})
        barrier.wait()
        results[username] = client.post(f"/author/modules/{module.id}/edit",
                                        data=_draft_form(f"Bản của {username}", "0")).status_code

    threads = [threading.Thread(target=save, args=(u,)) for u in ("gv1", "gv2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results.values()) == [302, 409]
    with app.app_context():
        drafts = db.session.scalars(sa.select(ModuleRevision.title).where(ModuleRevision.number.is_(None))).all()
    winner = next(u for u, code in results.items() if code == 302)
    assert drafts == [f"Bản của {winner}"]


def test_pages_issue_a_bounded_number_of_queries(client, auth, make, app, page_statements):
    title = make.title("Bí thư xã")
    doc = make.document("32-NQ/TW")
    make.lecturer("gv")
    make.user("hv", held=[title])
    modules = [make.module(f"HP-{i}", documents=[doc]) for i in range(2)]
    program = make.program("CT-1", titles=[title], modules=modules)
    auth.login("hv")
    small = page_statements("/my/curriculum")
    auth.logout()
    auth.login("gv")
    small_author = page_statements("/author/modules")
    small_reviews = page_statements("/reviews")
    more = [make.module(f"HP-X{i}", documents=[doc]) for i in range(8)]
    make.program("CT-2", titles=[title], modules=more)
    with app.app_context():
        from lms.curriculum import services

        p = db.session.get(Program, program.id)
        services.save_program(None, p, code="CT-1", name=p.name, title_ids=[title.id],
                              items=[(db.session.get(Module, m.id), True, None) for m in modules + more])
        db.session.commit()
    make.document("33-NQ/TW", number="33", relations=[("supersedes", doc)])
    assert page_statements("/author/modules") == small_author
    reviews = page_statements("/reviews")
    assert reviews <= small_reviews + 5  # the flags, their modules, documents, passages and titles: one query each
    auth.logout()
    auth.login("hv")
    assert page_statements("/my/curriculum") == small
