"""The lesson page keeps a published lesson in memory; what can change still shows at once."""
from lms.curriculum.models import Lesson, Module
from lms.extensions import db


def _lesson_ids(app, module_id):
    with app.app_context():
        return [lesson.id for lesson in db.session.get(Module, module_id).published.lessons]


def test_a_lesson_read_before_a_new_revision_leads_to_the_new_text(client, auth, make, app):
    make.user("hv")
    module = make.module("HP-01", lessons=[{"title": "Bài một", "body_md": "Bản cũ"},
                                           {"title": "Bài hai", "body_md": "Hai"}])
    old_first, _old_second = _lesson_ids(app, module.id)
    auth.login("hv")
    assert "Bản cũ" in client.get(f"/lessons/{old_first}").text
    with app.app_context():
        key = db.session.get(Lesson, old_first).key
    make.publish_revision(module, lessons=[(key, "Bài một (sửa)", "Bản mới")])
    new_first = _lesson_ids(app, module.id)[0]

    moved = client.get(f"/lessons/{old_first}")
    assert moved.status_code == 302
    assert moved.headers["Location"].endswith(f"/lessons/{new_first}")
    page = client.get(f"/lessons/{new_first}").text
    assert "Bản mới" in page
    assert "Bài một (sửa)" in page
    assert "Bản cũ" not in page
    assert "Bài hai" not in page  # the new revision has one lesson: no link to a next one


def test_a_cited_document_superseded_after_the_lesson_was_read_shows_as_superseded(client, auth, make, app):
    cited = make.document("32-NQ/TW", title="Về tiếp tục đổi mới")
    make.user("hv")
    module = make.module("HP-01", documents=[cited], lessons=[{"title": "Bài", "body_md": "Nội dung"}])
    lesson_id = _lesson_ids(app, module.id)[0]
    auth.login("hv")
    first = client.get(f"/lessons/{lesson_id}").text
    assert "Còn hiệu lực" in first
    assert "Nội dung đang được rà soát" not in first

    make.document("45-NQ/TW", title="Nghị quyết mới", relations=[("supersedes", cited)])

    again = client.get(f"/lessons/{lesson_id}").text
    assert "Đã bị thay thế" in again
    assert "Nội dung đang được rà soát" in again  # the review flag the new document raised


def test_the_menu_follows_each_users_roles_and_language(client, auth, make):
    make.admin("quantri")
    make.user("hv")
    auth.login("quantri")
    admin_page = client.get("/").text
    assert 'href="/admin/users/"' in admin_page
    auth.logout()

    auth.login("hv")
    trainee_page = client.get("/").text
    assert 'href="/admin/users/"' not in trainee_page
    assert "Chương trình học của tôi" in trainee_page
    client.post("/language", data={"locale": "en"})
    english = client.get("/").text
    assert "My curriculum" in english
    assert "Chương trình học của tôi" not in english


def _rendered_templates(app):
    from flask import template_rendered

    names = []

    def record(_sender, template, context, **_extra):
        names.append(template.name)

    template_rendered.connect(record, app)
    return names, lambda: template_rendered.disconnect(record, app)


def test_the_lesson_text_is_rendered_once_for_every_trainee_who_reads_it(client, auth, make, app):
    make.user("hv1")
    make.user("hv2")
    module = make.module("HP-01", lessons=[{"title": "Bài một", "body_md": "Nội dung chung"},
                                           {"title": "Bài hai", "body_md": "Hai"}])
    lesson_id = _lesson_ids(app, module.id)[0]
    auth.login("hv1")
    client.get(f"/lessons/{lesson_id}")
    auth.logout()
    auth.login("hv2")
    names, stop = _rendered_templates(app)
    try:
        page = client.get(f"/lessons/{lesson_id}").text
    finally:
        stop()

    assert "Nội dung chung" in page
    assert "Bài hai" in page
    assert "curriculum/lesson.html" in names
    assert "curriculum/_lesson_text.html" not in names
    assert "curriculum/_lesson_pager.html" not in names


def test_a_documents_new_status_and_the_readers_language_show_on_the_next_view(client, auth, make, app):
    from lms.documents.models import Document

    cited = make.document("32-NQ/TW", title="Về tiếp tục đổi mới")
    make.user("hv")
    module = make.module("HP-01", documents=[cited], lessons=[{"title": "Bài", "body_md": "Nội dung"}])
    lesson_id = _lesson_ids(app, module.id)[0]
    auth.login("hv")
    assert "Còn hiệu lực" in client.get(f"/lessons/{lesson_id}").text
    with app.app_context():
        db.session.get(Document, cited.id).status = "stopped"
        db.session.commit()

    assert "Đã dừng thực hiện" in client.get(f"/lessons/{lesson_id}").text
    client.post("/language", data={"locale": "en"})
    english = client.get(f"/lessons/{lesson_id}").text
    assert "My curriculum" in english  # the lesson's breadcrumb
    assert "Đã dừng thực hiện" not in english
