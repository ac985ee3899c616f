"""Trainees get a status row for every program they must take when titles or programs change, never on a GET."""
import sqlalchemy as sa

from lms.curriculum import services as curriculum
from lms.curriculum.models import Module
from lms.extensions import db
from lms.learning.models import ProgramState, ProgramStatus


def _statuses(app):
    with app.app_context():
        return db.session.execute(sa.select(ProgramStatus.user_id, ProgramStatus.state)).all()


def test_a_program_saved_after_the_title_gives_its_holders_and_planned_cadres_a_status(app, make):
    title = make.title()
    holder = make.user("hocvien", held=[title])
    planned = make.user("quyhoach", planned=[title])
    make.user("khac")
    module = make.learning_module()
    for _ in range(2):  # saving again adds nothing
        with app.app_context():
            curriculum.save_program(None, db.session.scalar(sa.select(curriculum.Program)), code="CT-X",
                                    name="Chương trình X", title_ids=[title.id],
                                    items=[(db.session.get(Module, module.id), True, 30)])
            db.session.commit()
    assert sorted(_statuses(app)) == sorted([(holder.id, ProgramState.NOT_STARTED),
                                            (planned.id, ProgramState.NOT_STARTED)])


def test_the_home_page_only_reads(app, client, auth, make):
    title = make.title()
    make.user("hocvien", held=[title])
    make.learning_program(titles=[title], modules=[make.learning_module()])  # rows made directly: no signal
    auth.login("hocvien")
    assert client.get("/").status_code == 200
    assert _statuses(app) == []
