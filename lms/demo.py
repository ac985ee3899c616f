"""Demo data: one province shaped as it is organised since 1 July 2025 (the tỉnh ủy with its committees and
school; the People's Council; the People's Committee with its departments; the Fatherland Front; three
communes each with its Party committee, People's Council, People's Committee and Front), a dozen titles and
about thirty people.

Every section is idempotent, so `flask lms demo` run twice adds nothing the second time.
"""
from __future__ import annotations

import enum
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
    ("XA-CT-HDND", "Chủ tịch Hội đồng nhân dân xã", TitleLevel.COMMUNE, "Chính quyền xã", True),
    ("XA-CT-UBND", "Chủ tịch Ủy ban nhân dân xã", TitleLevel.COMMUNE, "Chính quyền xã", True),
    ("XA-CT-MTTQ", "Chủ tịch Ủy ban Mặt trận Tổ quốc Việt Nam xã", TitleLevel.COMMUNE, "Mặt trận xã", False),
    ("XA-TCA", "Trưởng Công an xã", TitleLevel.COMMUNE, "Chính quyền xã", False),
    ("CB-BT", "Bí thư chi bộ", TitleLevel.COMMUNE, "Cơ sở", False),
]


class Body(enum.StrEnum):
    """What kind of body a demo unit is; the tree keeps Party, State and Front lines apart."""

    LOCALITY = "locality"  # the province or a commune as a whole: the root of its political system
    PARTY = "party"  # tỉnh ủy, đảng ủy xã and the committees and offices of the tỉnh ủy
    COUNCIL = "council"  # Hội đồng nhân dân
    COMMITTEE = "committee"  # Ủy ban nhân dân
    DEPARTMENT = "department"  # sở and other agencies of the provincial People's Committee
    FRONT = "front"  # Ủy ban Mặt trận Tổ quốc Việt Nam
    SCHOOL = "school"  # the provincial political school, a unit of the tỉnh ủy (Quy định 09-QĐi/TW)


def _commune(key: str, kind: str, name: str, locality: str) -> list[tuple]:
    """A commune (xã, phường) after 1 July 2025: its Party committee, People's Council and Committee, and Front."""
    return [
        (key, f"{kind.capitalize()} {name}", "province", locality, Body.LOCALITY),
        (f"{key}-du", f"Đảng ủy {kind} {name}", key, locality, Body.PARTY),
        (f"{key}-hdnd", f"Hội đồng nhân dân {kind} {name}", key, locality, Body.COUNCIL),
        (f"{key}-ubnd", f"Ủy ban nhân dân {kind} {name}", key, locality, Body.COMMITTEE),
        (f"{key}-mttq", f"Ủy ban Mặt trận Tổ quốc Việt Nam {kind} {name}", key, locality, Body.FRONT),
    ]


# (unit key, name, parent key, locality code, body): a province as it is organised since 1 July 2025
UNITS = [
    ("province", "Tỉnh Quảng Trị", None, PROVINCE_CODE, Body.LOCALITY),
    ("tinhuy", "Tỉnh ủy Quảng Trị", "province", PROVINCE_CODE, Body.PARTY),
    ("vptu", "Văn phòng Tỉnh ủy Quảng Trị", "tinhuy", PROVINCE_CODE, Body.PARTY),
    ("btc", "Ban Tổ chức Tỉnh ủy Quảng Trị", "tinhuy", PROVINCE_CODE, Body.PARTY),
    ("btgdv", "Ban Tuyên giáo và Dân vận Tỉnh ủy Quảng Trị", "tinhuy", PROVINCE_CODE, Body.PARTY),
    ("ubkt", "Ủy ban Kiểm tra Tỉnh ủy Quảng Trị", "tinhuy", PROVINCE_CODE, Body.PARTY),
    ("school", "Trường Chính trị Lê Duẩn", "tinhuy", PROVINCE_CODE, Body.SCHOOL),
    ("hdnd", "Hội đồng nhân dân tỉnh Quảng Trị", "province", PROVINCE_CODE, Body.COUNCIL),
    ("ubnd", "Ủy ban nhân dân tỉnh Quảng Trị", "province", PROVINCE_CODE, Body.COMMITTEE),
    ("vpubnd", "Văn phòng Ủy ban nhân dân tỉnh Quảng Trị", "ubnd", PROVINCE_CODE, Body.DEPARTMENT),
    ("sonv", "Sở Nội vụ tỉnh Quảng Trị", "ubnd", PROVINCE_CODE, Body.DEPARTMENT),
    ("sotc", "Sở Tài chính tỉnh Quảng Trị", "ubnd", PROVINCE_CODE, Body.DEPARTMENT),
    ("sogd", "Sở Giáo dục và Đào tạo tỉnh Quảng Trị", "ubnd", PROVINCE_CODE, Body.DEPARTMENT),
    ("sonnmt", "Sở Nông nghiệp và Môi trường tỉnh Quảng Trị", "ubnd", PROVINCE_CODE, Body.DEPARTMENT),
    ("mttq", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Quảng Trị", "province", PROVINCE_CODE, Body.FRONT),
    *_commune("dongHoi", "phường", "Đồng Hới", "18880"),
    *_commune("danHoa", "xã", "Dân Hóa", "18904"),
    *_commune("namGianh", "xã", "Nam Gianh", "19093"),
]

# username, full name, unit key, roles, titles held, titles planned, theory level
PEOPLE = [
    ("admin", "Nguyễn Thị Hồng Nhung", "btc", {Role.ADMIN}, [], [], TheoryLevel.ADVANCED),
    ("giangvien", "Trần Văn Minh", "school", {Role.LECTURER}, [], [], TheoryLevel.ADVANCED),
    ("thanhtra", "Phạm Thanh Tra", "ubkt", {Role.INSPECTOR}, [], [], TheoryLevel.ADVANCED),
    ("hocvien", "Lê Thị Thu Hà", "danHoa-du", {Role.TRAINEE}, ["XA-BT"], ["TU-UV"], TheoryLevel.INTERMEDIATE),
    ("gv.hoang", "Hoàng Thị Lan", "school", {Role.LECTURER}, [], [], TheoryLevel.ADVANCED),
    ("gv.phan", "Phan Đức Thắng", "school", {Role.LECTURER, Role.TRAINEE}, [], [], TheoryLevel.ADVANCED),
    ("ql.vu", "Vũ Quốc Khánh", "sonv", {Role.ADMIN, Role.TRAINEE}, ["SO-GD"], [], TheoryLevel.ADVANCED),
    ("hv.dang", "Đặng Văn Hùng", "dongHoi-du", {Role.TRAINEE}, ["XA-BT"], [], TheoryLevel.INTERMEDIATE),
    ("hv.bui", "Bùi Thị Mai", "dongHoi-du", {Role.TRAINEE}, ["XA-PBT"], ["XA-BT"], TheoryLevel.INTERMEDIATE),
    ("hv.vo", "Võ Thị Thanh Tâm", "dongHoi-hdnd", {Role.TRAINEE}, ["XA-CT-HDND"], [], TheoryLevel.INTERMEDIATE),
    ("hv.do", "Đỗ Minh Tuấn", "dongHoi-ubnd", {Role.TRAINEE}, ["XA-CT-UBND"], [], TheoryLevel.INTERMEDIATE),
    ("hv.ngo", "Ngô Thị Thanh Hương", "dongHoi-mttq", {Role.TRAINEE}, ["XA-CT-MTTQ"], [], TheoryLevel.ELEMENTARY),
    ("hv.duong", "Dương Văn Long", "dongHoi", {Role.TRAINEE}, ["XA-TCA"], [], TheoryLevel.INTERMEDIATE),
    ("hv.ly", "Lý Thị Kim Oanh", "danHoa-du", {Role.TRAINEE}, ["XA-PBT"], [], TheoryLevel.INTERMEDIATE),
    ("hv.luong", "Lương Văn Tâm", "danHoa-hdnd", {Role.TRAINEE}, ["XA-CT-HDND"], [], TheoryLevel.INTERMEDIATE),
    ("hv.ho", "Hồ Văn Sơn", "danHoa-ubnd", {Role.TRAINEE}, ["XA-CT-UBND"], ["XA-BT"], TheoryLevel.INTERMEDIATE),
    ("hv.truong", "Trương Thị Ngọc Ánh", "danHoa-mttq", {Role.TRAINEE}, ["XA-CT-MTTQ"], [], TheoryLevel.ELEMENTARY),
    ("hv.dinh", "Đinh Công Thành", "danHoa-du", {Role.TRAINEE}, ["CB-BT"], [], TheoryLevel.ELEMENTARY),
    ("hv.mai", "Mai Văn Phúc", "namGianh-du", {Role.TRAINEE}, ["XA-BT"], [], TheoryLevel.INTERMEDIATE),
    ("hv.cao", "Cao Thị Bích Ngọc", "namGianh-du", {Role.TRAINEE}, ["XA-PBT"], [], TheoryLevel.INTERMEDIATE),
    ("hv.ta", "Tạ Quang Vinh", "namGianh-ubnd", {Role.TRAINEE}, ["XA-CT-UBND"], [], TheoryLevel.INTERMEDIATE),
    ("hv.lam", "Lâm Thị Diệu Linh", "namGianh", {Role.TRAINEE}, ["XA-TCA"], [], TheoryLevel.ELEMENTARY),
    ("hv.kieu", "Kiều Văn Đạt", "namGianh-du", {Role.TRAINEE}, ["CB-BT"], [], TheoryLevel.NONE),
    ("hv.trinh", "Trịnh Thị Xuân", "tinhuy", {Role.TRAINEE}, ["TU-UVBTV"], ["TU-PBT"], TheoryLevel.ADVANCED),
    ("hv.luu", "Lưu Đình Trọng", "vptu", {Role.TRAINEE}, ["TU-UV"], ["TU-UVBTV"], TheoryLevel.ADVANCED),
    ("hv.quach", "Quách Thị Hạnh", "ubkt", {Role.TRAINEE}, ["TU-UV"], [], TheoryLevel.ADVANCED),
    ("hv.tong", "Tống Văn Bình", "sotc", {Role.TRAINEE}, ["SO-GD"], ["TU-UV"], TheoryLevel.ADVANCED),
    ("hv.ha", "Hà Thị Phương", "sogd", {Role.TRAINEE}, ["SO-GD"], [], TheoryLevel.ADVANCED),
    ("hv.chu", "Chu Văn An", "btc", {Role.TRAINEE}, ["TU-UV"], [], TheoryLevel.ADVANCED),
    ("hv.la", "La Thị Hoài Thương", "btgdv", {Role.TRAINEE}, [], ["SO-GD"], TheoryLevel.INTERMEDIATE),
    ("hv.thai", "Thái Bá Lộc", "dongHoi-du", {Role.TRAINEE}, ["CB-BT"], ["XA-PBT"], TheoryLevel.ELEMENTARY),
    ("hv.van", "Văn Thị Cẩm Tú", "danHoa-du", {Role.TRAINEE}, ["CB-BT"], [], TheoryLevel.ELEMENTARY),
    ("hv.khuc", "Khúc Minh Quân", "namGianh-hdnd", {Role.TRAINEE}, ["XA-CT-HDND"], [], TheoryLevel.INTERMEDIATE),
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
    for key, name, parent_key, locality_code, _body in UNITS:
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
            roles=roles, admin_scope_unit=(units["province"] if username in ("admin", "thanhtra") else units[unit_key])
            if roles & {Role.ADMIN, Role.INSPECTOR} else None,
            theory_level=level, is_demo=True,
        )
        for code in held:
            accounts.assign_title(None, user, titles[code], AssignmentKind.HELD, SINCE)
        for code in planned:
            accounts.assign_title(None, user, titles[code], AssignmentKind.PLANNED, SINCE)
        summary["users"] += 1
    db.session.flush()
    _demo_certificate_school(units["province"])
    from lms.delivery.demo import load_delivery_demo

    summary.update(load_delivery_demo())
    return summary


def _demo_certificate_school(province: Unit) -> None:
    """The provincial school issues the demo province's certificates (the signer is a made-up name)."""
    from lms.learning import certificates

    if certificates.issuer_for(province) is None:
        certificates.set_certificate_issuer(None, province, {
            "heading": "party", "superior_body": "TỈNH ỦY QUẢNG TRỊ", "name": "TRƯỜNG CHÍNH TRỊ LÊ DUẨN",
            "place": "Quảng Trị", "number_suffix": "GCN", "signer_title": "HIỆU TRƯỞNG",
            "signer_name": "Nguyễn Văn Mẫu"})
