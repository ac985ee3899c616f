"""Every date a user types has a sensible range: 01/01/0001 or 31/12/9999 is refused with a message that
names the field and the range, in Vietnamese and in English, on every path (forms, CSV, content, services)."""
from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from lms.accounts.models import AssignmentKind, TitleAssignment, User
from lms.errors import InvalidInput
from lms.extensions import db
from lms.formats import local_today
from lms.organisation.models import Title

LAST_TITLE_DAY = f"31/12/{local_today().year + 10}"
SLIPS = ("0001-01-01", "9999-12-31")


@pytest.fixture
def nation(make):
    root = make.unit("Ban Tổ chức Trung ương", code="TW")
    make.admin("tw.admin", scope=root)
    return root


@pytest.mark.parametrize("slip", SLIPS)
def test_a_title_start_date_out_of_range_is_refused_on_the_form(app, client, auth, nation, slip):
    auth.login("tw.admin")
    response = client.post("/admin/titles/new", data={"code": "XA-BT", "name": "Bí thư Đảng ủy xã",
                                                      "level": "commune", "valid_from": slip})
    assert response.status_code == 400
    assert f"Có hiệu lực từ ngày phải trong khoảng từ 02/09/1945 đến {LAST_TITLE_DAY}." in response.get_data(
        as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Title)) == 0


def test_the_message_is_in_english_for_english_readers(client, auth, nation):
    auth.login("tw.admin")
    client.post("/language", data={"locale": "en"})
    response = client.post("/admin/titles/new", data={"code": "XA-BT", "name": "Bí thư Đảng ủy xã",
                                                      "level": "commune", "valid_to": "9999-12-31"})
    assert response.status_code == 400
    assert f"Valid until must be between 02/09/1945 and {LAST_TITLE_DAY}." in response.get_data(as_text=True)


@pytest.mark.parametrize("slip", SLIPS)
def test_a_title_held_from_an_impossible_day_is_refused(app, client, auth, make, nation, slip):
    title = make.title("Bí thư Đảng ủy xã")
    person = make.user("hv.ha", unit=nation)
    auth.login("tw.admin")
    response = client.post(f"/admin/users/{person.id}/titles",
                           data={"title_id": title.id, "kind": "held", "start_date": slip, "end_date": ""})
    assert response.status_code == 400
    assert "Từ ngày phải trong khoảng từ 02/09/1945" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TitleAssignment)) == 0


def test_services_refuse_every_kind_of_date_out_of_its_range(app, ctx, make):
    from lms.accounts import services as accounts
    from lms.delivery import services as delivery
    from lms.delivery import trips
    from lms.delivery.models import DeliveryMode, TrainingClass
    from lms.documents import services as documents
    from lms.organisation import services as organisation

    unit = make.unit("Tỉnh ủy")
    admin = db.session.get(User, make.admin("qt.admin", scope=unit).id)
    person = make.user("hv.ha", unit=unit)
    title = make.title("Bí thư Đảng ủy xã")
    module = make.module()
    teacher = db.session.get(User, make.lecturer("gv.lan").id)
    klass = make.training_class(module=module, unit=unit, lecturers=[teacher])
    far, ancient = date(9999, 12, 31), date(1, 1, 1)
    refusals = [
        lambda: organisation.save_title(None, None, code="A", name="A", level="commune", valid_from=ancient),
        lambda: organisation.save_title(None, None, code="A", name="A", level="commune", valid_to=far),
        lambda: accounts.assign_title(None, person, title, AssignmentKind.HELD, far),
        lambda: documents.register_document(None, code="1-NQ/TW", kind="resolution", number="1",
                                            issuer="Bộ Chính trị", issued_on=date(1929, 12, 31), title="Nghị quyết"),
        lambda: documents.register_document(None, code="1-NQ/TW", kind="resolution", number="1",
                                            issuer="Bộ Chính trị", issued_on=date(local_today().year + 1, 1, 1),
                                            title="Nghị quyết"),
        lambda: delivery.save_class(admin, None, code="L1", name="Lớp", program=None, module=module,
                                    mode=DeliveryMode.CONCENTRATED, starts_on=ancient, ends_on=date(2026, 1, 1),
                                    place="", capacity=10, unit=unit),
        lambda: trips.save_trip(teacher, db.session.get(TrainingClass, klass.id), None, module=module, topic="Chủ đề",
                                site="Xã", starts_on=date(2026, 10, 1), ends_on=date(2026, 10, 3),
                                instructions_md="", deadline=datetime(9999, 1, 1), criteria=[]),
    ]
    for refuse in refusals:
        with pytest.raises(InvalidInput) as refused:
            refuse()
        text = " ".join([refused.value.message, *map(str, refused.value.problems)])
        assert "phải trong khoảng từ" in text


def test_a_csv_title_date_out_of_range_is_reported_on_its_line(ctx, make):
    from lms.accounts.importing import import_users

    make.unit("Đảng ủy xã Dân Hóa", code="DH")
    make.title("Bí thư Đảng ủy xã", code="XA-BT")
    data = ("username,full_name,unit_code,titles_held\n"
            "hv.ha,Lê Thị Thu Hà,DH,XA-BT:01/07/2025\n"
            "hv.an,Nguyễn Văn An,DH,XA-BT:01/01/0001\n"
            "hv.binh,Trần Bình,DH,XA-BT:31/12/9999\n").encode()
    with pytest.raises(InvalidInput) as refused:
        import_users(None, data)
    assert [(p.line, p.message.split(" phải")[0]) for p in refused.value.problems] == [
        (3, "Ngày bắt đầu của chức danh XA-BT"), (4, "Ngày bắt đầu của chức danh XA-BT")]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_a_document_in_the_content_tree_dated_out_of_range_is_reported(tmp_path):
    import shutil
    from pathlib import Path

    from lms.content.loader import ContentErrors, load_content

    root = tmp_path / "content"
    shutil.copytree(Path(__file__).resolve().parents[1] / "content", root)
    doc = next((root / "documents").glob("*.md"))
    text = doc.read_text(encoding="utf-8")
    start = text.index("issued_on:")
    doc.write_text(text[:start] + "issued_on: 0001-01-01" + text[text.index("\n", start):], encoding="utf-8")
    with pytest.raises(ContentErrors) as caught:
        load_content(root)
    assert any("issued_on" in str(p) and "phải trong khoảng từ 03/02/1930" in str(p) for p in caught.value.problems)


def test_dates_inside_the_ranges_are_kept(app, ctx, make):
    title = make.title("Bí thư Đảng ủy xã")
    person = make.user("hv.ha", held=[title], since=date(1946, 1, 1))
    assert db.session.scalar(sa.select(TitleAssignment.start_date).where(TitleAssignment.user_id == person.id)) \
        == date(1946, 1, 1)
