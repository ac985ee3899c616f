"""The timetable, attendance and supervision pages run as many statements for a large class as for a small one."""
from datetime import date, timedelta

from lms.accounts.models import Role
from lms.delivery.models import NominationState


def test_supervision_pages_do_not_grow_with_the_class(app, client, auth, make, page_statements):
    province = make.unit("Tỉnh ủy")
    lecturer = make.lecturer("giangvien", unit=province)
    klass = make.training_class(unit=province, lecturers=[lecturer], capacity=100)
    make.user("thanhtra", roles=(Role.INSPECTOR,), unit=province, scope=province)
    session = make.class_session(klass, held_on=date(2026, 9, 7), lecturer=lecturer)

    def grow(people: int, sessions: int):
        for _ in range(people):
            make.nomination(klass, make.user(unit=make.unit(parent=province)), NominationState.ENROLLED)
        for n in range(sessions):
            make.class_session(klass, held_on=date(2026, 9, 8) + timedelta(days=n), lecturer=lecturer)

    urls = [f"/classes/{klass.id}/timetable", f"/classes/{klass.id}/attendance", f"/sessions/{session.id}",
            f"/classes/{klass.id}/inspection", "/audit", f"/classes/{klass.id}/papers/results",
            f"/classes/{klass.id}/papers/roster", f"/classes/{klass.id}/papers/attendance", "/admin/classes"]
    grow(2, 1)
    auth.login("thanhtra")
    small = [page_statements(url) for url in urls]
    grow(12, 6)
    large = [page_statements(url) for url in urls]
    assert large == small
