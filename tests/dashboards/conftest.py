"""A small nation for the dashboard tests: a central unit, two provinces, two communes in the first."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest

from lms.accounts.models import Role
from lms.formats import local_today


@pytest.fixture
def nation(make):
    today = local_today()
    past, future = today - timedelta(days=30), today + timedelta(days=60)
    recently = datetime.combine(today - timedelta(days=3), datetime.min.time()).replace(hour=9)
    ha_tinh = make.locality("Tỉnh Hà Tĩnh")
    ky_anh = make.locality("Xã Kỳ Anh", parent=ha_tinh)
    cam_xuyen = make.locality("Xã Cẩm Xuyên", parent=ha_tinh)
    hue = make.locality("Thành phố Huế")
    centre = make.unit("Ban Tổ chức Trung ương")
    province = make.unit("Tỉnh ủy Hà Tĩnh", parent=centre, locality=ha_tinh)
    commune_a = make.unit("Đảng ủy xã Kỳ Anh", parent=province, locality=ky_anh)
    commune_b = make.unit("Đảng ủy xã Cẩm Xuyên", parent=province, locality=cam_xuyen)
    other = make.unit("Thành ủy Huế", parent=centre, locality=hue)
    secretary = make.title("Bí thư Đảng ủy xã")
    chair = make.title("Chủ tịch UBND xã")
    basics = make.program_record("Bồi dưỡng Bí thư Đảng ủy xã", titles=[secretary])
    skills = make.program_record("Kỹ năng lãnh đạo, quản lý")
    national_admin = make.admin("tw.admin", scope=centre)
    province_admin = make.admin("ht.admin", scope=province)
    an = make.user("hv.an", full_name="Nguyễn Văn An", unit=commune_a, held=[secretary])
    binh = make.user("hv.binh", full_name="Trần Thị Bình", unit=commune_b, held=[chair])
    cuong = make.user("hv.cuong", full_name="Lê Văn Cường", unit=province)
    dung = make.user("hv.dung", full_name="Phạm Thị Dung", unit=other, held=[secretary])
    make.program_status(an, basics, "completed", completed_at=recently, started_on=date(today.year, 1, 10))
    make.program_status(an, skills, "in_progress", due_on=past, done=1, started_on=date(today.year, 2, 1))
    make.program_status(binh, basics, "not_started", due_on=future, started_on=date(today.year - 1, 5, 1))
    make.program_status(cuong, basics, "in_progress", due_on=future, done=2)
    make.program_status(dung, basics, "completed", completed_at=recently)
    return SimpleNamespace(**locals())


@pytest.fixture
def trainee_only(make):
    return make.user("hv.only", roles=(Role.TRAINEE,))
