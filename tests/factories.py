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
from lms.curriculum.models import Lesson, Module, ModuleKind, ModuleRevision, Program, ProgramModule, program_titles
from lms.db import utcnow
from lms.extensions import db
from lms.formats import local_today
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
             locality: Locality | None = None, code: str | None = None) -> Unit:
        n = next(_seq)
        with self._session() as s:
            parent_obj = s.get(Unit, parent.id) if parent else None
            locality_obj = s.get(Locality, locality.id) if locality else None
            unit = organisation.create_unit(None, name=name or f"Đơn vị {n}", parent=parent_obj,
                                            locality=locality_obj, code=code)
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

    # --- curriculum and documents ------------------------------------------------------------------

    def document(self, code: str | None = None, *, kind: str = "resolution", number: str | None = None,
                 issuer: str = "Bộ Chính trị", issued_on: date = date(2023, 1, 1), title: str | None = None,
                 relations=()):
        from lms.documents import services as documents
        from lms.documents.models import Document

        n = next(_seq)
        with self._session() as s:
            rels = [(kind_, s.get(Document, target.id)) for kind_, target in relations]
            document = documents.register_document(
                None, code=code or f"{n}-NQ/TW", kind=kind, number=number or str(n), issuer=issuer,
                issued_on=issued_on, title=title or f"Nghị quyết số {n}", relations=rels)
        return document

    def module(self, code: str | None = None, *, title: str | None = None, kind: str = "self_study",
               lessons=None, documents=(), localities=(), publish: bool = True, summary_md: str = ""):
        """A module with one published revision (or only a draft when publish=False)."""
        from lms.curriculum import services as curriculum

        n = next(_seq)
        lessons = lessons if lessons is not None else [
            {"title": f"Bài {n}.1", "body_md": "Nội dung **bài một**.", "minutes": 30},
            {"title": f"Bài {n}.2", "body_md": "Nội dung bài hai.", "minutes": 20},
        ]
        with self._session():
            module = curriculum.create_module(None, code=code or f"HP-{n}", kind=kind,
                                              title=title or f"Học phần {n}", summary_md=summary_md,
                                              locality_ids=[loc.id for loc in localities])
            draft = curriculum.get_or_create_draft(None, module)
            curriculum.save_draft(None, draft, lock_version=draft.lock_version, title=draft.title,
                                  summary_md=summary_md, lessons=lessons,
                                  document_ids=[d.id for d in documents])
            if publish:
                curriculum.publish(None, draft, change_summary="Bản đầu tiên")
        return module

    def program(self, code: str | None = None, *, name: str | None = None, titles=(), modules=(),
                required_theory_level: int = 0, grade_scale: str | None = None):
        """A program; `modules` are Module objects or (module, required, due_days) tuples."""
        from lms.curriculum import services as curriculum
        from lms.curriculum.models import Module

        n = next(_seq)
        with self._session() as s:
            items = []
            for entry in modules:
                module, required, due = entry if isinstance(entry, tuple) else (entry, True, None)
                items.append((s.get(Module, module.id), required, due))
            program = curriculum.save_program(None, None, code=code or f"CT-{n}", name=name or f"Chương trình {n}",
                                              title_ids=[t.id for t in titles], items=items,
                                              required_theory_level=required_theory_level,
                                              grade_scale=grade_scale)
        return program

    # --- search: curriculum and documents made directly, announced as the services do ----------------

    def indexed_document(self, code: str = "32-NQ/TW", *, title: str | None = None, kind=None,
                         issuer: str = "Bộ Chính trị", issued_on: date = date(2014, 5, 26),
                         summary: str | None = None, status=None):
        """A registered document; sends signals.document_registered like the registry service."""
        from lms import signals
        from lms.documents.models import Document, DocumentKind, DocumentStatus
        from lms.search.text import fold_code

        n = next(_seq)
        with self._session() as s:
            doc = Document(code=code, code_key=fold_code(code), kind=kind or DocumentKind.RESOLUTION,
                           number=code.split("-")[0].split("/")[0], issuer=issuer, issued_on=issued_on,
                           title=title or f"Văn bản {n}", summary=summary,
                           status=status or DocumentStatus.IN_FORCE)
            s.add(doc)
            s.flush()
            signals.document_registered.send(document=doc, actor=None)
        return doc

    def indexed_module(self, title: str | None = None, *, code: str | None = None, summary: str = "",
                       lessons=(), published: bool = True):
        """A module whose first revision holds `lessons` [(title, body_md)]; published (with the signal)
        unless `published=False`, in which case that revision stays a draft."""
        from lms import signals
        from lms.curriculum.models import Module, ModuleKind

        n = next(_seq)
        with self._session() as s:
            module = Module(code=code or f"HP-{n}", kind=ModuleKind.SELF_STUDY)
            s.add(module)
            revision = self._revision(module, None, title or f"Học phần {n}", summary, lessons)
            s.flush()
            if published:
                revision.number = 1
                revision.published_at = revision.created_at
                module.published = revision
                s.flush()
                signals.revision_published.send(module=module, revision=revision, actor=None)
        return module

    def indexed_revision(self, module, *, title: str, lessons=(), summary: str = "", publish: bool = True):
        """A new revision of `module`: published (with the signal) or left as the module's draft."""
        from lms import signals
        from lms.curriculum.models import Module, ModuleRevision

        with self._session() as s:
            module = s.get(Module, module.id)
            revision = self._revision(module, None, title, summary, lessons)
            s.flush()
            if publish:
                last = s.scalar(sa.select(sa.func.max(ModuleRevision.number))
                                .where(ModuleRevision.module_id == module.id))
                revision.number = (last or 0) + 1
                module.published = revision
                s.flush()
                signals.revision_published.send(module=module, revision=revision, actor=None)
        return revision

    @staticmethod
    def _revision(module, number, title, summary, lessons):
        from lms.curriculum.models import Lesson, ModuleRevision
        from lms.markup import render_markdown

        revision = ModuleRevision(module=module, number=number, title=title, summary_md=summary,
                                  summary_html=render_markdown(summary))
        for i, (lesson_title, body) in enumerate(lessons):
            revision.lessons.append(Lesson(key=f"bai-{i + 1}", position=i, title=lesson_title, body_md=body,
                                           body_html=render_markdown(body)))
        db.session.add(revision)
        return revision
    # --- learning: modules, revisions and programs built directly, with lessons keyed l1, l2, ... ---

    def learning_module(self, code: str | None = None, *, title: str | None = None, lessons=("Bài 1", "Bài 2"),
               kind=None) -> Module:
        """A module with one published revision whose lessons are keyed l1, l2, ..."""
        n = next(_seq)
        with self._session() as s:
            module = Module(code=code or f"HP-{n}", kind=kind or ModuleKind.SELF_STUDY)
            s.add(module)
            s.flush()
            revision = ModuleRevision(module_id=module.id, number=1, title=title or f"Học phần {n}",
                                      published_at=utcnow())
            revision.lessons = [
                Lesson(key=f"l{i}", position=i, title=t, body_md=f"Nội dung {t}.", body_html=f"<p>Nội dung {t}.</p>",
                       minutes=10)
                for i, t in enumerate(lessons, start=1)
            ]
            s.add(revision)
            s.flush()
            module.published_revision_id = revision.id
        return module

    def publish_revision(self, module: Module, *, lessons=None, requires_restudy: bool = False,
                         change_summary: str = "Cập nhật nội dung") -> ModuleRevision:
        """Publish the next revision of a module (lessons: list of (key, title, body_md)) and send the signal."""
        from lms import signals

        with self._session() as s:
            module_obj = s.get(Module, module.id)
            old = module_obj.published
            revision = ModuleRevision(module_id=module_obj.id, number=old.number + 1, title=old.title,
                                      change_summary=change_summary, requires_restudy=requires_restudy,
                                      published_at=utcnow())
            source = lessons or [(lesson.key, lesson.title, lesson.body_md) for lesson in old.lessons]
            revision.lessons = [Lesson(key=k, position=i, title=t, body_md=b, body_html=f"<p>{b}</p>")
                                for i, (k, t, b) in enumerate(source, start=1)]
            s.add(revision)
            s.flush()
            module_obj.published_revision_id = revision.id
            s.flush()
            s.refresh(module_obj)
            signals.revision_published.send(module=module_obj, revision=revision, actor=None)
        return revision

    def learning_program(self, name: str | None = None, *, titles=(), modules=(), validity_months: int | None = None,
                due_days: int | None = 30, hours: int | None = 40) -> Program:
        """A program for `titles`; `modules` are required, each due `due_days` after the trainee starts."""
        n = next(_seq)
        with self._session() as s:
            program = Program(code=f"CT-{n}", name=name or f"Chương trình {n}", validity_months=validity_months,
                              hours=hours)
            program.items = [ProgramModule(module_id=m.id, position=i, required=True, due_days=due_days)
                             for i, m in enumerate(modules)]
            s.add(program)
            s.flush()
            if titles:
                s.execute(sa.insert(program_titles), [{"program_id": program.id, "title_id": t.id} for t in titles])
        return program

    def quiz(self, module: Module, *, title: str = "Kiểm tra cuối học phần", opens_at=None, closes_at=None,
             time_limit_minutes: int | None = None):
        """A module's quiz of one single-choice question ("Đúng" is right), its window in UTC."""
        from lms.learning.models import QuestionKind, Quiz, QuizChoice, QuizQuestion

        with self._session() as s:
            quiz = Quiz(module_id=module.id, title=title, pass_percent=50, opens_at=opens_at, closes_at=closes_at,
                        time_limit_minutes=time_limit_minutes)
            quiz.questions = [QuizQuestion(position=1, kind=QuestionKind.SINGLE, text="Câu hỏi", choices=[
                QuizChoice(position=0, text="Đúng", weight=1.0), QuizChoice(position=1, text="Sai", weight=0.0)])]
            s.add(quiz)
        return quiz

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
        """A trainee's status on a program, as the learning records would maintain it (set on the row the
        learning receivers may already have made when a targeted title was assigned)."""
        from lms.learning.models import ProgramState, ProgramStatus

        with self._session() as s:
            status = s.scalar(sa.select(ProgramStatus).where(ProgramStatus.user_id == user.id,
                                                             ProgramStatus.program_id == program.id))
            if status is None:
                status = ProgramStatus(user_id=user.id, program_id=program.id)
                s.add(status)
            status.state, status.required_total = ProgramState(state), required
            status.required_done = required if state == "completed" else done
            status.started_on = started_on or local_today().replace(month=1, day=15)
            status.due_on, status.completed_at = due_on, completed_at
        return status

    def certificate_issuer(self, unit: Unit, **fields):
        """The school issuing the certificates of the unit's subtree (a provincial school by default)."""
        from lms.learning.certificates import set_certificate_issuer

        data = {"heading": "party", "superior_body": "TỈNH ỦY QUẢNG TRỊ", "name": "TRƯỜNG CHÍNH TRỊ LÊ DUẨN",
                "place": "Quảng Trị", "number_suffix": "GCN", "signer_title": "HIỆU TRƯỞNG",
                "signer_name": "Nguyễn Văn Hùng", **fields}
        with self._session() as s:
            issuer = set_certificate_issuer(None, s.get(Unit, unit.id), data)
        return issuer

    def certificate(self, user: User, program):
        """A certificate issued now for the program, as completing it would issue it."""
        from types import SimpleNamespace

        from lms.learning.certificates import issue_certificate

        with self._session() as s:
            certificate = issue_certificate(s.get(User, user.id), s.get(Program, program.id),
                                            SimpleNamespace(cycle=1, valid_until=None))
        return certificate

    # --- delivery ----------------------------------------------------------------------------------

    def training_class(self, *, program=None, module=None, unit: Unit | None = None, mode=None,
                       capacity: int = 30, lecturers=(), code: str | None = None, starts_on: date | None = None):
        from lms.curriculum.models import Module, Program
        from lms.delivery.models import DeliveryMode, TrainingClass

        n = next(_seq)
        if program is None and module is None:
            module = self.module()
        unit = unit or self.unit()
        with self._session() as s:
            start = starts_on or date(2026, 9, 1)
            klass = TrainingClass(
                code=code or f"L-{n}", name=f"Lớp {n}", program=s.get(Program, program.id) if program else None,
                module=s.get(Module, module.id) if module else None, mode=mode or DeliveryMode.CONCENTRATED,
                starts_on=start, ends_on=date(start.year, 12, 15), place="Hội trường A", capacity=capacity,
                unit=s.get(Unit, unit.id),
            )
            klass.lecturers = [s.get(User, u.id) for u in lecturers]
            s.add(klass)
        return klass

    def nomination(self, klass, trainee: User, state=None):
        from lms.delivery.models import Nomination, NominationState, TrainingClass

        with self._session() as s:
            nomination = Nomination(training_class=s.get(TrainingClass, klass.id), trainee=s.get(User, trainee.id),
                                    state=state or NominationState.ENROLLED)
            s.add(nomination)
        return nomination

    def trip(self, klass, *, module=None, deadline=None, criteria=None, pass_mark: int = 50):
        from datetime import datetime

        from lms.curriculum.models import Module
        from lms.delivery.models import FieldTrip, RubricCriterion, TrainingClass

        with self._session() as s:
            k = s.get(TrainingClass, klass.id)
            module_id = module.id if module else (k.module_id or k.program.items[0].module_id)
            trip = FieldTrip(
                training_class=k, module=s.get(Module, module_id), topic="Xây dựng nông thôn mới",
                site="Xã Dân Hóa", starts_on=date(2026, 10, 1), ends_on=date(2026, 10, 3),
                instructions_md="Viết bài thu hoạch.", instructions_html="<p>Viết bài thu hoạch.</p>",
                deadline=deadline or datetime(2099, 1, 1), pass_mark=pass_mark,
            )
            trip.criteria = [
                RubricCriterion(position=i, name=name, weight=weight, levels=levels)
                for i, (name, weight, levels) in enumerate(criteria or [
                    ("Nội dung", 2, ["Chưa đạt", "Đạt", "Tốt"]),
                    ("Liên hệ thực tiễn", 1, ["Chưa đạt", "Đạt", "Tốt"]),
                ])
            ]
            s.add(trip)
        return trip

    def class_session(self, klass, *, held_on: date | None = None, starts_at=None, ends_at=None, topic: str = "",
                      lecturer=None, room: str = "P.201"):
        from datetime import time

        from lms.delivery.models import TrainingClass
        from lms.delivery.timetable_models import ClassSession

        with self._session() as s:
            session = ClassSession(
                training_class=s.get(TrainingClass, klass.id), held_on=held_on or date(2026, 9, 7),
                starts_at=starts_at or time(7, 30), ends_at=ends_at or time(11, 0),
                topic=topic or f"Chuyên đề {next(_seq)}", lecturer=s.get(User, lecturer.id) if lecturer else None,
                room=room)
            s.add(session)
        return session

    def submission(self, trip, trainee, *, status=None, score: float | None = None, body_md: str = "Bài thu hoạch."):
        """A report handed in for a field trip (graded when a score is given)."""
        from lms.delivery.models import Submission, SubmissionStatus

        with self._session() as s:
            submission = Submission(
                trip_id=trip.id, trainee_id=trainee.id, body_md=body_md, score=score,
                status=status or (SubmissionStatus.GRADED if score is not None else SubmissionStatus.SUBMITTED),
                passed=None if score is None else score >= 50)
            s.add(submission)
        return submission
