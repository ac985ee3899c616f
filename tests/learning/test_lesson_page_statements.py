"""The lesson page a trainee reads again is read-only and costs a fixed, small number of SQL statements."""
import sqlalchemy as sa
from sqlalchemy import event

from lms.curriculum.models import Module
from lms.extensions import db
from lms.learning.models import LearningEvent, LessonProgress


class StatementLog:
    def __init__(self, engine):
        self.engine, self.statements = engine, []

    def _record(self, _conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            self.statements.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._record)


def test_a_repeat_view_writes_nothing_and_runs_few_statements(app, client, auth, make):
    title = make.title("Bí thư chi bộ")
    module = make.learning_module(title="Xây dựng Đảng", lessons=("Bài một", "Bài hai", "Bài ba"))
    make.learning_program("Bồi dưỡng Bí thư chi bộ", titles=[title], modules=[module])
    make.user("hocvien", held=[title])
    with app.app_context():
        lesson_id = db.session.get(Module, module.id).published.lessons[1].id
        engine = db.engine
    auth.login("hocvien")
    first = client.get(f"/lessons/{lesson_id}")
    assert first.status_code == 200
    with StatementLog(engine) as log:
        again = client.get(f"/lessons/{lesson_id}")
    assert again.status_code == 200
    assert "Bài ba" in again.get_data(as_text=True)  # the navigation to the next lesson
    writes = [s for s in log.statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    # The user with their role grants, the lesson with revision and module, its lessons, its cited documents,
    # the visit check, the review flags, and whether the lesson is done.
    assert len(log.statements) <= 7, log.statements
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 1
        assert [e.verb for e in db.session.scalars(sa.select(LearningEvent))] == ["launched"]
