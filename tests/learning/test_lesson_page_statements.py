"""The lesson page a trainee reads again is read-only and costs a fixed, small number of SQL statements."""
import sqlalchemy as sa

from lms.curriculum.models import Module
from lms.extensions import db
from lms.learning.models import LearningEvent, LessonProgress


def test_a_repeat_view_writes_nothing_and_runs_three_statements(app, client, auth, make, statements):
    title = make.title("Bí thư chi bộ")
    module = make.learning_module(title="Xây dựng Đảng", lessons=("Bài một", "Bài hai", "Bài ba"))
    make.learning_program("Bồi dưỡng Bí thư chi bộ", titles=[title], modules=[module])
    make.user("hocvien", held=[title])
    with app.app_context():
        lesson_id = db.session.get(Module, module.id).published.lessons[1].id
    auth.login("hocvien")
    first = client.get(f"/lessons/{lesson_id}")
    assert first.status_code == 200
    with statements() as log:
        again = client.get(f"/lessons/{lesson_id}")
    assert again.status_code == 200
    assert "Bài ba" in again.get_data(as_text=True)  # the navigation to the next lesson
    reads = [s for s in log if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT",
                                                                  "RELEASE"))]
    assert [s for s in reads if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))] == []
    # The signed-in user with their roles; the lesson's current revision, open flags and cited documents; the
    # trainee's last activity and done mark. The published lesson and its neighbours are not read again.
    assert len(reads) == 3, reads
    assert not any("body_html" in s for s in reads)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 1
        assert [e.verb for e in db.session.scalars(sa.select(LearningEvent))] == ["launched"]
