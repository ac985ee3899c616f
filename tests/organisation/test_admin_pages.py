"""Units and titles: an admin shapes their own subtree; titles are edited by a system-wide admin only."""
from datetime import date

import pytest
import sqlalchemy as sa

from lms.accounts.models import User
from lms.errors import InvalidInput, NotAllowed
from lms.extensions import db
from lms.organisation import services
from lms.organisation.models import Title, TitleLevel, Unit


@pytest.fixture
def tree(make):
    quang_tri = make.unit("Tỉnh ủy Quảng Trị")
    btc = make.unit("Ban Tổ chức Tỉnh ủy", parent=quang_tri)
    dan_hoa = make.unit("Đảng ủy xã Dân Hóa", parent=quang_tri)
    chi_bo = make.unit("Chi bộ thôn 1", parent=dan_hoa)
    hue = make.unit("Thành ủy Huế")
    make.user("hv.ha", unit=dan_hoa, password=None)
    make.user("hv.son", unit=dan_hoa, password=None)
    make.admin("admin", scope=quang_tri)
    return {"root": quang_tri, "btc": btc, "commune": dan_hoa, "cell": chi_bo, "hue": hue}


def test_unit_tree_shows_the_admins_subtree_with_head_counts(client, auth, tree):
    auth.login("admin")
    page = client.get("/admin/units").get_data(as_text=True)
    for name in ("Tỉnh ủy Quảng Trị", "Ban Tổ chức Tỉnh ủy", "Đảng ủy xã Dân Hóa", "Chi bộ thôn 1"):
        assert name in page
    assert "Thành ủy Huế" not in page
    assert "2 người" in page  # Dân Hóa's two trainees
    assert page.index("Đảng ủy xã Dân Hóa") < page.index("Chi bộ thôn 1")


def test_create_a_unit_under_one_in_scope(app, client, auth, make, tree):
    locality = make.locality("Quảng Trị")
    make.locality("Xã Dân Hóa", parent=locality)
    with app.app_context():
        db.session.get(Unit, tree["root"].id).locality_id = locality.id
        db.session.commit()
    auth.login("admin")
    page = client.get(f"/admin/units/new?parent={tree['commune'].id}").get_data(as_text=True)
    assert 'value="Đảng ủy xã Dân Hóa"' in page  # the parent asked for, named in its picker
    found = client.get("/pick/localities?q=dan hoa").get_json()["items"]
    assert [item["label"] for item in found] == ["Xã Dân Hóa, Quảng Trị"]
    response = client.post("/admin/units/new", data={
        "name": "Chi bộ thôn 2", "code": "QT-DH-T2", "parent_id": tree["commune"].id, "locality_id": locality.id})
    assert response.status_code == 302
    with app.app_context():
        unit = db.session.scalar(sa.select(Unit).where(Unit.code == "QT-DH-T2"))
        assert unit.parent_id == tree["commune"].id
        assert unit.path == f"/{tree['root'].id}/{tree['commune'].id}/{unit.id}/"
        assert unit.locality_id == locality.id


def test_create_under_a_unit_of_another_province_is_refused(app, client, auth, tree):
    auth.login("admin")
    response = client.post("/admin/units/new", data={"name": "Lạc chỗ", "parent_id": tree["hue"].id,
                                                     "locality_id": 0})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(Unit.id).where(Unit.name == "Lạc chỗ")) is None


def test_a_duplicate_unit_code_is_refused_with_the_reason(client, auth, make, tree):
    make.unit("Có mã", parent=tree["root"], code="QT-1")
    auth.login("admin")
    response = client.post("/admin/units/new", data={"name": "Trùng mã", "code": "QT-1",
                                                     "parent_id": tree["root"].id, "locality_id": 0})
    assert "Mã đơn vị QT-1 đã tồn tại." in response.get_data(as_text=True)


def test_moving_a_unit_moves_its_subtree(app, client, auth, tree):
    auth.login("admin")
    response = client.post(f"/admin/units/{tree['commune'].id}", data={
        "name": "Đảng ủy xã Dân Hóa", "code": "", "parent_id": tree["btc"].id, "locality_id": 0})
    assert response.status_code == 302
    with app.app_context():
        cell = db.session.get(Unit, tree["cell"].id)
        assert cell.path == f"/{tree['root'].id}/{tree['btc'].id}/{tree['commune'].id}/{cell.id}/"
        assert cell.depth == 3


def test_a_unit_cannot_move_into_its_own_subtree(app, client, auth, tree):
    auth.login("admin")
    response = client.post(f"/admin/units/{tree['commune'].id}", data={
        "name": "Đảng ủy xã Dân Hóa", "parent_id": tree["cell"].id, "locality_id": 0})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Unit, tree["commune"].id).parent_id == tree["root"].id
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        with pytest.raises(InvalidInput, match="bên trong chính nó"):
            services.update_unit(admin, db.session.get(Unit, tree["commune"].id), name="x", locality=None,
                                 code=None, parent=db.session.get(Unit, tree["cell"].id))


def test_the_top_of_ones_scope_can_be_renamed_but_not_moved(app, client, auth, tree):
    auth.login("admin")
    page = client.get(f"/admin/units/{tree['root'].id}").get_data(as_text=True)
    assert 'name="parent_id"' not in page
    client.post(f"/admin/units/{tree['root'].id}", data={"name": "Tỉnh ủy Quảng Trị (mới)", "locality_id": 0})
    with app.app_context():
        root = db.session.get(Unit, tree["root"].id)
        assert (root.name, root.parent_id) == ("Tỉnh ủy Quảng Trị (mới)", None)


def test_a_province_admin_gets_403_on_a_unit_of_another_province(app, client, auth, tree):
    auth.login("admin")
    assert client.get(f"/admin/units/{tree['hue'].id}").status_code == 403
    response = client.post(f"/admin/units/{tree['hue'].id}", data={"name": "Đổi tên", "locality_id": 0})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Unit, tree["hue"].id).name == "Thành ủy Huế"


def test_services_refuse_units_out_of_scope(ctx, make):
    quang_tri, hue = make.unit(), make.unit()
    admin = make.admin(scope=quang_tri)
    with pytest.raises(NotAllowed):
        services.create_unit(admin, name="Lạc chỗ", parent=hue)


def test_a_system_wide_admin_creates_and_edits_titles(app, client, auth, tree):
    auth.login("admin")
    response = client.post("/admin/titles/new", data={
        "code": "xa-ct-hdnd", "name": "Chủ tịch Hội đồng nhân dân xã", "level": "commune",
        "group": "Chính quyền xã", "is_key": "y", "valid_from": "2025-07-01", "valid_to": ""})
    assert response.status_code == 302
    with app.app_context():
        title = db.session.scalar(sa.select(Title).where(Title.code == "XA-CT-HDND"))
        assert (title.level, title.is_key, title.valid_from) == (TitleLevel.COMMUNE, True, date(2025, 7, 1))
    client.post(f"/admin/titles/{title.id}", data={
        "code": "XA-CT-HDND", "name": "Chủ tịch HĐND xã", "level": "commune", "group": "",
        "valid_from": "2025-07-01", "valid_to": "2030-06-30"})
    with app.app_context():
        title = db.session.get(Title, title.id)
        assert (title.name, title.is_key, title.valid_to) == ("Chủ tịch HĐND xã", False, date(2030, 6, 30))
    assert "Chủ tịch HĐND xã" in client.get("/admin/titles").get_data(as_text=True)


def test_title_validity_and_code_clashes_are_explained(client, auth, make, tree):
    make.title(code="XA-BT")
    auth.login("admin")
    response = client.post("/admin/titles/new", data={"code": "XA-BT", "name": "Bí thư", "level": "commune"})
    assert "Mã chức danh XA-BT đã tồn tại." in response.get_data(as_text=True)
    response = client.post("/admin/titles/new", data={
        "code": "XA-PBT", "name": "Phó Bí thư", "level": "commune", "valid_from": "2025-07-01",
        "valid_to": "2025-01-01"})
    assert "Ngày hết hiệu lực phải sau ngày có hiệu lực." in response.get_data(as_text=True)


def test_form_checks_speak_the_pages_language_and_keep_what_was_typed(client, auth, tree):
    auth.login("admin")
    bad = {"code": "X" * 51, "name": "Bí thư chi bộ", "level": "commune", "valid_from": "31/02/2026"}
    page = client.post("/admin/titles/new", data=bad).get_data(as_text=True)
    assert "Không được dài quá 50 ký tự." in page
    assert "Ngày không hợp lệ." in page
    assert "Bí thư chi bộ" in page  # the name typed is still in the form
    assert "Field cannot be longer" not in page
    client.post("/language", data={"locale": "en"})
    english = client.post("/admin/titles/new", data=bad).get_data(as_text=True)
    assert "Field cannot be longer than 50 characters." in english
    assert "Not a valid date value." in english


def test_an_admin_of_part_of_the_tree_reads_titles_but_cannot_edit_them(app, client, auth, make, tree):
    title = make.title("Bí thư Đảng ủy xã", code="XA-BT")
    make.admin("admin.xa", scope=tree["commune"])
    auth.login("admin.xa")
    page = client.get("/admin/titles").get_data(as_text=True)
    assert "Bí thư Đảng ủy xã" in page
    assert "/admin/titles/new" not in page
    assert client.get("/admin/titles/new").status_code == 403
    assert client.post(f"/admin/titles/{title.id}", data={"code": "XA-BT", "name": "Đổi", "level": "commune"}
                       ).status_code == 403
    with app.app_context():
        assert db.session.get(Title, title.id).name == "Bí thư Đảng ủy xã"
