"""Every data table reads on a 360 px phone: no cell is narrower than its longest word (nothing split letter
by letter); the table scrolls sideways in its box with the first column in view; axe stays clean.

Each page is screenshotted into LMS_SCREENSHOT_DIR (a temporary folder when unset) for a person to look at.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.browser.conftest import assert_accessible

# For every visible cell: its content width against the widest word of its visible text, each word measured
# unbroken on a canvas in the font it is drawn with.
NARROW_CELLS = """
() => {
  const ctx = document.createElement('canvas').getContext('2d');
  const narrow = [];
  for (const cell of document.querySelectorAll('main table td, main table th')) {
    if (!cell.getClientRects().length) continue;
    const style = getComputedStyle(cell);
    const inner = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    let widest = 0, word = '';
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (parent.closest('select, option, script, template')) continue;
      const box = parent.getBoundingClientRect();
      if (box.width <= 1 || box.height <= 1) continue;  // visually hidden text
      const s = getComputedStyle(parent);
      ctx.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
      for (const w of node.textContent.split(/\\s+/)) {
        if (!w) continue;
        const width = ctx.measureText(w).width;
        if (width > widest) { widest = width; word = w; }
      }
    }
    if (inner + 1 < widest) narrow.push(`${word} (${Math.round(widest)} px) in a cell of ${Math.round(inner)} px`);
  }
  return narrow;
}
"""
ROWS = "() => document.querySelectorAll('main table tbody tr').length"
# Captions drawn inside a box that scrolls sideways (they scroll away with the table on a phone).
SCROLLING_CAPTIONS = """
() => [...document.querySelectorAll('main .table-responsive caption')]
  .filter(c => { const r = c.getBoundingClientRect(); return r.width > 1 && r.height > 1; })
  .map(c => c.textContent.trim())
"""

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Templates with a table that no page of the product shows on a screen, and why.
NOT_ON_A_SCREEN: dict[str, str] = {
    f"supervision/papers/{name}.html": "an A4 paper for printing and PDF, drawn to the paper's width"
    for name in ("attendance", "certificates", "results", "roster")
}


def table_templates() -> set[str]:
    """Every template that draws a data table, by its name under templates/."""
    return {str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html")
            if "<table" in path.read_text(encoding="utf-8")} - set(NOT_ON_A_SCREEN)


@pytest.fixture
def templates_used(app):
    """The names of the templates (includes too) loaded while the test runs."""
    used: set[str] = set()
    environment = app.jinja_env
    original = environment.get_template

    def get_template(name, *args, **kwargs):
        used.add(name if isinstance(name, str) else getattr(name, "name", str(name)))
        return original(name, *args, **kwargs)

    environment.get_template = get_template
    # Compiled templates look their includes up through the same method; a cache would skip it.
    environment.cache = None
    try:
        yield used
    finally:
        environment.get_template = original


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("LMS_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def check_tables(page, path, shots: Path) -> None:
    """`path` is a page's address, or a (name, steps) pair whose steps bring the page up in the browser."""
    if isinstance(path, tuple):
        path, steps = path
        steps(page)
    else:
        page.goto(path)
    page.wait_for_load_state()
    assert page.evaluate(ROWS) > 0, f"{path}: no table row to look at"
    table = page.locator("main table").first
    table.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / (re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") + ".png")))
    assert page.evaluate(NARROW_CELLS) == [], path
    assert page.evaluate(SCROLLING_CAPTIONS) == [], f"{path}: a note scrolls away with its table"
    # The page itself never scrolls sideways: a wide table scrolls inside its own box.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360, path
    assert_accessible(page)


@pytest.fixture
def demo(app, runner, make):
    """The demo province and the reference curricula, plus a row for each table the demo leaves empty."""
    import sqlalchemy as sa

    from lms.accounts.models import User
    from lms.curriculum.models import FlagStatus, Module, ReviewFlag
    from lms.delivery import timetable
    from lms.delivery.models import FieldTrip, Nomination, TrainingClass
    from lms.delivery.timetable_models import ClassSession
    from lms.documents.models import Document
    from lms.extensions import db
    from lms.learning import services as learning
    from lms.learning.models import Certificate
    from lms.models import Program

    for args in (["lms", "demo"], ["lms", "content", "import", "content/"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    with app.app_context():
        module = db.session.scalars(sa.select(Module).where(Module.published_revision_id.is_not(None))
                                    .order_by(Module.id)).first()
    make.publish_revision(module, change_summary="Cập nhật số liệu năm 2025 của tỉnh Quảng Trị")
    with app.app_context():
        s = db.session
        trainee = s.scalar(sa.select(User).where(User.username == "hocvien"))
        lecturer = s.scalar(sa.select(User).where(User.username == "giangvien"))
        module = s.get(Module, module.id)
        learning.complete_lesson(trainee, module.published.lessons[0])
        nomination = s.scalars(sa.select(Nomination).order_by(Nomination.id)).first()
        nomination.flagged_at, nomination.flag_reason = sa.func.now(), "Không còn giữ chức danh Bí thư Đảng ủy xã"
        program = s.scalars(sa.select(Program).order_by(Program.id)).first()
        s.add(Certificate(code="QT-2026-000123", user_id=trainee.id, program_id=program.id, full_name=trainee.full_name,
                          unit_name=trainee.unit.name, program_name=program.name, hours=40))
        old, new = s.scalars(sa.select(Document).order_by(Document.id).limit(2)).all()
        s.add(ReviewFlag(module_id=module.id, old_document_id=old.id, new_document_id=new.id, relation="amends",
                         reason="Văn bản mới sửa đổi văn bản được trích dẫn", status=FlagStatus.DISMISSED,
                         resolved_at=sa.func.now(), resolved_by_id=lecturer.id,
                         resolution_note="Nội dung bài không thay đổi"))
        klass = s.scalars(sa.select(TrainingClass).order_by(TrainingClass.id)).first()
        timetable.set_absence_limit(s.scalar(sa.select(User).where(User.username == "admin")), klass, 25)  # audited
        from lms.notifications.models import MailState, Notification

        s.add(Notification(key="thu-khong-gui-duoc", user_id=trainee.id, kind="nomination.approved",
                           params={"class_name": "Bồi dưỡng Bí thư Đảng ủy xã", "class_code": "BTX-2026"},
                           mail_state=MailState.FAILED, mail_attempts=5,
                           mail_error="550 Hộp thư không tồn tại: hocvien@quangtri.gov.vn"))
        s.commit()
        from lms.delivery.timetable_models import ClassSession
        from lms.organisation.models import Unit

        ids = {"trainee": trainee.id, "module": module.id, "class": klass.id,
               "unit with a quota": s.scalar(sa.select(Unit.id).where(Unit.code == "demo-dongHoi")),
               "session": s.scalar(sa.select(ClassSession.id).where(ClassSession.class_id == klass.id)
                                   .order_by(ClassSession.id)),
               "trip": s.scalar(sa.select(FieldTrip.id)),
               "revisions": sorted(r.id for r in module.revisions if r.number)}
    return ids


def phone(browser, live_server, username):
    context = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740}, is_mobile=True,
                                  has_touch=True, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/sign-in")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill("demo12345")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()
    return context, page


@pytest.fixture
def chromium(_chromium):
    return _chromium


def import_with_a_bad_line(consumers):
    """The result of a user import (a job): the table of refused lines."""
    def steps(page):
        page.goto("/admin/users/import")
        page.get_by_label("Tệp CSV").set_input_files(files=[{
            "name": "can-bo.csv", "mimeType": "text/csv",
            "buffer": "username,full_name,unit_code\nhv.a,Người A,KHONGCO\n".encode()}])
        page.get_by_role("button", name="Nhập").click()
        consumers.start()
        page.get_by_role("cell", name="Mã đơn vị KHONGCO không có trong phạm vi quản lý của bạn.").wait_for(
            timeout=20_000)
    return "/admin/users/import (result)", steps


def nomination_dry_run(class_id: int, unit_id: int):
    """The check before nominating the people ticked in the picker: who would be accepted, who refused, and
    the effect on the plan quota of their unit (the demo's 2026 plan gives one to this unit)."""
    def steps(page):
        page.goto(f"/admin/classes/{class_id}/pick?unit={unit_id}&eligible=1")
        page.locator("input[name=ids]").first.check()
        page.get_by_role("button", name="Kiểm tra trước khi cử").click()
    return f"/admin/classes/{class_id}/pick/check", steps


def test_every_table_reads_on_a_360px_phone(chromium, live_server, demo, shots, templates_used, consumers):
    first, second = demo["revisions"][:2]
    pages = {
        "admin": ["/admin/users/", f"/admin/users/{demo['trainee']}", "/admin/users/import", "/admin/titles",
                  "/admin/classes", f"/classes/{demo['class']}", "/admin/plans", "/admin/nominations/flagged",
                  "/admin/certificates", "/dashboards/?by=unit", "/dashboards/?by=title",
                  "/dashboards/people?status=not_started", "/dashboards/plan?year=2026",
                  import_with_a_bad_line(consumers), f"/people/{demo['trainee']}",
                  f"/classes/{demo['class']}/timetable", f"/classes/{demo['class']}/attendance",
                  f"/sessions/{demo['session']}", f"/classes/{demo['class']}/inspection", "/audit",
                  "/notifications/admin", f"/admin/classes/{demo['class']}/pick",
                  nomination_dry_run(demo["class"], demo["unit with a quota"]), "/admin/plans/grid?year=2026",
                  "/admin/plans/needs?year=2026"],
        "giangvien": ["/author/modules", "/author/programs", f"/author/modules/{demo['module']}/history",
                      f"/author/modules/{demo['module']}/diff?a={first}&b={second}", "/reviews",
                      f"/trips/{demo['trip']}", "/dashboards/classes", f"/dashboards/classes/{demo['class']}/people",
                      "/documents/", f"/sessions/{demo['session']}", f"/trips/{demo['trip']}/edit",
                      f"/learning/manage/modules/{demo['module']}/questions/new?kind=single"],
        "hocvien": ["/my/record"],
        "thanhtra": [f"/classes/{demo['class']}/timetable", f"/classes/{demo['class']}/attendance",
                     f"/sessions/{demo['session']}", f"/classes/{demo['class']}/inspection", "/audit"],
    }
    failures = []
    for username, paths in pages.items():
        context, page = phone(chromium, live_server, username)
        for path in paths:
            try:
                check_tables(page, path, shots)
            except AssertionError as failed:
                failures.append(f"{username} {path[0] if isinstance(path, tuple) else path}: {failed}")
        context.close()
    assert not failures, "\n".join(failures)
    # A new page with a table joins the list above, or this fails.
    assert table_templates() - templates_used == set(), "table templates no page above showed"
