"""Demo data: one province with a few units and communes, about ten titles and thirty people.

Every section is idempotent, so `flask lms demo` run twice adds nothing the second time.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from lms.accounts import services as accounts
from lms.accounts.models import AssignmentKind, Role, TheoryLevel, User
from lms.extensions import db
from lms.organisation import services as organisation
from lms.organisation.models import Locality, Title, TitleLevel, Unit

DEMO_PASSWORD = "demo12345"
PROVINCE_CODE = "44"  # Quảng Trị


class DemoSkipped(Exception):
    """The database holds real users: the demo, with its published passwords, stays out."""


TITLES = [
    # code, name, level, group, key
    ("TU-BT", "Bí thư Tỉnh ủy", TitleLevel.PROVINCE, "Cấp ủy tỉnh", True),
    ("TU-PBT", "Phó Bí thư Tỉnh ủy", TitleLevel.PROVINCE, "Cấp ủy tỉnh", True),
    ("TU-UVBTV", "Ủy viên Ban Thường vụ Tỉnh ủy", TitleLevel.PROVINCE, "Cấp ủy tỉnh", True),
    ("TU-UV", "Tỉnh ủy viên", TitleLevel.PROVINCE, "Cấp ủy tỉnh", False),
    ("SO-GD", "Giám đốc Sở", TitleLevel.PROVINCE, "Chính quyền tỉnh", False),
    ("XA-BT", "Bí thư Đảng ủy xã", TitleLevel.COMMUNE, "Cấp ủy xã", True),
    ("XA-PBT", "Phó Bí thư Đảng ủy xã", TitleLevel.COMMUNE, "Cấp ủy xã", True),
    ("XA-CT-UBND", "Chủ tịch Ủy ban nhân dân xã", TitleLevel.COMMUNE, "Chính quyền xã", True),
    ("XA-CT-MTTQ", "Chủ tịch Ủy ban Mặt trận Tổ quốc Việt Nam xã", TitleLevel.COMMUNE, "Mặt trận xã", False),
    ("XA-TCA", "Trưởng Công an xã", TitleLevel.COMMUNE, "Chính quyền xã", False),
    ("CB-BT", "Bí thư chi bộ", TitleLevel.COMMUNE, "Cơ sở", False),
]

# (unit key, name, parent key, locality code or None)
UNITS = [
    ("province", "Tỉnh ủy Quảng Trị", None, PROVINCE_CODE),
    ("btc", "Ban Tổ chức Tỉnh ủy Quảng Trị", "province", PROVINCE_CODE),
    ("school", "Trường Chính trị Lê Duẩn", "province", PROVINCE_CODE),
    ("sonv", "Sở Nội vụ tỉnh Quảng Trị", "province", PROVINCE_CODE),
    ("dongHoi", "Đảng ủy phường Đồng Hới", "province", "18880"),
    ("danHoa", "Đảng ủy xã Dân Hóa", "province", "18904"),
    ("namGianh", "Đảng ủy xã Nam Gianh", "province", "19093"),
]

# username, full name, unit key, roles, titles held, titles planned, theory level
PEOPLE = [
    ("admin", "Nguyễn Thị Hồng Nhung", "btc", {Role.ADMIN}, [], [], TheoryLevel.ADVANCED),
    ("giangvien", "Trần Văn Minh", "school", {Role.LECTURER}, [], [], TheoryLevel.ADVANCED),
    ("hocvien", "Lê Thị Thu Hà", "danHoa", {Role.TRAINEE}, ["XA-BT"], ["TU-UV"], TheoryLevel.INTERMEDIATE),
    ("gv.hoang", "Hoàng Thị Lan", "school", {Role.LECTURER}, [], [], TheoryLevel.ADVANCED),
    ("gv.phan", "Phan Đức Thắng", "school", {Role.LECTURER, Role.TRAINEE}, [], [], TheoryLevel.ADVANCED),
    ("ql.vu", "Vũ Quốc Khánh", "sonv", {Role.ADMIN, Role.TRAINEE}, ["SO-GD"], [], TheoryLevel.ADVANCED),
    ("hv.dang", "Đặng Văn Hùng", "dongHoi", {Role.TRAINEE}, ["XA-BT"], [], TheoryLevel.INTERMEDIATE),
    ("hv.bui", "Bùi Thị Mai", "dongHoi", {Role.TRAINEE}, ["XA-PBT"], ["XA-BT"], TheoryLevel.INTERMEDIATE),
    ("hv.do", "Đỗ Minh Tuấn", "dongHoi", {Role.TRAINEE}, ["XA-CT-UBND"], [], TheoryLevel.INTERMEDIATE),
    ("hv.ngo", "Ngô Thị Thanh Hương", "dongHoi", {Role.TRAINEE}, ["XA-CT-MTTQ"], [], TheoryLevel.ELEMENTARY),
    ("hv.duong", "Dương Văn Long", "dongHoi", {Role.TRAINEE}, ["XA-TCA"], [], TheoryLevel.INTERMEDIATE),
    ("hv.ly", "Lý Thị Kim Oanh", "danHoa", {Role.TRAINEE}, ["XA-PBT"], [], TheoryLevel.INTERMEDIATE),
    ("hv.ho", "Hồ Văn Sơn", "danHoa", {Role.TRAINEE}, ["XA-CT-UBND"], ["XA-BT"], TheoryLevel.INTERMEDIATE),
    ("hv.truong", "Trương Thị Ngọc Ánh", "danHoa", {Role.TRAINEE}, ["XA-CT-MTTQ"], [], TheoryLevel.ELEMENTARY),
    ("hv.dinh", "Đinh Công Thành", "danHoa", {Role.TRAINEE}, ["CB-BT"], [], TheoryLevel.ELEMENTARY),
    ("hv.mai", "Mai Văn Phúc", "namGianh", {Role.TRAINEE}, ["XA-BT"], [], TheoryLevel.INTERMEDIATE),
    ("hv.cao", "Cao Thị Bích Ngọc", "namGianh", {Role.TRAINEE}, ["XA-PBT"], [], TheoryLevel.INTERMEDIATE),
    ("hv.ta", "Tạ Quang Vinh", "namGianh", {Role.TRAINEE}, ["XA-CT-UBND"], [], TheoryLevel.INTERMEDIATE),
    ("hv.lam", "Lâm Thị Diệu Linh", "namGianh", {Role.TRAINEE}, ["XA-TCA"], [], TheoryLevel.ELEMENTARY),
    ("hv.kieu", "Kiều Văn Đạt", "namGianh", {Role.TRAINEE}, ["CB-BT"], [], TheoryLevel.NONE),
    ("hv.trinh", "Trịnh Thị Xuân", "province", {Role.TRAINEE}, ["TU-UVBTV"], ["TU-PBT"], TheoryLevel.ADVANCED),
    ("hv.luu", "Lưu Đình Trọng", "province", {Role.TRAINEE}, ["TU-UV"], ["TU-UVBTV"], TheoryLevel.ADVANCED),
    ("hv.quach", "Quách Thị Hạnh", "province", {Role.TRAINEE}, ["TU-UV"], [], TheoryLevel.ADVANCED),
    ("hv.tong", "Tống Văn Bình", "sonv", {Role.TRAINEE}, ["SO-GD"], ["TU-UV"], TheoryLevel.ADVANCED),
    ("hv.ha", "Hà Thị Phương", "sonv", {Role.TRAINEE}, ["SO-GD"], [], TheoryLevel.ADVANCED),
    ("hv.chu", "Chu Văn An", "btc", {Role.TRAINEE}, ["TU-UV"], [], TheoryLevel.ADVANCED),
    ("hv.la", "La Thị Hoài Thương", "btc", {Role.TRAINEE}, [], ["SO-GD"], TheoryLevel.INTERMEDIATE),
    ("hv.thai", "Thái Bá Lộc", "dongHoi", {Role.TRAINEE}, ["CB-BT"], ["XA-PBT"], TheoryLevel.ELEMENTARY),
    ("hv.van", "Văn Thị Cẩm Tú", "danHoa", {Role.TRAINEE}, ["CB-BT"], [], TheoryLevel.ELEMENTARY),
    ("hv.khuc", "Khúc Minh Quân", "namGianh", {Role.TRAINEE}, ["XA-CT-MTTQ"], [], TheoryLevel.INTERMEDIATE),
]

SINCE = date(2025, 7, 1)


def _skip_on_real_data() -> None:
    real = db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.is_demo.is_(False)))
    if real:
        raise DemoSkipped(
            f"the database holds {real} non-demo users; the demo loads only into an empty or demo database"
        )


def load_demo() -> dict[str, int]:
    """Load every demo section; returns how many rows each section added."""
    _skip_on_real_data()
    if db.session.scalar(sa.select(Locality.id).where(Locality.code == PROVINCE_CODE)) is None:
        organisation.load_localities()
    summary = {"titles": 0, "units": 0, "users": 0}
    titles = {}
    for code, name, level, group, key in TITLES:
        title = db.session.scalar(sa.select(Title).where(Title.code == code))
        if title is None:
            title = organisation.save_title(None, None, code=code, name=name, level=level, group=group,
                                            is_key=key)
            summary["titles"] += 1
        titles[code] = title
    units: dict[str, Unit] = {}
    for key, name, parent_key, locality_code in UNITS:
        unit = db.session.scalar(sa.select(Unit).where(Unit.code == f"demo-{key}"))
        if unit is None:
            locality = db.session.scalar(sa.select(Locality).where(Locality.code == locality_code))
            unit = organisation.create_unit(None, name=name, parent=units.get(parent_key), locality=locality,
                                            code=f"demo-{key}")
            summary["units"] += 1
        units[key] = unit
    for username, full_name, unit_key, roles, held, planned, level in PEOPLE:
        if db.session.scalar(sa.select(User.id).where(User.username == username)):
            continue
        user = accounts.create_user(
            None, username=username, full_name=full_name, unit=units[unit_key], password=DEMO_PASSWORD,
            roles=roles, admin_scope_unit=(units["province"] if username == "admin" else units[unit_key])
            if Role.ADMIN in roles else None,
            theory_level=level, is_demo=True,
        )
        for code in held:
            accounts.assign_title(None, user, titles[code], AssignmentKind.HELD, SINCE)
        for code in planned:
            accounts.assign_title(None, user, titles[code], AssignmentKind.PLANNED, SINCE)
        summary["users"] += 1
    db.session.flush()
    from lms.delivery.demo import load_delivery_demo

    summary.update(load_delivery_demo())
    return summary
