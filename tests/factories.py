"""Small factories. Inside an app context they add to that session and flush; outside one they open their
own context, commit, and return detached objects whose columns are loaded.
"""
from __future__ import annotations

import itertools
from contextlib import contextmanager
from datetime import date

import sqlalchemy as sa
from flask import has_app_context

from lms.accounts import services as accounts
from lms.accounts.models import AssignmentKind, Role, User
from lms.extensions import db
from lms.organisation import services as organisation
from lms.organisation.models import Locality, LocalityKind, Title, TitleLevel, Unit

PASSWORD = "secret-pass-1"
_seq = itertools.count(1)


class Factories:
    def __init__(self, app):
        self.app = app

    @contextmanager
    def _session(self):
        if has_app_context():
            yield db.session
            db.session.flush()
            return
        with self.app.app_context():
            yield db.session
            db.session.commit()
            for obj in list(db.session.identity_map.values()):
                db.session.refresh(obj)
            db.session.expunge_all()

    def locality(self, name: str | None = None, *, parent: Locality | None = None,
                 kind: LocalityKind | None = None, code: str | None = None) -> Locality:
        n = next(_seq)
        with self._session() as s:
            loc = Locality(
                code=code or f"T{n:05d}",
                name=name or f"Địa phương {n}",
                kind=kind or (LocalityKind.COMMUNE if parent else LocalityKind.PROVINCE),
                parent_id=parent.id if parent else None,
            )
            s.add(loc)
        return loc

    def unit(self, name: str | None = None, *, parent: Unit | None = None,
             locality: Locality | None = None) -> Unit:
        n = next(_seq)
        with self._session() as s:
            parent_obj = s.get(Unit, parent.id) if parent else None
            locality_obj = s.get(Locality, locality.id) if locality else None
            unit = organisation.create_unit(None, name=name or f"Đơn vị {n}", parent=parent_obj,
                                            locality=locality_obj)
        return unit

    def title(self, name: str | None = None, *, code: str | None = None,
              level: TitleLevel = TitleLevel.COMMUNE, is_key: bool = False) -> Title:
        n = next(_seq)
        with self._session():
            title = organisation.save_title(None, None, code=code or f"T-{n}", name=name or f"Chức danh {n}",
                                            level=level, is_key=is_key)
        return title

    def user(self, username: str | None = None, *, roles=(Role.TRAINEE,), unit: Unit | None = None,
             scope: Unit | None = None, full_name: str | None = None, password: str = PASSWORD,
             held=(), planned=(), theory_level: int = 0, since: date = date(2025, 7, 1)) -> User:
        n = next(_seq)
        if unit is None:
            unit = self.unit()
        with self._session() as s:
            unit_obj = s.get(Unit, unit.id)
            user = accounts.create_user(
                None, username=username or f"user{n}", full_name=full_name or f"Người dùng {n}",
                unit=unit_obj, password=password, roles={Role(r) for r in roles},
                admin_scope_unit=s.get(Unit, scope.id) if scope else None, theory_level=theory_level,
            )
            for title in held:
                accounts.assign_title(None, user, s.get(Title, title.id), AssignmentKind.HELD, since)
            for title in planned:
                accounts.assign_title(None, user, s.get(Title, title.id), AssignmentKind.PLANNED, since)
        return user

    def admin(self, username: str | None = None, *, scope: Unit | None = None, **kwargs) -> User:
        scope = scope or kwargs.pop("unit", None) or self.unit()
        return self.user(username, roles=(Role.ADMIN,), unit=kwargs.pop("unit", scope), scope=scope, **kwargs)

    def lecturer(self, username: str | None = None, **kwargs) -> User:
        return self.user(username, roles=(Role.LECTURER,), **kwargs)

    def count(self, model) -> int:
        with self._session() as s:
            return s.scalar(sa.select(sa.func.count()).select_from(model))

    # --- dashboards -------------------------------------------------------------------------------

    def program_record(self, name: str | None = None, *, code: str | None = None, titles=()):
        """A bare program (no modules) for completion figures."""
        from lms.curriculum.models import Program, program_titles

        n = next(_seq)
        with self._session() as s:
            program = Program(code=code or f"P-{n}", name=name or f"Chương trình {n}")
            s.add(program)
            s.flush()
            for title in titles:
                s.execute(program_titles.insert().values(program_id=program.id, title_id=title.id))
        return program

    def program_status(self, user: User, program, state: str = "not_started", *, started_on: date | None = None,
                       due_on: date | None = None, completed_at=None, done: int = 0, required: int = 4):
        """A trainee's status on a program, as the learning records would maintain it."""
        from lms.learning.models import ProgramState, ProgramStatus

        with self._session() as s:
            status = ProgramStatus(
                user_id=user.id, program_id=program.id, state=ProgramState(state), required_total=required,
                required_done=required if state == "completed" else done,
                started_on=started_on or date.today().replace(month=1, day=15), due_on=due_on,
                completed_at=completed_at,
            )
            s.add(status)
        return status
