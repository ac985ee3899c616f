"""The things a picker chooses, each searched and checked within the signed-in admin's scope."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts import services as accounts
from lms.accounts.models import Role, RoleGrant, User
from lms.accounts.names import fold
from lms.curriculum import queries as curriculum
from lms.curriculum.models import Module, Program
from lms.extensions import db
from lms.inputs import int_or_none
from lms.organisation import queries as organisation
from lms.organisation.models import Locality, Unit
from lms.pickers import LIMIT, Choice, Kind
from lms.text import clean_name


class Units(Kind):
    """Units of the admin's subtree, by name, code or the name of the unit above (without diacritics)."""

    name, endpoint = "units", "pickers.units"

    def noun(self) -> str:
        return _("đơn vị")

    def placeholder(self) -> str:
        return _("Gõ tên hoặc mã đơn vị")

    def search(self, text: str, limit: int = LIMIT) -> list[Choice]:
        scope = accounts.admin_scope(current_user)
        return [Choice(u.id, _unit_label(u.name, u.code), u.parent_name or "", u.exact)
                for u in organisation.units_matching(scope, text, limit)]

    def load(self, ident: int):
        return db.session.get(Unit, ident)

    def label(self, unit: Unit) -> str:
        return _unit_label(unit.name, unit.code)

    def allowed(self, unit: Unit) -> bool:
        return accounts.admin_scope(current_user).contains(unit)


def _unit_label(name: str, code: str | None) -> str:
    return f"{name} ({code})" if code else name


class Localities(Kind):
    """The province of the admin's scope and its communes (all of them for a national scope), by name."""

    name, endpoint = "localities", "pickers.localities"

    def noun(self) -> str:
        return _("địa bàn")

    def placeholder(self) -> str:
        return _("Gõ tên xã, phường hoặc tỉnh")

    def search(self, text: str, limit: int = LIMIT) -> list[Choice]:
        scope = accounts.admin_scope(current_user)
        return [Choice(p.id, _place_label(p.name, p.province_name), "", p.exact)
                for p in organisation.localities_matching(scope, text, limit)]

    def load(self, ident: int):
        return db.session.get(Locality, ident)

    def label(self, place: Locality) -> str:
        return _place_label(place.name, place.parent.name if place.parent_id else None)

    def allowed(self, place: Locality) -> bool:
        scope = accounts.admin_scope(current_user)
        home = scope.locality.province if scope.locality else None
        return home is None or home.id in (place.id, place.parent_id)


class Communes(Localities):
    """The communes where the units of the reader's scope are (an admin's or an inspector's): a filter."""

    name, endpoint = "communes", "pickers.communes"

    def noun(self) -> str:
        return _("xã, phường")

    def placeholder(self) -> str:
        return _("Gõ tên xã, phường")

    def search(self, text: str, limit: int = LIMIT) -> list[Choice]:
        scope = accounts.ensure_read_scope(current_user)
        return [Choice(p.id, _place_label(p.name, p.province_name), "", p.exact)
                for p in organisation.localities_matching(scope, text, limit, with_units=True)]

    def allowed(self, place: Locality) -> bool:
        scope = accounts.ensure_read_scope(current_user)
        return place.parent_id is not None and db.session.scalar(sa.select(sa.exists().where(
            Unit.locality_id == place.id, Unit.path.startswith(scope.path, autoescape=True))))


def _place_label(name: str, province: str | None) -> str:
    return f"{name}, {province}" if province else name


class People(Kind):
    """People of the admin's subtree, by name or username (without diacritics)."""

    name, endpoint = "people", "pickers.people"

    def noun(self) -> str:
        return _("người")

    def placeholder(self) -> str:
        return _("Gõ họ tên hoặc tên đăng nhập")

    def query(self) -> sa.Select:
        return accounts.users_in_scope(current_user)

    def search(self, text: str, limit: int = LIMIT) -> list[Choice]:
        phrase = " ".join(fold(clean_name(text)).split()[:5])
        query = self.query().add_columns(Unit.name)
        for word in phrase.split():
            query = query.where(User.search_key.contains(word, autoescape=True))
        if phrase:  # the whole name or username first, so that an exact one is found among many similar
            exact = sa.or_(User.username == phrase, User.search_key == f"{phrase} " + User.username)
            query = query.order_by(None).order_by(sa.case((exact, 0), else_=1), User.sort_key, User.id)
        rows = db.session.execute(query.limit(limit)).all()
        return [Choice(user.id, self.label(user), unit_name,
                       bool(phrase) and phrase in (user.username, fold(user.full_name)))
                for user, unit_name in rows]

    def load(self, ident: int):
        return db.session.get(User, ident)

    def label(self, user: User) -> str:
        return f"{user.full_name} ({user.username})"

    def allowed(self, user: User) -> bool:
        return accounts.admin_scope(current_user).contains(user.unit)


class Lecturers(People):
    """Active lecturers, wherever they work (a class may invite one from another province's school)."""

    name, endpoint = "lecturers", "pickers.lecturers"

    def noun(self) -> str:
        return _("giảng viên")

    def query(self) -> sa.Select:
        accounts.admin_scope(current_user)  # admins only
        return (sa.select(User).join(Unit, User.unit_id == Unit.id)
                .where(User.active, User.id.in_(sa.select(RoleGrant.user_id).where(RoleGrant.role == Role.LECTURER)))
                .order_by(User.sort_key, User.id))

    def allowed(self, user: User) -> bool:
        return user.active and user.has_role(Role.LECTURER)


class Subjects(Kind):
    """What a class delivers: an active program or a module, by name or code (without diacritics)."""

    name, endpoint = "subjects", "pickers.subjects"

    def noun(self) -> str:
        return _("chương trình hoặc học phần")

    def placeholder(self) -> str:
        return _("Gõ tên hoặc mã chương trình, học phần")

    def search(self, text: str, limit: int = LIMIT) -> list[Choice]:
        accounts.admin_scope(current_user)  # admins only
        return [Choice(s.key, self._label(s.key[0], s.name or s.code, s.code), "", s.exact)
                for s in curriculum.subjects_matching(text, limit)]

    def key(self, row) -> str:
        return f"{'p' if isinstance(row, Program) else 'm'}{row.id}"

    def parse(self, value):
        text = str(value or "")
        return text if len(text) > 1 and text[0] in "pm" and int_or_none(text[1:]) else None

    def load(self, key: str):
        return db.session.get(Program if key[0] == "p" else Module, int(key[1:]))

    def label(self, row) -> str:
        if isinstance(row, Program):
            return self._label("p", row.name, row.code)
        return self._label("m", row.published.title if row.published else row.code, row.code)

    @staticmethod
    def _label(kind: str, name: str, code: str) -> str:
        return (_("Chương trình: %(name)s (%(code)s)", name=name, code=code) if kind == "p"
                else _("Học phần: %(name)s (%(code)s)", name=name, code=code))

    def allowed(self, row) -> bool:
        return row.active if isinstance(row, Program) else True


class Modules(Kind):
    """Any module, by code or title (without diacritics): a program's items, chosen by its authors."""

    name, endpoint = "modules", "pickers.modules"

    def noun(self) -> str:
        return _("học phần")

    def placeholder(self) -> str:
        return _("Gõ mã hoặc tên học phần")

    def search(self, text: str, limit: int = LIMIT) -> list[Choice]:
        return [Choice(int(s.key[1:]), _module_label(s.code, s.name), "", s.exact)
                for s in curriculum.subjects_matching(text, limit, programs=False)]

    def load(self, ident: int):
        return db.session.get(Module, ident)

    def label(self, module: Module) -> str:
        return _module_label(module.code, module.published.title if module.published else "")

    def allowed(self, module: Module) -> bool:
        return True


class Programs(Kind):
    """Every program, current or not, by name or code (without diacritics): the dashboard's filter."""

    name, endpoint = "programs", "pickers.programs"

    def noun(self) -> str:
        return _("chương trình")

    def placeholder(self) -> str:
        return _("Gõ tên hoặc mã chương trình")

    def search(self, text: str, limit: int = LIMIT) -> list[Choice]:
        accounts.ensure_read_scope(current_user)  # those who read the training figures
        return [Choice(int(s.key[1:]), f"{s.name} ({s.code})", "", s.exact)
                for s in curriculum.subjects_matching(text, limit, modules=False, active_only=False)]

    def load(self, ident: int):
        return db.session.get(Program, ident)

    def label(self, program: Program) -> str:
        return f"{program.name} ({program.code})"

    def allowed(self, program: Program) -> bool:
        return True


def _module_label(code: str, title: str) -> str:
    return f"{code} — {title}" if title else code


KINDS: dict[str, Kind] = {kind.name: kind for kind in (Units(), Localities(), Communes(), People(), Lecturers(),
                                                       Subjects(), Modules(), Programs())}
