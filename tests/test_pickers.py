"""Choosing a unit, a person or a commune in a province of hundreds of units and thousands of people: a search
box (with or without JavaScript), never a drop-down of the whole scope, and never a choice outside it."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from lms.accounts.models import User
from lms.extensions import db
from lms.organisation.models import Unit

MAX_OPTIONS = 60


@pytest.fixture
def province(app, make):
    """A province with the admin's tree, and a unit of another province with a name found in both."""
    root = make.unit("Tỉnh ủy Hà Tĩnh", code="HT")
    make.admin("admin", scope=root)
    ky_anh = make.unit("Đảng ủy xã Kỳ Anh", parent=root, code="HT-KA")
    make.unit("Đảng ủy xã Kỳ Hoa", parent=root, code="HT-KH")
    make.unit("Đảng ủy xã Kỳ Hà", parent=root)
    other = make.unit("Tỉnh ủy Quảng Ngãi", code="QNG")
    elsewhere = make.unit("Đảng ủy xã Kỳ Anh", parent=other, code="QNG-KA")
    return {"root": root, "ky_anh": ky_anh, "elsewhere": elsewhere}


def _new_user(**fields) -> dict:
    return {"username": "moi", "full_name": "Người Mới", "email": "", "roles": ["trainee"], "theory_level": "0",
            "password": "mat-khau-tam-1", **fields}


def test_units_are_found_without_diacritics_and_only_in_scope(client, auth, province):
    auth.login("admin")
    answer = client.get("/pick/units?q=ky anh").get_json()
    assert [(i["id"], i["label"], i["hint"]) for i in answer["items"]] == [
        (province["ky_anh"].id, "Đảng ủy xã Kỳ Anh (HT-KA)", "Tỉnh ủy Hà Tĩnh")]
    by_code = client.get("/pick/units?q=ht-kh").get_json()["items"]
    assert [i["label"] for i in by_code] == ["Đảng ủy xã Kỳ Hoa (HT-KH)"]
    # "ky" starts three names; the province itself holds the word only through its children's parent name
    assert {i["label"] for i in client.get("/pick/units?q=xa ky").get_json()["items"]} == {
        "Đảng ủy xã Kỳ Anh (HT-KA)", "Đảng ủy xã Kỳ Hoa (HT-KH)", "Đảng ủy xã Kỳ Hà"}


def test_searches_answer_at_most_twenty_rows_and_say_more_exist(app, client, auth, make):
    root = make.unit("Tỉnh ủy")
    make.admin("admin", scope=root)
    with app.app_context():
        for n in range(25):
            make.unit(f"Chi bộ thôn {n}", parent=root)
            make.user(f"u{n}", full_name=f"Nguyễn Văn {n}", unit=root, password=None)
        db.session.commit()
    auth.login("admin")
    units = client.get("/pick/units?q=chi bo").get_json()
    people = client.get("/pick/people?q=nguyen").get_json()
    assert (len(units["items"]), units["more"], len(people["items"]), people["more"]) == (20, True, 20, True)
    exact = client.get("/pick/people?q=Nguyễn Văn 7").get_json()["items"]
    assert exact[0]["label"] == "Nguyễn Văn 7 (u7)"  # the whole name first, before "Nguyễn Văn 17"...


def test_a_name_typed_without_javascript_is_resolved_on_save(app, client, auth, province):
    auth.login("admin")
    response = client.post("/admin/users/new", data=_new_user(unit_id="", unit_id_q="xa ky anh"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.username == "moi")).unit_id == province["ky_anh"].id
    edit = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="Đảng ủy xã Kỳ Anh (HT-KA)"' in edit  # editing shows the current unit by name


def test_several_or_no_matches_are_explained_and_nothing_typed_is_lost(app, client, auth, province):
    auth.login("admin")
    several = client.post("/admin/users/new", data=_new_user(unit_id_q="xa ky"))
    text = several.get_data(as_text=True)
    assert several.status_code == 400
    assert "Có nhiều đơn vị khớp với “xa ky”" in text
    assert "Đảng ủy xã Kỳ Anh (HT-KA) (Tỉnh ủy Hà Tĩnh)" in text
    assert "Đảng ủy xã Kỳ Hà" in text
    assert 'value="xa ky"' in text
    assert 'value="Người Mới"' in text
    none = client.post("/admin/users/new", data=_new_user(unit_id_q="Phường Không Có"))
    assert none.status_code == 400
    assert "Không tìm thấy đơn vị nào khớp với “Phường Không Có”" in none.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.username == "moi")) is None


def test_a_forged_id_outside_the_scope_is_refused(app, client, auth, province):
    auth.login("admin")
    forged = province["elsewhere"]
    for data in ({"unit_id": forged.id}, {"unit_id": forged.id, "unit_id_q": "Đảng ủy xã Kỳ Anh (QNG-KA)"}):
        response = client.post("/admin/users/new", data=_new_user(**data))
        assert response.status_code == 400
        assert "“Đảng ủy xã Kỳ Anh (QNG-KA)” nằm ngoài phạm vi bạn được chọn" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.username == "moi")) is None


def test_a_unit_chosen_then_renamed_in_the_box_follows_the_text(app, client, auth, province):
    """The hidden id is kept only while the box still shows that unit's name (a browser without the script
    leaves the id of the unit shown when the page opened)."""
    auth.login("admin")
    response = client.post("/admin/users/new", data=_new_user(unit_id=province["root"].id, unit_id_q="HT-KA"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.username == "moi")).unit_id == province["ky_anh"].id


def test_the_user_list_filters_by_a_unit_typed(client, auth, make, province):
    make.user("o.ka", full_name="Ở Kỳ Anh", unit=province["ky_anh"])
    make.user("o.tinh", full_name="Ở Tỉnh", unit=province["root"])
    auth.login("admin")
    text = client.get("/admin/users/?unit=&unit_q=ht-ka").get_data(as_text=True)
    assert "Ở Kỳ Anh" in text
    assert "Ở Tỉnh" not in text
    assert "nằm ngoài phạm vi" in client.get(f"/admin/users/?unit={province['elsewhere'].id}").get_data(as_text=True)


def test_the_certificate_issuer_opens_for_a_unit_typed(client, auth, province):
    auth.login("admin")
    assert 'value="Tỉnh ủy Hà Tĩnh (HT)"' in client.get("/admin/certificates").get_data(as_text=True)
    chosen = client.get("/admin/certificate-issuer?unit=&unit_q=ky anh")
    assert chosen.headers["Location"].endswith(f"/admin/units/{province['ky_anh'].id}/certificate-issuer")
    several = client.get("/admin/certificate-issuer?unit=&unit_q=ky")
    assert several.status_code == 400
    assert "Có nhiều đơn vị khớp với “ky”" in several.get_data(as_text=True)


def test_a_class_is_opened_for_a_program_typed(app, client, auth, make, province):
    from lms.delivery.models import TrainingClass

    program = make.program(name="Bồi dưỡng Bí thư Đảng ủy xã", code="BT-XA")
    make.module(code="HP-BT", title="Bồi dưỡng kỹ năng")
    auth.login("admin")
    found = client.get("/pick/subjects?q=boi duong").get_json()["items"]
    assert [i["label"] for i in found] == ["Chương trình: Bồi dưỡng Bí thư Đảng ủy xã (BT-XA)",
                                           "Học phần: Bồi dưỡng kỹ năng (HP-BT)"]
    response = client.post("/admin/classes/new", data={
        "code": "BTX-1", "name": "Lớp 1", "subject": "", "subject_q": "bi thu dang uy xa", "mode": "online",
        "starts_on": "2026-10-01", "ends_on": "2026-10-30", "capacity": "40", "unit_id": "", "unit_id_q": "HT"})
    assert response.status_code == 302
    with app.app_context():
        klass = db.session.scalar(sa.select(TrainingClass))
        assert (klass.program_id, klass.unit_id) == (program.id, province["root"].id)
    edit = client.get(f"/admin/classes/{klass.id}/edit").get_data(as_text=True)
    assert 'value="Chương trình: Bồi dưỡng Bí thư Đảng ủy xã (BT-XA)"' in edit
    assert 'value="p' in edit


def test_a_programs_modules_are_typed_by_code_or_title(app, client, auth, make):
    from lms.curriculum.models import Program

    make.lecturer("gv")
    make.module("HP-LS", title="Lịch sử Đảng bộ địa phương")
    make.module("HP-KN", title="Kỹ năng lãnh đạo")
    auth.login("gv")
    found = client.get("/pick/modules?q=lich su").get_json()["items"]
    assert [i["label"] for i in found] == ["HP-LS — Lịch sử Đảng bộ địa phương"]
    data = {"code": "CT-1", "name": "Chương trình", "required_theory_level": "0", "grade_scale": "10", "save": "1",
            "items-0-module_id": "", "items-0-module_id_q": "ky nang lanh dao", "items-0-position": "1",
            "items-1-module_id": "", "items-1-module_id_q": "HP", "items-1-position": "2"}
    several = client.post("/author/programs/new", data=data)
    assert several.status_code == 400
    assert "Có nhiều học phần khớp với “HP”" in several.text
    assert 'value="HP"' in several.text
    saved = client.post("/author/programs/new", data={**data, "items-1-module_id_q": "hp-ls"})
    assert saved.status_code == 302
    with app.app_context():
        program = db.session.scalar(sa.select(Program))
        assert [i.module.code for i in program.items] == ["HP-KN", "HP-LS"]
    assert 'value="HP-KN — Kỹ năng lãnh đạo"' in client.get(f"/author/programs/{program.id}/edit").text


def test_a_plan_is_opened_and_saved_for_a_unit_typed(app, client, auth, make, province):
    from lms.delivery.models import TrainingPlan

    make.program(name="Bồi dưỡng Bí thư Đảng ủy xã")
    auth.login("admin")
    opened = client.get("/admin/plans/edit?unit_id=&unit_id_q=ky anh&year=2026").get_data(as_text=True)
    assert opened.count('value="Đảng ủy xã Kỳ Anh (HT-KA)"') == 2  # "open" and the plan's own form
    saved = client.post("/admin/plans/edit", data={"unit_id": "", "unit_id_q": "HT-KA", "year": "2026", "note": ""})
    assert saved.status_code == 302
    forged = client.post("/admin/plans/edit", data={"unit_id": province["elsewhere"].id, "year": "2026"})
    assert forged.status_code == 200  # the form again, with the reason under the unit
    assert "nằm ngoài phạm vi bạn được chọn" in forged.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(sa.select(TrainingPlan.unit_id)).all() == [province["ky_anh"].id]


def test_the_pickers_are_for_admins(client, auth, make):
    make.user("hv")
    auth.login("hv")
    assert client.get("/pick/units?q=x").status_code == 403


def _largest_choice_lists(html: str) -> list[int]:
    """The number of options in each <select>, and of same-named checkboxes, on a page."""
    selects = [len(re.findall(r"<option\b", body)) for body in re.findall(r"<select\b.*?</select>", html, re.S)]
    names = re.findall(r'<input\b[^>]*type="checkbox"[^>]*name="([^"]+)"', html)
    return selects + [names.count(n) for n in set(names)]


def test_no_admin_form_lists_the_whole_scope(app, client, auth, make):
    """With 200 units, 200 people (80 of them lecturers), 200 communes, 70 programs and 70 modules, no form offers
    more than 60 choices."""
    from lms.accounts.models import Role

    province = make.locality("Hà Tĩnh")
    root = make.unit("Tỉnh ủy Hà Tĩnh", locality=province)
    admin = make.admin("admin", scope=root)
    title = make.title()
    program = make.program(titles=[title])
    klass = make.training_class(program=program, unit=root)
    with app.app_context():
        for n in range(200):
            commune = make.locality(f"Xã {n}", parent=province)
            unit = make.unit(f"Đảng ủy xã {n}", parent=root, locality=commune)
            roles = (Role.TRAINEE, Role.LECTURER) if n < 80 else (Role.TRAINEE,)
            make.user(f"u{n}", unit=unit, roles=roles, held=[title], password=None)
        db.session.commit()
        for n in range(70):
            make.module(f"HP-{n}", title=f"Học phần {n}")
            make.program_record(f"Chương trình {n}", code=f"CT-{n}")
        db.session.commit()
        unit_id = db.session.scalar(sa.select(Unit.id).where(Unit.name == "Đảng ủy xã 7"))
        person_id = db.session.scalar(sa.select(User.id).where(User.username == "u7"))
    auth.login("admin")
    pages = ["/admin/users/", "/admin/users/new", f"/admin/users/{person_id}", f"/admin/users/{admin.id}",
             "/admin/units/new", f"/admin/units/{unit_id}", "/admin/classes/new",
             f"/admin/classes/{klass.id}/edit", f"/classes/{klass.id}", f"/admin/classes/{klass.id}/pick",
             "/admin/plans/edit", f"/admin/plans/edit?unit_id={unit_id}", "/admin/certificates",
             "/dashboards/", f"/dashboards/?province={province.id}", "/author/programs/new"]
    largest = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        largest[url] = max(_largest_choice_lists(response.get_data(as_text=True)), default=0)
    assert {url: n for url, n in largest.items() if n > MAX_OPTIONS} == {}
