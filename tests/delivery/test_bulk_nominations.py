"""Nominating many people at once from a class: a filtered people picker, a dry run listing who would be
refused and why, a confirmation that nominates everyone accepted or no one; bulk approve and withdraw."""
from __future__ import annotations

import re
import threading
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from lms.accounts.models import TheoryLevel, User
from lms.audit import AuditEntry
from lms.delivery import bulk
from lms.delivery.models import Nomination, NominationState, TrainingClass
from lms.errors import Conflict
from lms.extensions import db

ELIGIBLE = 500


@pytest.fixture
def province(make):
    root = make.unit("Tỉnh ủy Hà Tĩnh")
    commune = make.unit("Đảng ủy xã Kỳ Anh", parent=root)
    elsewhere = make.unit("Đảng ủy xã Cẩm Xuyên", parent=root)
    secretary = make.title("Bí thư Đảng ủy xã", code="XA-BT")
    program = make.program(name="Bồi dưỡng Bí thư Đảng ủy xã", titles=[secretary],
                           required_theory_level=TheoryLevel.INTERMEDIATE)
    klass = make.training_class(program=program, unit=root, code="BTX-2026", capacity=1000)
    other = make.training_class(program=program, unit=root, code="BTX-2026-TT", capacity=1000)
    make.admin("admin", scope=root)
    return SimpleNamespace(root=root, commune=commune, elsewhere=elsewhere, secretary=secretary, program=program,
                           klass=klass, other=other)


@pytest.fixture
def read(app):
    """Run a statement in an application context of its own (the pages run theirs): its scalar result."""

    def scalar(statement):
        with app.app_context():
            return db.session.scalar(statement)

    return scalar


def _ids(html: str) -> list[str]:
    return re.findall(r'name="ids" value="(\d+)"', html)


def test_five_hundred_nominated_from_a_filtered_picker_after_a_dry_run_listing_refusals(app, client, auth, make,
                                                                                     province, read):
    p = province
    for n in range(ELIGIBLE):
        make.user(f"hv{n}", full_name=f"Nguyễn Văn Học {n}", unit=p.commune, held=[p.secretary],
                  theory_level=TheoryLevel.INTERMEDIATE, password=None)
    for n in range(3):
        make.user(f"thap{n}", full_name=f"Trần Thị Thấp {n}", unit=p.commune, held=[p.secretary], password=None)
    twice = make.user("hai.lan", full_name="Lê Văn Hai", unit=p.commune, held=[p.secretary],
                      theory_level=TheoryLevel.INTERMEDIATE, password=None)
    make.nomination(p.other, twice, NominationState.NOMINATED)
    make.user("xa.khac", unit=p.elsewhere, held=[p.secretary], theory_level=TheoryLevel.INTERMEDIATE, password=None)
    auth.login("admin")
    filters = {"unit": str(p.commune.id), "title": str(p.secretary.id), "kind": "held"}
    page = client.get(f"/admin/classes/{p.klass.id}/pick", query_string=filters).get_data(as_text=True)
    assert len(_ids(page)) == bulk.PAGE_SIZE  # a page, never the whole scope
    assert 'rel="next"' in page

    check = client.post(f"/admin/classes/{p.klass.id}/pick/check", data={**filters, "all": "1"})
    html = check.get_data(as_text=True)
    assert check.status_code == 200
    assert f"Sẽ cử {ELIGIBLE} người; 4 người không cử được." in html
    assert "Trần Thị Thấp 0 mới có trình độ chưa có" in html
    assert "Lê Văn Hai đã được cử vào lớp BTX-2026-TT của cùng chương trình năm" in html
    assert read(sa.select(sa.func.count(Nomination.id)).where(Nomination.class_id == p.klass.id)) == 0

    confirm = client.post(f"/admin/classes/{p.klass.id}/pick/confirm", data={"ids": _ids(html)},
                          follow_redirects=True)
    assert f"Đã cử {ELIGIBLE} người vào lớp BTX-2026." in confirm.get_data(as_text=True)
    assert read(sa.select(sa.func.count(Nomination.id)).where(
        Nomination.class_id == p.klass.id, Nomination.state == NominationState.NOMINATED)) == ELIGIBLE


def test_search_without_diacritics_and_eligible_only(client, auth, make, province):
    p = province
    make.user("ha", full_name="Lê Thị Thu Hà", unit=p.commune, held=[p.secretary],
              theory_level=TheoryLevel.INTERMEDIATE)
    make.user("dang", full_name="Đặng Văn Hùng", unit=p.commune, held=[p.secretary])  # theory level too low
    make.user("duong", full_name="Dương Văn Long", unit=p.commune, theory_level=TheoryLevel.ADVANCED)  # no title
    auth.login("admin")
    url = f"/admin/classes/{p.klass.id}/pick"
    assert "Đặng Văn Hùng" in client.get(url, query_string={"q": "dang van"}).get_data(as_text=True)
    assert "Lê Thị Thu Hà" not in client.get(url, query_string={"q": "dang van"}).get_data(as_text=True)
    eligible = client.get(url, query_string={"eligible": "1"}).get_data(as_text=True)
    assert "Lê Thị Thu Hà" in eligible
    assert "Đặng Văn Hùng" not in eligible
    assert "Dương Văn Long" not in eligible
    # The unit picker is a lookup by name: no list of every unit.
    units = client.get(url, query_string={"unit_q": "cam xuyen"}).get_data(as_text=True)
    assert f"unit={p.elsewhere.id}" in units
    assert f"unit={p.commune.id}" not in units


def test_a_confirmation_is_all_or_nothing(app, client, auth, make, province, read):
    p = province
    with app.app_context():
        db.session.get(TrainingClass, p.klass.id).capacity = 2
        db.session.commit()
    people = [make.user(f"hv{n}", unit=p.commune, held=[p.secretary], theory_level=TheoryLevel.INTERMEDIATE)
              for n in range(2)]
    late = make.user("muon", unit=p.commune, held=[p.secretary], theory_level=TheoryLevel.INTERMEDIATE)
    auth.login("admin")
    # Checked while two seats were free; one was taken before the confirmation.
    make.nomination(p.klass, late, NominationState.NOMINATED)
    response = client.post(f"/admin/classes/{p.klass.id}/pick/confirm", data={"ids": [str(u.id) for u in people]})
    assert response.status_code == 409
    assert "chưa ai được cử" in response.get_data(as_text=True)
    assert "đã đủ 2 học viên" in response.get_data(as_text=True)
    assert read(sa.select(sa.func.count(Nomination.id)).where(Nomination.class_id == p.klass.id)) == 1


def test_concurrent_bulk_nominations_never_oversell(app, make, province, read):
    p = province
    with app.app_context():
        db.session.get(TrainingClass, p.klass.id).capacity = 10
        db.session.commit()
    groups = [[make.user(unit=p.commune, held=[p.secretary], theory_level=TheoryLevel.INTERMEDIATE).id
               for _ in range(6)] for _ in range(3)]
    admin_id = read(sa.select(User.id).where(User.username == "admin"))
    barrier = threading.Barrier(len(groups))
    outcomes = []

    def nominate(ids):
        with app.app_context():
            barrier.wait()
            try:
                bulk.nominate_many(db.session.get(User, admin_id), db.session.get(TrainingClass, p.klass.id), ids)
                db.session.commit()
                outcomes.append("ok")
            except Conflict:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=nominate, args=(ids,)) for ids in groups]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["ok", "refused", "refused"]
    with app.app_context():
        taken = db.session.scalars(sa.select(Nomination.trainee_id).where(Nomination.class_id == p.klass.id)).all()
    assert len(taken) == 6
    assert any(set(taken) == set(ids) for ids in groups)  # one whole group, nobody from the others


def test_concurrent_nominations_of_one_person_to_two_classes_of_a_program_keep_one(app, make, province, read):
    p = province
    person = make.user(unit=p.commune, held=[p.secretary], theory_level=TheoryLevel.INTERMEDIATE)
    admin_id = read(sa.select(User.id).where(User.username == "admin"))
    barrier = threading.Barrier(2)
    outcomes = []

    def nominate(class_id):
        with app.app_context():
            barrier.wait()
            try:
                bulk.nominate_many(db.session.get(User, admin_id), db.session.get(TrainingClass, class_id), [person.id])
                db.session.commit()
                outcomes.append("ok")
            except Conflict:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=nominate, args=(k.id,)) for k in (p.klass, p.other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["ok", "refused"]
    assert read(sa.select(sa.func.count(Nomination.id)).where(Nomination.trainee_id == person.id)) == 1


def test_the_single_nomination_refuses_a_second_class_of_the_same_program_and_year(client, auth, make, province, read):
    p = province
    person = make.user("hv.an", full_name="Nguyễn Văn An", unit=p.commune, held=[p.secretary],
                       theory_level=TheoryLevel.INTERMEDIATE)
    make.nomination(p.other, person, NominationState.APPROVED)
    auth.login("admin")
    page = client.post(f"/admin/classes/{p.klass.id}/nominate", data={"trainee_id": str(person.id)},
                       follow_redirects=True).get_data(as_text=True)
    assert "Nguyễn Văn An đã được cử vào lớp BTX-2026-TT của cùng chương trình năm 2026; không cử lần thứ hai." in page
    assert read(sa.select(sa.func.count(Nomination.id)).where(Nomination.class_id == p.klass.id)) == 0


def test_withdrawing_asks_a_reason_which_the_audit_keeps(client, auth, make, province, read):
    p = province
    person = make.user("hv.an", full_name="Nguyễn Văn An", unit=p.commune, held=[p.secretary],
                       theory_level=TheoryLevel.INTERMEDIATE)
    nomination = make.nomination(p.klass, person, NominationState.APPROVED)
    auth.login("admin")
    page = client.get(f"/classes/{p.klass.id}").get_data(as_text=True)
    assert f'id="withdraw-{nomination.id}"' in page  # the reason field behind "Rút", with its confirm button
    assert "Xác nhận rút" in page
    url = f"/admin/nominations/{nomination.id}/state"
    refused = client.post(url, data={"state": "withdrawn", "note": "  "}, follow_redirects=True)
    assert "Hãy ghi lý do rút Nguyễn Văn An khỏi lớp." in refused.get_data(as_text=True)
    assert read(sa.select(Nomination.state).where(Nomination.id == nomination.id)) == NominationState.APPROVED
    client.post(url, data={"state": "withdrawn", "note": "Bận công tác đột xuất"})
    assert read(sa.select(Nomination.state).where(Nomination.id == nomination.id)) == NominationState.WITHDRAWN
    entry = read(sa.select(AuditEntry.detail).where(AuditEntry.action == "nomination.withdrawn"))
    assert entry["note"] == "Bận công tác đột xuất"


def test_bulk_approve_and_withdraw_from_the_roster(client, auth, make, province, read):
    p = province
    people = [make.user(unit=p.commune, held=[p.secretary], theory_level=TheoryLevel.INTERMEDIATE) for _ in range(3)]
    nominations = [make.nomination(p.klass, u, NominationState.NOMINATED) for u in people]
    auth.login("admin")
    url = f"/admin/classes/{p.klass.id}/nominations/bulk"
    ids = [str(n.id) for n in nominations]
    client.post(url, data={"state": "approved", "ids": ids})
    assert {read(sa.select(Nomination.state).where(Nomination.id == n.id)) for n in nominations} == {
        NominationState.APPROVED}
    refused = client.post(url, data={"state": "withdrawn", "ids": ids}, follow_redirects=True)
    assert "Hãy ghi lý do rút khỏi lớp." in refused.get_data(as_text=True)
    client.post(url, data={"state": "withdrawn", "ids": ids[:2], "note": "Đổi sang lớp sau"})
    states = [read(sa.select(Nomination.state).where(Nomination.id == n.id)) for n in nominations]
    assert states == [NominationState.WITHDRAWN, NominationState.WITHDRAWN, NominationState.APPROVED]
    # All or nothing: one that cannot move (already withdrawn) keeps the others as they were.
    client.post(url, data={"state": "enrolled", "ids": ids})
    assert read(sa.select(Nomination.state).where(Nomination.id == nominations[2].id)) == NominationState.APPROVED
