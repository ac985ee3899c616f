"""Numbers no column can hold, NUL bytes and invisible characters: refused or removed, never a 500.

The routes are walked from app.url_map, so a new page is covered the day it is added.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from werkzeug.routing import IntegerConverter

from lms.accounts.models import Role, User
from lms.extensions import db
from lms.organisation.models import Title, Unit

HUGE = ("99999999999999999999", "9999999999", "-99999999999999999999")
FILTERS = ("page", "year", "unit", "unit_id", "title", "program", "province", "commune", "direct", "parent",
           "a", "b", "class_id", "user_id")


@pytest.fixture
def everyone(make):
    """A user holding every role, admin of a whole tree."""
    root = make.unit("Ban Tổ chức Trung ương")
    return make.user("all.roles", roles=(Role.TRAINEE, Role.LECTURER, Role.ADMIN), unit=root, scope=root)


def _rules(app, *, with_int: bool):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "bootstrap.static"):
            continue
        ints = [name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]
        if with_int == bool(ints):
            yield rule


@pytest.mark.parametrize("number", HUGE[:2])
def test_a_number_beyond_the_id_columns_in_a_path_is_not_found(app, client, auth, everyone, number):
    auth.login("all.roles")
    checked = 0
    for rule in _rules(app, with_int=True):
        url = re.sub(r"<int:[^>]+>", number, rule.rule)
        url = re.sub(r"<(?:[^:<>]+:)?[^<>]+>", "csv", url)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
            checked += 1
    assert checked > 30


def test_numbers_beyond_the_columns_in_filters_are_ignored_on_every_page(app, client, auth, everyone):
    auth.login("all.roles")
    checked = 0
    for rule in _rules(app, with_int=False):
        if "GET" not in (rule.methods or ()) or rule.arguments - {"fmt"}:
            continue
        url = re.sub(r"<(?:[^:<>]+:)?[^<>]+>", "csv", rule.rule)
        for number in HUGE:
            query = "&".join(f"{name}={number}" for name in FILTERS)
            response = client.get(f"{url}?{query}")
            response.close()
            assert response.status_code < 500, f"GET {url}?{query} answered {response.status_code}"
            checked += 1
    assert checked > 20


def test_a_huge_page_number_shows_a_page_not_an_error(client, auth, everyone):
    auth.login("all.roles")
    for url in ("/admin/users/", "/author/modules", "/documents/", "/learning/manage", "/search?q=dang",
                "/dashboards/people", "/admin/plans", "/dashboards/plan"):
        response = client.get(f"{url}{'&' if '?' in url else '?'}page={HUGE[0]}&year={HUGE[0]}")
        assert response.status_code in (200, 404), url


def test_a_huge_number_in_a_form_is_a_refused_choice(app, client, auth, everyone, make):
    make.title("Bí thư Đảng ủy xã")
    auth.login("all.roles")
    response = client.post("/author/programs/new", data={
        "code": "CT-1", "name": "Chương trình", "title_ids": HUGE[0], "required_theory_level": "0",
        "items-0-module_id": "", "items-0-position": "1"})
    assert response.status_code == 400
    response = client.post("/admin/plans/edit", data={"unit_id": HUGE[0], "year": "2026"})
    assert response.status_code in (200, 400)
    from lms.delivery.models import TrainingPlan

    assert make.count(TrainingPlan) == 0


def test_a_nul_byte_in_a_query_is_refused_with_a_clear_message(app, client, auth, everyone):
    auth.login("all.roles")
    checked = 0
    for rule in _rules(app, with_int=False):
        if "GET" not in (rule.methods or ()) or rule.arguments:
            continue
        response = client.get(rule.rule, query_string={"q": "Đảng\x00", "status": "\x00"})
        assert response.status_code == 400, f"GET {rule.rule} answered {response.status_code}"
        checked += 1
    assert checked > 10
    assert "NUL" in client.get("/search", query_string={"q": "a\x00b"}).get_data(as_text=True)


def test_a_nul_byte_in_a_form_field_is_refused_and_nothing_is_saved(app, client, auth, everyone):
    assert client.post("/sign-in", data={"username": "all.roles\x00", "password": "x"}).status_code == 400
    auth.login("all.roles")
    with app.app_context():
        root_id = db.session.scalar(sa.select(Unit.id))
    response = client.post("/admin/units/new", data={"name": "Đảng ủy\x00 xã", "parent_id": root_id})
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)
    response = client.post("/admin/titles/new", data={"code": "BT\x00", "name": "Bí thư", "level": "commune"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Title)) == 0


INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff\u00ad"


def _hidden(name: str) -> str:
    """`name` with invisible characters at its ends and between its letters."""
    return "\ufeff" + "\u202e".join([name[:3], name[3:6], name[6:]]) + INVISIBLE


def test_names_keep_no_zero_width_bidi_or_bom_characters(app, client, auth, everyone, make):
    auth.login("all.roles")
    with app.app_context():
        root_id = db.session.scalar(sa.select(Unit.id))
    assert client.post("/admin/units/new", data={"name": _hidden("Đảng ủy xã Kỳ Anh"), "code": _hidden("KYANH"),
                                                 "parent_id": root_id}).status_code == 302
    assert client.post("/admin/titles/new", data={"code": _hidden("BT-XA"), "name": _hidden("Bí thư xã"),
                                                  "level": "commune"}).status_code == 302
    unit = make.unit(_hidden("Đảng ủy phường"))
    person = make.user("hv.an", full_name=_hidden("Nguyễn Văn An"), unit=unit)
    module = make.module(title=_hidden("Học phần một"))
    program = make.program(name=_hidden("Chương trình bồi dưỡng"))
    document = make.document(title=_hidden("Nghị quyết về xây dựng Đảng"))
    with app.app_context():
        names = set(db.session.scalars(sa.select(Unit.name))) | set(db.session.scalars(sa.select(Unit.code)))
        names |= set(db.session.scalars(sa.select(Title.code))) | set(db.session.scalars(sa.select(Title.name)))
        names.add(db.session.get(User, person.id).full_name)
        from lms.curriculum.models import Module, Program
        from lms.documents.models import Document

        names.add(db.session.get(Module, module.id).published.title)
        names.add(db.session.get(Program, program.id).name)
        names.add(db.session.get(Document, document.id).title)
    assert {"Đảng ủy xã Kỳ Anh", "KYANH", "BT-XA", "Bí thư xã", "Đảng ủy phường", "Nguyễn Văn An",
            "Học phần một", "Chương trình bồi dưỡng", "Nghị quyết về xây dựng Đảng"} <= names
    assert [n for n in names if n and any(ch in INVISIBLE for ch in n)] == []


def test_names_imported_from_csv_keep_no_invisible_characters(app, make):
    from lms.accounts.importing import import_users

    unit = make.unit("Đảng ủy xã Dân Hóa", code="DH")
    with app.app_context():
        text = f"username,full_name,unit_code\nhv.ha,{_hidden('Lê Thị Thu Hà')},{_hidden('DH')}\n"
        import_users(None, text.encode())
        db.session.commit()
        user = db.session.scalar(sa.select(User).where(User.username == "hv.ha"))
        assert (user.full_name, user.unit_id) == ("Lê Thị Thu Hà", unit.id)


def test_a_username_typed_or_pasted_with_invisible_characters_is_the_same_username(app, client, auth, make):
    unit = make.unit("Đảng ủy xã Dân Hóa")
    make.user(_hidden("hv.thuha"), unit=unit)
    with app.app_context():
        assert db.session.scalar(sa.select(User.username)) == "hv.thuha"
    assert auth.login("\u200bHV.THUHA\ufeff").status_code == 302
