"""Training needs of the demo province for 2026: who holds or is planned for a title the demo program targets,
with no valid completion; those planned for a key title counted apart; the draft plan equals the needs."""
from __future__ import annotations

import re

import sqlalchemy as sa

from lms.curriculum.models import Program
from lms.delivery.demo import PROGRAM_CODE
from lms.extensions import db

YEAR = 2026


def _demo(app, runner, client):
    from lms.demo import PEOPLE, TITLES

    runner.invoke(args=["lms", "demo"])
    client.post("/sign-in", data={"username": "admin", "password": "demo12345"})
    with app.app_context():
        program = db.session.scalar(sa.select(Program).where(Program.code == PROGRAM_CODE))
        targets = {t.code for t in program.titles}
    key_titles = {code for code, _name, _level, _group, key in TITLES if key}
    expected = {p[0]: bool(set(p[5]) & targets & key_titles) for p in PEOPLE if (set(p[4]) | set(p[5])) & targets}
    return program.id, expected


def test_the_needs_report_lists_the_expected_people_key_ones_first(app, runner, client):
    program_id, expected = _demo(app, runner, client)
    assert expected  # the demo province has secretaries and deputies to train
    page = client.get(f"/admin/plans/needs?year={YEAR}&program={program_id}").get_data(as_text=True)
    listed = re.findall(r"\((hv\.[a-z]+|hocvien)\) · [^<]*(</li>| · <strong>)", page)
    assert {username for username, _end in listed} == set(expected)
    assert {username for username, end in listed if end.endswith("<strong>")} == {u for u, k in expected.items() if k}
    # The program's column total: the needs beside the quotas the demo plans hold.
    assert re.search(rf'<td class="text-end">{len(expected)} / \d+</td>', page)


def test_the_draft_plan_equals_the_needs(app, runner, client):
    program_id, expected = _demo(app, runner, client)
    draft = client.get(f"/admin/plans/grid?year={YEAR}&draft=needs").get_data(as_text=True)
    cells = {k: int(v) for k, v in re.findall(rf'name="(q-\d+-{program_id})"[^>]*value="(\d+)"', draft)}
    assert sum(cells.values()) == len(expected)
    # Saving the draft as it stands makes the quotas equal to the needs, side by side on the needs page.
    client.post(f"/admin/plans/grid?year={YEAR}", data=dict(re.findall(r'name="(q-\d+-\d+)"[^>]*value="(\d*)"',
                                                                        draft)))
    after = client.get(f"/admin/plans/needs?year={YEAR}").get_data(as_text=True)
    assert f'<td class="text-end">{len(expected)} / {len(expected)}</td>' in after
