"""The learning hooks on the curriculum's own pages, driven by its services (publish, programs)."""
import sqlalchemy as sa

from lms.accounts.models import User
from lms.curriculum import services as curriculum
from lms.curriculum.models import Module
from lms.extensions import db
from lms.learning.models import Certificate, LessonProgress, ModuleState, ModuleStatus, ProgramStatus


def test_studying_through_the_curriculum_pages(app, client, auth, make):
    title = make.title("Bí thư chi bộ")
    module = make.module(title="Công tác xây dựng chi bộ", lessons=[
        {"title": "Vai trò của chi bộ", "body_md": "Chi bộ là hạt nhân chính trị ở cơ sở.", "minutes": 15},
        {"title": "Sinh hoạt chi bộ", "body_md": "Nội dung sinh hoạt định kỳ.", "minutes": 15},
    ])
    make.program(name="Bồi dưỡng Bí thư chi bộ", titles=[title], modules=[(module, True, 30)])
    make.user("hocvien", held=[title])
    with app.app_context():
        lessons = [lesson.id for lesson in db.session.get(Module, module.id).published.lessons]
    auth.login("hocvien")
    page = client.get(f"/lessons/{lessons[0]}").get_data(as_text=True)
    assert "Đánh dấu đã học xong" in page
    assert 'data-heartbeat-url="/learning/lessons/' in page
    with app.app_context():
        progress = db.session.scalars(sa.select(LessonProgress)).one()
        assert progress.revision_id == db.session.get(Module, module.id).published_revision_id
    for lesson_id in lessons:
        response = client.post(f"/learning/lessons/{lesson_id}/complete", follow_redirects=True)
        assert "Bạn đã hoàn thành bài học này." in response.get_data(as_text=True)
    curriculum_page = client.get("/my/curriculum").get_data(as_text=True)
    assert "Đã hoàn thành 1/1 học phần bắt buộc" in curriculum_page
    with app.app_context():
        assert db.session.scalars(sa.select(ProgramStatus)).one().state == "completed"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1

    # The lecturer publishes a revision that requires re-study.
    with app.test_request_context():
        lecturer = db.session.get(User, make.lecturer().id)
        draft = curriculum.get_or_create_draft(lecturer, db.session.get(Module, module.id))
        rows = [{"key": lesson.key, "title": lesson.title, "body_md": lesson.body_md, "minutes": lesson.minutes}
                for lesson in draft.lessons]
        rows[1]["body_md"] = "Nội dung sinh hoạt định kỳ theo Quy định mới."
        curriculum.save_draft(lecturer, draft, lock_version=draft.lock_version, title=draft.title,
                              summary_md="", lessons=rows, document_ids=[])
        curriculum.publish(lecturer, draft, change_summary="Cập nhật theo quy định mới", requires_restudy=True)
        db.session.commit()
    module_page = client.get(f"/modules/{module.id}").get_data(as_text=True)
    assert "Nội dung đã cập nhật: vui lòng ôn lại." in module_page
    assert "Cập nhật theo quy định mới" in module_page
    assert "+Nội dung sinh hoạt định kỳ theo Quy định mới." in module_page
    with app.app_context():
        assert db.session.scalars(sa.select(ModuleStatus)).one().state == ModuleState.NEEDS_REVIEW
        new_lessons = [lesson.id for lesson in db.session.get(Module, module.id).published.lessons]
    for lesson_id in new_lessons:
        client.post(f"/learning/lessons/{lesson_id}/complete")
    with app.app_context():
        assert db.session.scalars(sa.select(ModuleStatus)).one().state == ModuleState.COMPLETED
