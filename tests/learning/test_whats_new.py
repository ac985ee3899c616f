"""The "Có gì mới" note on a module page: what changed since the revision a trainee studied, until read."""
from lms.curriculum.models import Module
from lms.extensions import db


def _studied(client, app, module):
    with app.app_context():
        lesson_id = db.session.get(Module, module.id).published.lessons[0].id
    assert client.get(f"/lessons/{lesson_id}").status_code == 200


def test_a_trainee_who_studied_an_older_revision_reads_the_change_summaries(client, auth, make, app):
    title = make.title("Bí thư xã")
    make.user("hv", held=[title])
    module = make.learning_module("HP-NEW")
    make.program("CT-NEW", titles=[title], modules=[module])
    auth.login("hv")
    _studied(client, app, module)
    make.publish_revision(module, change_summary="Thêm số liệu năm 2026")
    make.publish_revision(module, change_summary="Sửa lỗi chính tả")
    page = client.get(f"/modules/{module.id}").text
    assert "Có gì mới" in page
    assert "Thêm số liệu năm 2026" in page
    assert "Sửa lỗi chính tả" in page
    assert "Xem các bài học đã thay đổi" not in page  # no re-study revision: summaries only
    client.post(f"/learning/modules/{module.id}/whats-new/seen")
    assert "Có gì mới" not in client.get(f"/modules/{module.id}").text
    make.publish_revision(module, change_summary="Bổ sung bài đọc")
    page = client.get(f"/modules/{module.id}").text
    assert "Bổ sung bài đọc" in page
    assert "Sửa lỗi chính tả" not in page


def test_a_re_study_revision_shows_the_lessons_that_changed(client, auth, make, app):
    make.user("hv")
    module = make.learning_module("HP-RE", lessons=("Bài 1",))
    auth.login("hv")
    _studied(client, app, module)
    with app.app_context():
        key = db.session.get(Module, module.id).published.lessons[0].key
    make.publish_revision(module, requires_restudy=True, change_summary="Theo Nghị quyết mới",
                          lessons=[(key, "Bài 1", "Nội dung mới theo Nghị quyết 57-NQ/TW.")])
    page = client.get(f"/modules/{module.id}").text
    assert "Xem các bài học đã thay đổi" in page
    assert "Nội dung mới theo Nghị quyết 57-NQ/TW." in page


def test_no_note_for_a_trainee_who_never_studied_the_module_nor_for_staff(client, auth, make, app):
    make.user("hv")
    make.lecturer("gv")
    module = make.learning_module("HP-NONE")
    make.publish_revision(module, change_summary="Cập nhật")
    auth.login("hv")
    assert "Có gì mới" not in client.get(f"/modules/{module.id}").text
    auth.logout()
    auth.login("gv")
    assert "Có gì mới" not in client.get(f"/modules/{module.id}").text
