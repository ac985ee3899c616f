"""Import cadres from a CSV file as a province's personnel office sends it.

The whole file is checked first; when any line is bad, every bad line is reported (line number and
reason) and nothing is written. Users are matched by username, so importing the same file again changes
nothing. An import adds and updates; it never removes a user, a role or a title (do that on the user's
page). The columns are listed in README.md.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from lms import audit, signals
from lms.accounts import services
from lms.accounts.models import AssignmentKind, Role, RoleGrant, TheoryLevel, TitleAssignment, User
from lms.accounts.names import fold, sort_key
from lms.dates import TITLE_DATES
from lms.db import each_value, insert_many, preparing, refresh_statistics, utcnow, without_cycle_collection
from lms.errors import InvalidInput
from lms.extensions import db
from lms.formats import local_date
from lms.organisation.models import Title, Unit
from lms.text import NotUtf8, clean_name, decode_utf8

# Canonical column -> the header spellings accepted for it (compared without diacritics or case).
COLUMNS = {
    "username": ("username", "ten dang nhap", "tai khoan"),
    "full_name": ("full_name", "ho va ten", "ho ten"),
    "unit_code": ("unit_code", "ma don vi"),
    "email": ("email", "thu dien tu"),
    "theory_level": ("theory_level", "trinh do llct", "trinh do ly luan chinh tri"),
    "titles_held": ("titles_held", "chuc danh dang giu", "chuc danh"),
    "titles_planned": ("titles_planned", "chuc danh quy hoach", "quy hoach"),
}
REQUIRED = ("username", "full_name", "unit_code")
THEORY_LEVELS = {
    "0": TheoryLevel.NONE, "chua co": TheoryLevel.NONE, "khong": TheoryLevel.NONE,
    "1": TheoryLevel.ELEMENTARY, "so cap": TheoryLevel.ELEMENTARY,
    "2": TheoryLevel.INTERMEDIATE, "trung cap": TheoryLevel.INTERMEDIATE,
    "3": TheoryLevel.ADVANCED, "cao cap": TheoryLevel.ADVANCED,
}
_TITLE_ITEM = re.compile(r"^(?P<code>[^\s:()]+)(?:\s*[:(]\s*|\s+)?(?P<date>[0-9./-]+)?\s*\)?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")
_CHUNK = 500


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    titles_added: int = 0
    dry_run: bool = False


@dataclass
class _Row:
    line: int
    username: str
    full_name: str
    unit: Unit
    email: str | None
    theory_level: int | None
    titles: list[tuple[Title, AssignmentKind, date]] = field(default_factory=list)


def _label(column: str) -> str:
    return {
        "username": _("tên đăng nhập"),
        "full_name": _("họ và tên"),
        "unit_code": _("mã đơn vị"),
    }[column]


def parse_date(text: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _decode(data: bytes) -> str:
    try:
        return decode_utf8(data)
    except NotUtf8 as bad:
        raise InvalidInput(_("Tệp không đọc được."), [Problem(bad.line, bad.message)]) from bad


def _header_map(header: list[str]) -> tuple[dict[str, int], list[Problem]]:
    aliases = {alias: column for column, spellings in COLUMNS.items() for alias in spellings}
    found: dict[str, int] = {}
    problems = []
    for index, name in enumerate(header):
        key = fold(name).replace("_", " ")
        column = aliases.get(key) or aliases.get(key.replace(" ", "_"))
        if not key:
            continue
        if column is None:
            problems.append(Problem(1, _("Cột không nhận ra: \"%(name)s\".", name=name.strip())))
        elif column in found:
            problems.append(Problem(1, _("Cột \"%(name)s\" xuất hiện hai lần.", name=name.strip())))
        else:
            found[column] = index
    for column in REQUIRED:
        if column not in found:
            problems.append(Problem(1, _("Thiếu cột bắt buộc: %(column)s.", column=_label(column))))
    return found, problems


def _read_rows(text: str) -> tuple[dict[str, int], list[tuple[int, list[str]]], list[Problem]]:
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return {}, [], [Problem(1, _("Tệp trống."))]
    columns, problems = _header_map(header)
    rows = []
    try:
        for values in reader:
            if any(v.strip() for v in values):
                if len(values) > len(header):
                    problems.append(Problem(reader.line_num, _("Dòng có nhiều ô hơn số cột của tiêu đề.")))
                    continue
                rows.append((reader.line_num, values))
    except csv.Error as bad:
        problems.append(Problem(reader.line_num, _("Dòng không đúng định dạng CSV: %(error)s", error=str(bad))))
    if not rows and not problems:
        problems.append(Problem(1, _("Tệp không có dòng dữ liệu nào.")))
    return columns, rows, problems


def _cell(values: list[str], columns: dict[str, int], column: str) -> str:
    index = columns.get(column)
    if index is None or index >= len(values):
        return ""
    return clean_name(values[index])


def _parse_titles(text: str, kind: AssignmentKind, titles: dict[str, Title], line: int,
                  problems: list[Problem]) -> list[tuple[Title, AssignmentKind, date]]:
    parsed = []
    for item in filter(None, (part.strip() for part in re.split(r"[;,\n|]", text))):
        match = _TITLE_ITEM.match(item)
        if not match:
            problems.append(Problem(line, _("Không hiểu chức danh \"%(item)s\" (viết MÃ:ngày/tháng/năm).", item=item)))
            continue
        code = match["code"].upper()
        title = titles.get(code)
        if title is None:
            problems.append(Problem(line, _("Mã chức danh không có trong hệ thống: %(code)s.", code=code)))
            continue
        if not match["date"]:
            problems.append(Problem(line, _("Thiếu ngày bắt đầu cho chức danh %(code)s.", code=code)))
            continue
        start = parse_date(match["date"])
        if start is None:
            problems.append(Problem(line, _("Ngày không hợp lệ cho chức danh %(code)s: \"%(value)s\" "
                                            "(viết ngày/tháng/năm hoặc năm-tháng-ngày).",
                                            code=code, value=match["date"])))
            continue
        if not TITLE_DATES.contains(start):
            problems.append(Problem(line, TITLE_DATES.message(_("Ngày bắt đầu của chức danh %(code)s", code=code))))
            continue
        same = [s for t, _k, s in parsed if t is title]
        if start in same:
            continue
        if same:
            problems.append(Problem(line, _("Chức danh %(code)s ghi hai lần với ngày khác nhau.", code=code)))
            continue
        parsed.append((title, kind, start))
    return parsed


def _load_by(model, column, values: set[str], options=()) -> dict:
    found = {}
    values = sorted(values)
    for i in range(0, len(values), _CHUNK):
        chunk = values[i : i + _CHUNK]
        for obj in db.session.scalars(sa.select(model).where(column.in_(chunk)).options(*options)):
            found[getattr(obj, column.key)] = obj
    return found


def _check(actor: User | None, scope: Unit | None, text: str, on_progress=None,
           ) -> tuple[list[_Row], dict[str, User], list[Problem]]:
    columns, raw_rows, problems = _read_rows(text)
    if any(p.line == 1 for p in problems):
        return [], {}, problems  # without the right columns, every line would be wrong the same way
    cells = [(line, {c: _cell(values, columns, c) for c in COLUMNS}) for line, values in raw_rows]
    units = _load_by(Unit, Unit.code, {c["unit_code"] for _l, c in cells if c["unit_code"]})
    titles = {t.code: t for t in db.session.scalars(sa.select(Title))}
    usernames = {services.normalise_username(c["username"]) for _l, c in cells if c["username"]}
    existing = _load_by(User, User.username, usernames, (selectinload(User.title_assignments),
                                                          selectinload(User.unit)))
    seen: dict[str, int] = {}
    rows = []
    for done, (line, c) in enumerate(cells):
        if on_progress is not None and done % _CHUNK == 0:
            on_progress(done, len(cells))
        count = len(problems)
        for column in REQUIRED:
            if not c[column]:
                problems.append(Problem(line, _("Thiếu %(column)s.", column=_label(column))))
        username = services.normalise_username(c["username"])
        if username:
            if not services.USERNAME.match(username):
                problems.append(Problem(line, _("Tên đăng nhập \"%(u)s\" không hợp lệ: chỉ dùng chữ không dấu, "
                                                "số và các dấu . _ -", u=username)))
            if username in seen:
                problems.append(Problem(line, _("Tên đăng nhập %(u)s trùng với dòng %(line)d.",
                                                u=username, line=seen[username])))
            else:
                seen[username] = line
        if len(c["full_name"]) > 200:
            problems.append(Problem(line, _("Họ và tên dài quá 200 ký tự.")))
        # A scoped admin learns nothing of other trees: a unit or a user outside the scope reads the same
        # whether it exists elsewhere or not at all.
        unit = units.get(c["unit_code"])
        if c["unit_code"] and (unit is None or (scope is not None and not scope.contains(unit))):
            problems.append(Problem(line, _("Mã đơn vị %(code)s không có trong phạm vi quản lý của bạn.",
                                            code=c["unit_code"]) if scope is not None else
                                    _("Mã đơn vị không có trong hệ thống: %(code)s.", code=c["unit_code"])))
        user = existing.get(username)
        if user is not None and scope is not None and not scope.contains(user.unit):
            problems.append(Problem(line, _("Tên đăng nhập %(u)s không có trong phạm vi quản lý của bạn; "
                                            "hãy chọn tên đăng nhập khác.", u=username)))
        email = c["email"] or None
        if email and (len(email) > 255 or not _EMAIL.match(email)):
            problems.append(Problem(line, _("Địa chỉ thư điện tử không hợp lệ: %(email)s.", email=email)))
        level = None
        if c["theory_level"]:
            level = THEORY_LEVELS.get(fold(c["theory_level"]))
            if level is None:
                problems.append(Problem(line, _("Trình độ lý luận chính trị không hợp lệ: \"%(value)s\" "
                                                "(dùng 0-3 hoặc sơ cấp, trung cấp, cao cấp).",
                                                value=c["theory_level"])))
        assigned = _parse_titles(c["titles_held"], AssignmentKind.HELD, titles, line, problems)
        assigned += _parse_titles(c["titles_planned"], AssignmentKind.PLANNED, titles, line, problems)
        if user is not None:
            for title, kind, start in assigned:
                clash = _clashing_assignment(user, title, kind, start)
                if clash is not None:
                    problems.append(Problem(line, _(
                        "%(u)s đã có chức danh %(code)s từ ngày %(start)s; ngày trong tệp (%(new)s) chồng lên "
                        "khoảng đó. Sửa trên trang của người dùng.", u=username, code=title.code,
                        start=local_date(clash.start_date), new=local_date(start))))
        if len(problems) == count:
            rows.append(_Row(line, username, c["full_name"], unit, email, level, assigned))
    return rows, existing, problems


def _clashing_assignment(user: User, title: Title, kind: AssignmentKind, start: date):
    for a in user.title_assignments:
        # The file's period starts on `start` and stays open, like assign_title's overlap rule.
        if a.title_id == title.id and a.kind == kind and a.start_date != start and start <= (a.end_date or date.max):
            return a
    return None


def _has_assignment(user: User, title: Title, kind: AssignmentKind, start: date) -> bool:
    return any(a.title_id == title.id and a.kind == kind and a.start_date == start for a in user.title_assignments)


def import_users(actor: User | None, data: bytes, *, scope: Unit | None = None, dry_run: bool = False,
                 on_progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Create or update the users of a CSV file, all or nothing; InvalidInput lists every bad line.

    An admin imports into their own scope; the command line (actor None) into `scope`, or anywhere.
    `on_progress(done, total)` is called as the lines are checked and once more when they are written.
    """
    actor_id = getattr(actor, "id", None)
    # Reading, checking and preparing take most of the time and run without the write lock (see
    # lms.db.preparing); the writing is then a fixed number of set-based statements.
    with preparing(db.session):
        if actor is not None:
            scope = services.admin_scope(actor)
        rows, existing, problems = _check(actor, scope, _decode(data), on_progress)
        if problems:
            problems.sort(key=lambda p: p.line)
            raise InvalidInput(_("Tệp có %(n)d lỗi; chưa nhập dòng nào.", n=len(problems)), problems)
        plan = _plan(rows, existing, dry_run)
    if not dry_run:
        with without_cycle_collection():
            _write(plan, actor_id, actor)
    if on_progress is not None:
        on_progress(plan.report.rows, plan.report.rows)
    return plan.report


@dataclass
class _Plan:
    """What an import writes, as plain values (no ORM object outlives the checking transaction)."""

    report: ImportReport
    new_users: list[dict] = field(default_factory=list)
    updates: list[dict] = field(default_factory=list)  # existing users whose values change
    audits: list[tuple[str, str, dict]] = field(default_factory=list)  # (username, action, detail)
    titles: list[tuple[str, int, AssignmentKind, date, str]] = field(default_factory=list)


def _plan(rows: list[_Row], existing: dict[str, User], dry_run: bool) -> _Plan:
    plan = _Plan(ImportReport(rows=len(rows), dry_run=dry_run))
    report = plan.report
    for row in rows:
        user = existing.get(row.username)
        if user is None:
            plan.new_users.append({
                "username": row.username, "full_name": row.full_name, "unit_id": row.unit.id, "email": row.email,
                "theory_level": row.theory_level or TheoryLevel.NONE, **_name_keys(row.full_name, row.username)})
            plan.audits.append((row.username, "user.create", {"username": row.username, "source": "import"}))
            report.created += 1
            added = row.titles
        else:
            changes = _changes(user, row)
            if changes:
                full_name = row.full_name or user.full_name
                plan.updates.append({
                    "b_id": user.id, "full_name": full_name, "unit_id": row.unit.id if row.unit else user.unit_id,
                    "email": row.email if row.email is not None else user.email,
                    "theory_level": row.theory_level if row.theory_level is not None else user.theory_level,
                    **_name_keys(full_name, user.username)})
                plan.audits.append((row.username, "user.import_update", {"fields": changes}))
            added = [(t, k, d) for t, k, d in row.titles if not _has_assignment(user, t, k, d)]
            changed = bool(changes or added)
            report.updated += changed
            report.unchanged += not changed
        for title, kind, start in added:
            plan.titles.append((row.username, title.id, kind, start, title.code))
        report.titles_added += len(added)
    return plan


def _name_keys(full_name: str, username: str) -> dict:
    """The search and sort keys User keeps in step with its names (the bulk INSERT bypasses the ORM)."""
    return {"search_key": f"{fold(full_name)} {fold(username)}".strip()[:400], "sort_key": sort_key(full_name)[:500]}


def _write(plan: _Plan, actor_id: int | None, actor: User | None) -> None:
    """Write the plan in a fixed number of statements, whatever the number of lines; all in the caller's
    transaction, so a failure anywhere leaves nothing."""
    report, now = plan.report, utcnow()
    users = User.__table__
    try:
        if plan.new_users:
            insert_many(db.session, users, [{**u, "created_at": now} for u in plan.new_users])
        if plan.updates:
            db.session.execute(
                users.update().where(users.c.id == sa.bindparam("b_id"))
                .values({name: sa.bindparam(name) for name in plan.updates[0] if name != "b_id"}),
                plan.updates)
    except IntegrityError as clash:  # a user of the file was added meanwhile: check again, then import
        raise InvalidInput(_("Dữ liệu người dùng vừa thay đổi trong lúc nhập; chưa nhập dòng nào. "
                             "Hãy nhập lại tệp.")) from clash
    wanted = {u for u, *_rest in plan.titles} | {u for u, *_rest in plan.audits}
    ids = dict(db.session.execute(sa.select(users.c.username, users.c.id).where(
        users.c.username.in_(each_value(db.session, sorted(wanted), sa.String())))).all()) if wanted else {}
    granted = [ids[u["username"]] for u in plan.new_users]
    bulk = bool(granted or plan.titles)
    if bulk:
        # What follows the trainee roles and titles (completion facts, training needs) is refreshed at once for
        # everyone written at the end, not row by row.
        signals.bulk_titles_started.send(actor=actor)
    if granted:
        insert_many(db.session, RoleGrant.__table__, [{"user_id": i, "role": Role.TRAINEE.value} for i in granted])
    if plan.titles:
        insert_many(db.session, TitleAssignment.__table__, [
            {"user_id": ids[username], "title_id": title_id, "kind": kind.value, "start_date": start}
            for username, title_id, kind, start, _code in plan.titles])
    ip = audit.client_address()
    entries = [{"at": now, "actor_id": actor_id, "action": action, "object_type": "users", "object_id": ids[username],
                "detail": detail, "ip": ip} for username, action, detail in plan.audits]
    entries += [{"at": now, "actor_id": actor_id, "action": "title.assign", "object_type": "users",
                 "object_id": ids[username], "detail": {"title": code, "kind": kind.value, "start": str(start)},
                 "ip": ip} for username, _id, kind, start, code in plan.titles]
    if entries:
        audit.insert_entries(db.session, entries)
    retitled = sorted({ids[username] for username, *_rest in plan.titles})
    if retitled:
        # The receivers select from the people and titles just written, set-based.
        refresh_statistics(db.session, users, TitleAssignment.__table__)
        signals.users_titles_changed.send(user_ids=retitled, actor=actor)
    if bulk:
        signals.bulk_titles_finished.send(user_ids=sorted(set(retitled) | set(granted)), actor=actor)
    audit.record(actor, "user.import", None, object_type="users", rows=report.rows, created=report.created,
                 updated=report.updated, unchanged=report.unchanged)
    db.session.flush()


def _changes(user: User, row: _Row) -> list[str]:
    """The row's values that differ on an existing user; empty optional cells keep what is stored."""
    return [name for name, value in (("full_name", row.full_name), ("unit", row.unit), ("email", row.email),
                                     ("theory_level", row.theory_level))
            if value is not None and getattr(user, name) != value]
