"""Importing cadres from a province personnel office's CSV file: all or nothing, and idempotent."""
import io
import re
import threading
from datetime import date

import pytest
import sqlalchemy as sa

from lms.accounts.importing import import_users
from lms.accounts.models import AssignmentKind, Role, TitleAssignment, User
from lms.errors import InvalidInput
from lms.extensions import db
from lms.learning.models import ProgramStatus
from lms.organisation.models import Title

GOOD = """username,full_name,unit_code,email,theory_level,titles_held,titles_planned
hv.ha,Lê Thị Thu Hà,QT-DANHOA,ha@quangtri.vn,trung cấp,XA-BT:01/07/2025,TU-UV:2025-09-15
hv.son,Hồ Văn Sơn,QT-DANHOA,,2,XA-PBT:01/07/2025;CB-BT:15/03/2024,
hv.trinh,Trịnh Thị Xuân,QT,,cao cấp,,
"""


@pytest.fixture
def org(make):
    quang_tri = make.unit("Tỉnh ủy Quảng Trị", code="QT")
    dan_hoa = make.unit("Đảng ủy xã Dân Hóa", parent=quang_tri, code="QT-DANHOA")
    hue = make.unit("Thành ủy Huế", code="HUE")
    for code in ("XA-BT", "XA-PBT", "CB-BT", "TU-UV"):
        make.title(code=code)
    admin = make.admin("admin", scope=quang_tri)
    return {"root": quang_tri, "commune": dan_hoa, "hue": hue, "admin": admin}


def _admin(org):
    return db.session.get(User, org["admin"].id)


def _counts():
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(User)),
        db.session.scalar(sa.select(sa.func.count()).select_from(TitleAssignment)),
    )


def test_a_good_file_with_bom_creates_users_with_units_and_dated_titles(ctx, org):
    report = import_users(_admin(org), ("\ufeff" + GOOD).encode())
    assert (report.rows, report.created, report.updated, report.unchanged, report.titles_added) == (3, 3, 0, 0, 4)
    ha = db.session.scalar(sa.select(User).where(User.username == "hv.ha"))
    assert (ha.full_name, ha.unit_id, ha.email, ha.theory_level) == (
        "Lê Thị Thu Hà", org["commune"].id, "ha@quangtri.vn", 2)
    assert ha.roles == {Role.TRAINEE}
    assert ha.password_hash is None
    assert sorted((a.title.code, a.kind, a.start_date) for a in ha.title_assignments) == [
        ("TU-UV", AssignmentKind.PLANNED, date(2025, 9, 15)),
        ("XA-BT", AssignmentKind.HELD, date(2025, 7, 1)),
    ]
    son = db.session.scalar(sa.select(User).where(User.username == "hv.son"))
    assert {(a.title.code, a.start_date) for a in son.title_assignments} == {
        ("XA-PBT", date(2025, 7, 1)), ("CB-BT", date(2024, 3, 15))}


def test_importing_the_same_file_again_changes_nothing(ctx, org):
    import_users(_admin(org), GOOD.encode())
    db.session.flush()
    before = _counts()
    report = import_users(_admin(org), ("\ufeff" + GOOD).encode())
    assert (report.created, report.updated, report.unchanged, report.titles_added) == (0, 0, 3, 0)
    assert _counts() == before


def test_a_changed_line_updates_only_that_user(ctx, org):
    import_users(_admin(org), GOOD.encode())
    changed = GOOD.replace("Sơn,QT-DANHOA,,2,XA-PBT", "Sơn,QT,,3,XA-PBT").replace(
        "Xuân,QT,,cao cấp,,", "Xuân,QT,,cao cấp,,XA-BT:1/1/2026")
    report = import_users(_admin(org), changed.encode())
    assert (report.created, report.updated, report.unchanged, report.titles_added) == (0, 2, 1, 1)
    son = db.session.scalar(sa.select(User).where(User.username == "hv.son"))
    assert (son.unit_id, son.theory_level) == (org["root"].id, 3)


def test_vietnamese_headers_semicolons_and_no_bom_are_accepted(ctx, org):
    text = ("Tên đăng nhập;Họ và tên;Mã đơn vị;Chức danh đang giữ\n"
            'hv.ha;Lê Thị Thu Hà;QT-DANHOA;"XA-BT:01/07/2025; CB-BT:01.01.2020"\n')
    report = import_users(_admin(org), text.encode())
    assert report.created == 1
    assert report.titles_added == 2


def test_every_bad_line_is_reported_with_its_number_and_nothing_is_imported(ctx, org):
    text = """username,full_name,unit_code,email,theory_level,titles_held,titles_planned
hv.ok,Người Đúng,QT-DANHOA,,,,
hv.x1,Không Có Đơn Vị,QT-KHONGCO,,,,
hv.x2,Đơn Vị Ngoài,HUE,,,,
hv.x3,Sai Chức Danh,QT,,,KHONG-CO:01/07/2025,
hv.x4,Sai Ngày,QT,,,XA-BT:31/02/2025,
hv.ok,Trùng Tên,QT,,,,
,Thiếu Tên Đăng Nhập,QT,,,,
hv.x5,,QT,,,,
hv.x6,Sai Trình Độ,QT,,tiến sĩ,,
hv.x7,Sai Thư,QT,khong-phai-thu,,,
hv.x8,Thiếu Ngày,QT,,,,TU-UV
Có Dấu,Tên Sai,QT,,,,
hv.x9,Hai Ngày,QT,,,XA-BT:01/07/2025;XA-BT:01/08/2025,
"""
    with pytest.raises(InvalidInput) as refused:
        import_users(_admin(org), text.encode())
    reasons = {p.line: p.message for p in refused.value.problems}
    assert reasons == {
        3: "Mã đơn vị QT-KHONGCO không có trong phạm vi quản lý của bạn.",
        4: "Mã đơn vị HUE không có trong phạm vi quản lý của bạn.",  # it exists, in another tree: not said
        5: "Mã chức danh không có trong hệ thống: KHONG-CO.",
        6: "Ngày không hợp lệ cho chức danh XA-BT: \"31/02/2025\" (viết ngày/tháng/năm hoặc năm-tháng-ngày).",
        7: "Tên đăng nhập hv.ok trùng với dòng 2.",
        8: "Thiếu tên đăng nhập.",
        9: "Thiếu họ và tên.",
        10: "Trình độ lý luận chính trị không hợp lệ: \"tiến sĩ\" (dùng 0-3 hoặc sơ cấp, trung cấp, cao cấp).",
        11: "Địa chỉ thư điện tử không hợp lệ: khong-phai-thu.",
        12: "Thiếu ngày bắt đầu cho chức danh TU-UV.",
        13: "Tên đăng nhập \"có dấu\" không hợp lệ: chỉ dùng chữ không dấu, số và các dấu . _ -",
        14: "Chức danh XA-BT ghi hai lần với ngày khác nhau.",
    }
    assert _counts() == (1, 0)  # only the admin


def test_a_user_of_another_province_cannot_be_overwritten(ctx, org, make):
    make.user("hue.dung", unit=org["hue"], full_name="Lê Văn Dũng")
    text = "username,full_name,unit_code\nhue.dung,Lê Văn Dũng,QT\n"
    with pytest.raises(InvalidInput) as refused:
        import_users(_admin(org), text.encode())
    assert [(p.line, p.message) for p in refused.value.problems] == [
        (2, "Tên đăng nhập hue.dung không có trong phạm vi quản lý của bạn; hãy chọn tên đăng nhập khác.")]


def test_a_title_date_overlapping_an_existing_record_is_reported(ctx, org, make):
    import_users(_admin(org), GOOD.encode())
    moved = GOOD.replace("XA-BT:01/07/2025", "XA-BT:01/08/2025")
    with pytest.raises(InvalidInput) as refused:
        import_users(_admin(org), moved.encode())
    assert [p.line for p in refused.value.problems] == [2]
    assert "01/07/2025" in refused.value.problems[0].message


@pytest.mark.parametrize(("data", "expected"), [
    ("username,full_name\nhv.ha,Lê Thị Thu Hà\n".encode(), (1, "Thiếu cột bắt buộc: mã đơn vị.")),
    (b"username,full_name,unit_code,chuc vu\n", (1, "Cột không nhận ra: \"chuc vu\".")),
    (b"", (1, "Tệp trống.")),
    ("username,full_name,unit_code\nhv.ha,Lê Thu,QT\n".encode("latin-1"),
     (2, "Tệp không phải mã UTF-8 (lỗi ở dòng 2). Hãy lưu lại tệp với bảng mã UTF-8: trong Excel chọn "
         "\"CSV UTF-8\", trong Notepad chọn \"UTF-8\".")),
])
def test_files_that_cannot_be_read_are_refused_with_a_reason(ctx, org, data, expected):
    with pytest.raises(InvalidInput) as refused:
        import_users(_admin(org), data)
    assert (refused.value.problems[0].line, refused.value.problems[0].message) == expected


def _upload(client, text: str, **fields):
    return client.post("/admin/users/import", data={"file": (io.BytesIO(text.encode()), "can-bo.csv"), **fields},
                       content_type="multipart/form-data")


def _imported(client, consumers, text: str, **fields) -> str:
    """Upload a file, let a running consumer import it, and read the job page it sent us to."""
    before = len(consumers.finished)
    response = _upload(client, text, **fields)
    assert response.status_code == 302
    consumers.wait_for(before + 1)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "data-job-running" not in page
    return page


def test_the_import_page_runs_the_import_as_a_job_and_shows_its_report(app, client, auth, org, consumers):
    auth.login("admin")
    response = _upload(client, GOOD)
    job_url = response.headers["Location"]
    assert re.fullmatch(r"/jobs/\d+", job_url)
    with app.app_context():
        assert _counts() == (1, 0)  # nothing written inside the request
    assert "data-job-running" in client.get(job_url).get_data(as_text=True)
    consumers.start()
    consumers.wait_for(1)
    page = client.get(job_url).get_data(as_text=True)
    assert "data-job-running" not in page
    assert "Đã xong" in page
    assert "Tạo mới: 3" in page
    with app.app_context():
        assert _counts() == (4, 4)
    assert "Không thay đổi: 3" in _imported(client, consumers, GOOD)


def test_the_import_page_lists_bad_lines_and_imports_nothing(app, client, auth, org, consumers):
    auth.login("admin")
    consumers.start()
    page = _imported(client, consumers, GOOD + "hv.hue,Người Huế,HUE,,,,\n")
    assert "Không thực hiện được" in page
    assert "<td>5</td><td>Mã đơn vị HUE không có trong phạm vi quản lý của bạn.</td>" in page
    assert "chưa nhập dòng nào" in page
    with app.app_context():
        assert _counts() == (1, 0)


def test_check_only_writes_nothing(app, client, auth, org, consumers):
    auth.login("admin")
    consumers.start()
    page = _imported(client, consumers, GOOD, dry_run="y")
    assert "Tạo mới: 3" in page
    assert "Kết quả kiểm tra (chưa nhập)" in page
    with app.app_context():
        assert _counts() == (1, 0)


def test_only_the_admin_who_started_an_import_follows_it(app, client, auth, org, make, consumers):
    make.admin("admin2", scope=org["root"])
    auth.login("admin")
    job_url = _upload(client, GOOD).headers["Location"]
    auth.logout()
    auth.login("admin2")
    assert client.get(job_url).status_code == 404
    auth.logout()
    assert client.get(job_url).status_code == 302  # to the sign-in page


def test_a_failed_commit_of_the_request_sends_no_import(app, client, auth, org, consumers):
    from lms.jobs.queue import huey

    auth.login("admin")
    with app.app_context():
        before = huey.pending_count()
    csrf_missing = client.post("/admin/users/import", data={"file": (io.BytesIO(GOOD.encode()), "a.csv")},
                               content_type="multipart/form-data", csrf=False)
    assert csrf_missing.status_code == 400
    with app.app_context():
        assert huey.pending_count() == before


def test_command_line_import_within_a_unit_scope(app, runner, org, tmp_path):
    path = tmp_path / "can-bo.csv"
    path.write_bytes(("\ufeff" + GOOD).encode())
    result = runner.invoke(args=["lms", "import-users", str(path), "--unit-scope", "QT-DANHOA"])
    assert result.exit_code == 1
    assert "line 4: Mã đơn vị QT không có trong phạm vi quản lý của bạn." in result.output
    result = runner.invoke(args=["lms", "import-users", str(path), "--unit-scope", "QT"])
    assert result.exit_code == 0, result.output
    assert "imported 3 rows: 3 created, 0 updated, 0 unchanged, 4 titles added" in result.output
    result = runner.invoke(args=["lms", "import-users", str(path)])
    assert "0 created, 0 updated, 3 unchanged, 0 titles added" in result.output


def test_the_readme_example_imports_into_the_demo_province(app, runner):
    import re
    from pathlib import Path

    runner.invoke(args=["lms", "demo"])
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```csv\n(.*?)```", readme, re.S).group(1)
    with app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        report = import_users(admin, example.encode())
        assert (report.created, report.titles_added) == (1, 2)


def test_imported_titles_are_announced_to_other_domains_and_audited(ctx, org):
    from lms import signals
    from lms.audit import AuditEntry

    announced = []

    def receiver(_sender, user_ids, actor):
        names = db.session.scalars(sa.select(User.username).where(User.id.in_(user_ids)))
        announced.append((sorted(names), actor.username))

    signals.users_titles_changed.connect(receiver)
    try:
        import_users(_admin(org), GOOD.encode())
    finally:
        signals.users_titles_changed.disconnect(receiver)
    assert announced == [(["hv.ha", "hv.son"], "admin")]  # once for the whole file
    actions = dict(db.session.execute(
        sa.select(AuditEntry.action, sa.func.count()).where(AuditEntry.actor_id == org["admin"].id)
        .group_by(AuditEntry.action)).all())
    assert actions == {"user.create": 3, "title.assign": 4, "user.import": 1}


def _file(prefix: str, n: int) -> bytes:
    lines = ["username,full_name,unit_code,titles_held,titles_planned"]
    lines += [f"{prefix}.{i},Người {prefix} {i},QT-DANHOA,XA-BT:01/07/2025,TU-UV:01/01/2026" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def test_an_import_runs_as_many_statements_for_sixty_people_as_for_three(ctx, org, make, statements):
    module = make.learning_module()
    titles = {t.code: t for t in db.session.scalars(sa.select(Title))}
    make.learning_program(titles=[titles["XA-BT"]], modules=[module])
    make.learning_program(titles=[titles["TU-UV"]], modules=[module])
    with statements() as few:
        import_users(_admin(org), _file("a", 3))
    with statements() as many:
        report = import_users(_admin(org), _file("b", 60))
    assert (report.created, report.titles_added) == (60, 120)
    assert len(many) == len(few)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgramStatus)) == 2 * 63


def test_a_failure_while_writing_leaves_nothing(app, runner, org, tmp_path):
    from lms import signals

    def broken(_sender, **_kwargs):
        raise RuntimeError("the disk went away")

    path = tmp_path / "can-bo.csv"
    path.write_bytes(GOOD.encode())
    signals.users_titles_changed.connect(broken)
    try:
        result = runner.invoke(args=["lms", "import-users", str(path)])
    finally:
        signals.users_titles_changed.disconnect(broken)
    assert result.exit_code != 0
    with app.app_context():
        assert _counts() == (1, 0)


def test_other_writers_go_on_while_the_file_is_checked(ctx, org):
    other = sa.create_engine(db.engine.url)
    wrote = []

    def write():  # a web request writing meanwhile (its own thread), unwilling to wait
        with other.connect() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA busy_timeout=100")
            else:
                conn.exec_driver_sql("SET lock_timeout = '100ms'")
            conn.execute(sa.update(User).where(User.username == "admin").values(email="admin@quangtri.vn"))
            conn.commit()
        wrote.append(True)

    def on_progress(done, total):
        if done == 0 and not wrote:
            writer = threading.Thread(target=write)
            writer.start()
            writer.join()

    db.session.commit()  # the units and titles exist before the import starts, as in a request
    try:
        report = import_users(_admin(org), GOOD.encode(), on_progress=on_progress)
    finally:
        other.dispose()
    assert wrote == [True]
    assert report.created == 3
    assert db.session.scalar(sa.select(User.email).where(User.username == "admin")) == "admin@quangtri.vn"


def test_the_dashboards_facts_after_an_import_are_those_a_full_rebuild_gives(ctx, org, make):
    from lms.dashboards import facts
    from lms.dashboards.models import CompletionFact

    def rows():
        columns = [getattr(CompletionFact, name) for name in facts.COLUMNS if name != "status_id"]
        return sorted(tuple(row) for row in db.session.execute(sa.select(*columns)))

    module = make.learning_module()
    titles = {t.code: t for t in db.session.scalars(sa.select(Title))}
    make.learning_program(titles=[titles["XA-BT"]], modules=[module])
    db.session.commit()
    import_users(_admin(org), _file("c", 5))
    imported = rows()
    facts.rebuild(db.session.connection())
    assert imported == rows()
    assert len(imported) == 5
    # The per-row upkeep is back: a title given afterwards shows at once.
    make.user("sau.nay", unit=org["commune"], held=[titles["XA-BT"]])
    assert len(rows()) == 6


def test_a_user_created_elsewhere_while_the_file_is_checked_refuses_the_whole_import(ctx, org):
    other = sa.create_engine(db.engine.url)
    unit_id = org["commune"].id
    db.session.commit()

    def create_elsewhere():
        with other.begin() as conn:
            conn.execute(sa.insert(User).values(username="hv.son", full_name="Hồ Văn Sơn", unit_id=unit_id))

    def on_progress(done, total):
        if done == 0:
            writer = threading.Thread(target=create_elsewhere)
            writer.start()
            writer.join()

    try:
        with pytest.raises(InvalidInput) as refused:
            import_users(_admin(org), GOOD.encode(), on_progress=on_progress)
    finally:
        other.dispose()
    db.session.rollback()
    assert "chưa nhập dòng nào" in refused.value.message
    assert _counts() == (2, 0)  # the admin and the one made elsewhere; nothing of the file
