"""The plan grid on a 360 px phone: the note that explains it stays on the screen (outside the box that scrolls
sideways), each column says which program it is (a short name, the code, the full name as its title), and the
unit column stays in view while the programs scroll under it."""
from __future__ import annotations

from tests.browser.conftest import assert_accessible, sign_in

LONG = "Bồi dưỡng cập nhật kiến thức, kỹ năng cho Giám đốc sở và thủ trưởng cơ quan chuyên môn cấp tỉnh"


def test_the_plan_grid_reads_on_a_phone(make, phone_page):
    province = make.unit("Tỉnh ủy Quảng Trị")
    for name in ("Đảng ủy xã Dân Hóa", "Đảng ủy phường Đồng Hới", "Ban Tuyên giáo và Dân vận Tỉnh ủy"):
        make.unit(name, parent=province)
    make.program(code="BD-SO-GD", name=LONG)
    make.program(code="BD-TU-UV", name="Bồi dưỡng cập nhật kiến thức, kỹ năng cho Tỉnh ủy viên")
    make.program(code="BD-XA-BT", name="Bồi dưỡng cập nhật kiến thức, kỹ năng cho Bí thư, Phó Bí thư Đảng ủy xã")
    make.admin("quantri", scope=province)
    page = phone_page
    sign_in(page, "quantri")
    page.goto("/admin/plans/grid?year=2026")
    assert_accessible(page)

    note = page.get_by_text("Chỉ tiêu: mỗi dòng một đơn vị, mỗi cột một chương trình")
    assert note.is_visible()
    assert note.evaluate("n => n.closest('.table-responsive')") is None, "the note scrolls away with the grid"
    box = note.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 360

    head = page.locator("thead th").nth(1)
    assert " ".join(head.inner_text().split()) == "Giám đốc sở và thủ trưởng cơ quan… BD-SO-GD"
    assert head.locator("abbr").get_attribute("title") == LONG
    assert page.locator("thead th").nth(2).inner_text().split("\n")[0].strip() == "Tỉnh ủy viên"

    # The page never scrolls sideways; the grid does, in its box, and the unit names stay where they were.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    unit = page.locator("tbody th").first
    before = unit.bounding_box()["x"]
    page.locator(".table-responsive").evaluate("box => { box.scrollLeft = box.scrollWidth; }")
    assert page.locator(".table-responsive").evaluate("box => box.scrollLeft") > 0
    assert unit.bounding_box()["x"] == before


def test_plan_versus_actual_keeps_its_figures_in_reach_on_a_phone(app, make, phone_page):
    """/admin/plans: a long program name wraps (short, over its code) instead of pushing the quota off the screen."""
    from lms.delivery.models import PlanQuota, TrainingPlan
    from lms.extensions import db

    province = make.unit("Tỉnh ủy Quảng Trị")
    commune = make.unit("Đảng ủy xã Dân Hóa", parent=province)
    program = make.program(code="DEMO-DTT", name="Chương trình minh họa (dữ liệu demo): đi thực tế xây dựng nông "
                                                  "thôn mới ở xã miền núi")
    with app.app_context():
        plan = TrainingPlan(unit_id=commune.id, year=2026)
        plan.quotas.append(PlanQuota(program_id=program.id, quota=2))
        db.session.add(plan)
        db.session.commit()
    make.admin("quantri", scope=province)
    page = phone_page
    sign_in(page, "quantri")
    page.goto("/admin/plans?year=2026")
    assert_accessible(page)
    program_cell = page.locator("tbody td").first
    assert program_cell.locator("abbr").get_attribute("title").startswith("Chương trình minh họa")
    assert "DEMO-DTT" in program_cell.inner_text()
    quota = page.get_by_role("columnheader", name="Chỉ tiêu")
    assert quota.bounding_box()["x"] + quota.bounding_box()["width"] <= 360, "the quota is off the screen"
