"""Every link a trainee or an admin sees to a class leads to a page they may open: the class page (staff only)
is never offered to a trainee, whose own record and timetable lead to the class's timetable instead."""
from __future__ import annotations

import re

from lms.delivery.models import NominationState

LINK = re.compile(r'<a [^>]*href="(/(?:classes|admin/classes)/[^"#?]*)')


def _links(html: str) -> set[str]:
    return set(LINK.findall(html[html.index("<main"):]))


def _class(make):
    province = make.unit("Tỉnh ủy Quảng Trị")
    school = make.unit("Trường Chính trị Lê Duẩn", parent=province)
    commune = make.unit("Đảng ủy xã Dân Hóa", parent=province)
    klass = make.training_class(unit=school, code="LOP-2026")
    make.class_session(klass, topic="Khai giảng")
    trainee = make.user("hocvien", unit=commune)
    make.nomination(klass, trainee, NominationState.ENROLLED)
    return province, commune, klass, trainee


def test_a_trainee_is_never_led_to_the_staff_class_page(client, auth, make):
    _province, _commune, klass, trainee = _class(make)
    auth.login("hocvien")
    pages = [client.get(f"/people/{trainee.id}").text, client.get(f"/classes/{klass.id}/timetable").text,
             client.get("/my/classes").text]
    links = set().union(*(_links(page) for page in pages))
    assert f"/classes/{klass.id}/timetable" in links
    for link in links:
        assert client.get(link).status_code == 200, link
    assert client.get(f"/classes/{klass.id}").status_code == 404  # the page a trainee is not offered


def test_an_admin_reading_the_record_is_led_to_the_class_page_only_when_they_may_open_it(client, auth, make):
    province, commune, klass, trainee = _class(make)
    make.admin("tinh", scope=province)
    make.admin("xa", scope=commune)
    auth.login("tinh")
    assert f"/classes/{klass.id}" in _links(client.get(f"/people/{trainee.id}").text)
    auth.logout()
    auth.login("xa")  # the commune's admin reads the record, but the class belongs to the provincial school
    record = client.get(f"/people/{trainee.id}").text
    assert "LOP-2026" in record
    for link in _links(record):
        assert client.get(link).status_code == 200, link


def test_a_trainees_calendar_and_notices_lead_to_their_own_classes_page(client, auth, make):
    """The calendar (and its feed) and the nomination notices name the class where the trainee can read it."""
    _province, _commune, klass, trainee = _class(make)
    lecturer = make.lecturer("giangvien")
    other = make.training_class(code="LOP-GV", lecturers=[lecturer])
    make.nomination(other, trainee, NominationState.ENROLLED)
    auth.login("hocvien")
    calendar = client.get("/calendar").text
    assert f'href="/my/classes#class-{klass.id}"' in calendar
    assert f'id="class-{klass.id}"' in client.get("/my/classes").text
    for link in _links(calendar):
        assert client.get(link).status_code == 200, link
    auth.logout()
    auth.login("giangvien")  # the lecturer of a class goes to its page
    assert f'href="/classes/{other.id}"' in client.get("/calendar").text
