"""Lecturers' authoring pages: modules, drafts with preview, publishing, history and diffs, programs."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import roles_required
from lms.accounts.models import Role
from lms.curriculum import impact, queries, services
from lms.curriculum.diff import diff_revisions
from lms.curriculum.forms import (
    DraftForm,
    ModuleSettingsForm,
    NewModuleForm,
    ProgramForm,
    PublishForm,
    kind_labels,
    theory_labels,
)
from lms.curriculum.models import Module, ModuleRevision, Program
from lms.documents.models import Document
from lms.errors import Conflict, DomainError, InvalidInput
from lms.extensions import db
from lms.markup import render_markdown
from lms.organisation.models import Locality, Title
from lms.organisation.services import can_edit_titles
from lms.transaction import on_refusal

bp = Blueprint("authoring", __name__, url_prefix="/author")
AUTHORS = (Role.LECTURER, Role.ADMIN)


def _provinces():
    return db.session.scalars(sa.select(Locality).where(Locality.parent_id.is_(None), Locality.valid_to.is_(None))
                              .order_by(Locality.name)).all()


def _documents():
    return db.session.scalars(sa.select(Document).order_by(Document.issued_on.desc(), Document.code)).all()


# --- modules -------------------------------------------------------------------------------------


@bp.route("/modules")
@roles_required(*AUTHORS)
def modules():
    mine = request.args.get("mine") == "1"
    q = (request.args.get("q") or "").strip()[:200]
    status = request.args.get("status") if request.args.get("status") in queries.MODULE_STATUSES else ""
    page = db.paginate(queries.authoring_modules(author_id=current_user.id if mine else None, q=q, status=status),
                       per_page=50)
    ids = [m.id for m in page.items]
    return render_template("curriculum/author/modules.html", page=page, drafts=queries.drafts_of(ids),
                           flags=queries.open_flag_counts(ids), changed=queries.last_changes(ids),
                           kinds=kind_labels(), mine=mine, q=q, status=status)


@bp.app_context_processor
def _authoring_helpers():
    return {"lecturer_desk": lambda: queries.lecturer_desk(current_user.id)}


@bp.route("/modules/new", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def new_module():
    form = NewModuleForm(localities=_provinces())

    def page(_refused=None):
        return render_template("curriculum/author/new_module.html", form=form), 400 if form.errors else 200

    if form.validate_on_submit():
        on_refusal(page, field=form.locality_ids if form.kind.data == "local_topic" and not form.locality_ids.data
                   else form.code)
        module = services.create_module(current_user, code=form.code.data, kind=form.kind.data,
                                        title=form.title.data, summary_md=form.summary_md.data,
                                        locality_ids=form.locality_ids.data or ())
        flash(_("Đã tạo học phần %(code)s. Hãy soạn các bài học.", code=module.code), "success")
        return redirect(url_for("authoring.edit", module_id=module.id))
    return page()


@bp.route("/modules/<int:module_id>/settings", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def settings(module_id: int):
    module = db.get_or_404(Module, module_id)
    form = ModuleSettingsForm(localities=_provinces())
    if request.method == "GET":
        form.kind.data = str(module.kind)
        form.locality_ids.data = [loc.id for loc in module.localities]

    def page(_refused=None):
        return render_template("curriculum/author/settings.html", form=form, module=module)

    if form.validate_on_submit():
        on_refusal(page, field=form.kind)
        services.update_module(current_user, module, kind=form.kind.data, locality_ids=form.locality_ids.data or ())
        flash(_("Đã lưu thiết lập học phần."), "success")
        return redirect(url_for("authoring.edit", module_id=module.id))
    return page()


def _fill_from(form: DraftForm, revision: ModuleRevision | None, lock_version: int) -> None:
    form.lock_version.data = str(lock_version)
    if revision is None:
        return
    form.title.data, form.summary_md.data = revision.title, revision.summary_md
    form.document_ids.data = [d.id for d in revision.documents]
    for position, lesson in enumerate(revision.lessons, start=1):
        entry = form.lessons.append_entry()
        entry.form.key.data, entry.form.title.data = lesson.key, lesson.title
        entry.form.body_md.data, entry.form.minutes.data = lesson.body_md, lesson.minutes
        entry.form.position.data = position


def _edit_page(module, form, *, previews=None, conflict=None, status=200):
    draft = services.current_draft(module)
    flags = db.session.scalars(services.open_flags([module.id])).all()
    return render_template("curriculum/author/edit.html", module=module, form=form, draft=draft,
                           previews=previews, conflict=conflict, flags=flags, kinds=kind_labels(),
                           document_codes=form.document_codes), status


@bp.route("/modules/<int:module_id>/edit", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def edit(module_id: int):
    module = db.get_or_404(Module, module_id)
    form = DraftForm(documents=_documents())
    if request.method == "GET":
        draft = services.current_draft(module)
        _fill_from(form, draft or module.published, draft.lock_version if draft else 0)
        return _edit_page(module, form)
    if form.add_lesson.data:
        entry = form.lessons.append_entry()
        entry.form.position.data = len(form.lessons.entries)
        return _edit_page(module, form)
    if form.preview.data:
        previews = {"summary": render_markdown(form.summary_md.data),
                    "lessons": [render_markdown(e.form.body_md.data) for e in form.lessons]}
        return _edit_page(module, form, previews=previews)
    if not form.validate_on_submit():
        return _edit_page(module, form, status=400)
    on_refusal(lambda refused: _refused_draft(module, form, refused), quiet=True, catch=(Conflict, InvalidInput))
    services.save_module_draft(current_user, module, lock_version=int(form.lock_version.data or 0),
                               title=form.title.data, summary_md=form.summary_md.data,
                               lessons=form.lesson_rows(), document_ids=form.document_ids.data or ())
    flash(_("Đã lưu bản nháp."), "success")
    return redirect(url_for("authoring.edit", module_id=module.id))


def _refused_draft(module: Module, form: DraftForm, refused: DomainError):
    if isinstance(refused, Conflict):
        latest = services.current_draft(module)
        # Keep the author's text in the form; the next save is based on the version now shown beside it.
        form.lock_version.data = str(latest.lock_version if latest else 0)
        return _edit_page(module, form, conflict={"message": refused.message, "latest": latest}, status=409)
    form.title.errors = [*form.title.errors, *(getattr(refused, "problems", None) or [refused.message])]
    return _edit_page(module, form, status=400)


@bp.route("/preview", methods=["POST"])
@roles_required(*AUTHORS)
def preview():
    """The sanitised HTML of some Markdown, for the editor's live preview (nothing is saved)."""
    return jsonify(html=render_markdown(request.form.get("text", "")[:200_000]))


@bp.route("/modules/<int:module_id>/publish", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def publish(module_id: int):
    module = db.get_or_404(Module, module_id)
    draft = services.current_draft(module)
    if draft is None:
        flash(_("Học phần không có bản nháp nào để xuất bản."), "warning")
        return redirect(url_for("authoring.edit", module_id=module.id))
    form = PublishForm()
    if form.validate_on_submit():
        on_refusal(url_for("authoring.edit", module_id=module.id))
        revision = services.publish(current_user, draft, change_summary=form.change_summary.data,
                                    requires_restudy=form.requires_restudy.data)
        flash(_("Đã xuất bản phiên bản %(n)d của học phần %(code)s.", n=revision.number, code=module.code),
              "success")
        for flag in db.session.scalars(services.open_flags([module.id])):
            flash(" ".join([_("Yêu cầu rà soát theo %(new)s vẫn mở.", new=flag.new_document.code),
                            *impact.blockers(flag)]), "warning")
        return redirect(url_for("authoring.history", module_id=module.id))
    diff = diff_revisions(module.published, draft) if module.published else None
    return render_template("curriculum/author/publish.html", module=module, draft=draft, form=form,
                           diff=diff), 400 if form.errors else 200


@bp.route("/modules/<int:module_id>/history")
@roles_required(*AUTHORS)
def history(module_id: int):
    module = db.get_or_404(Module, module_id)
    revisions = sorted(module.revisions, key=lambda r: (r.number is None, r.number or 0), reverse=True)
    return render_template("curriculum/author/history.html", module=module, revisions=revisions)


@bp.route("/modules/<int:module_id>/diff")
@roles_required(*AUTHORS)
def diff(module_id: int):
    module = db.get_or_404(Module, module_id)
    by_id = {r.id: r for r in module.revisions}
    old, new = by_id.get(request.args.get("a", type=int)), by_id.get(request.args.get("b", type=int))
    if old is None or new is None:
        abort(404)
    if old.number is not None and new.number is not None and old.number > new.number:
        old, new = new, old
    return render_template("curriculum/author/diff.html", module=module, diff=diff_revisions(old, new),
                           revisions=sorted(by_id.values(), key=lambda r: (r.number is None, r.number or 0)))


# --- programs ------------------------------------------------------------------------------------


@bp.route("/programs")
@roles_required(*AUTHORS)
def programs():
    programs = db.session.scalars(sa.select(Program).order_by(Program.name)).all()
    return render_template("curriculum/author/programs.html", programs=programs, levels=theory_labels())


def _program_form(program: Program | None = None) -> ProgramForm:
    titles = db.session.scalars(sa.select(Title).order_by(Title.level, Title.name)).all()
    form = ProgramForm(titles=titles)
    if not can_edit_titles(current_user):  # shared reference data: shown, changed by national admins only
        form.title_ids.render_kw = {"disabled": True}
        form.title_ids.data = [t.id for t in program.titles] if program is not None else []
    if request.method == "GET" and program is not None:
        form.code.data, form.name.data, form.description.data = program.code, program.name, program.description
        form.title_ids.data = [t.id for t in program.titles]
        form.required_theory_level.data = program.required_theory_level
        form.hours.data, form.validity_months.data = program.hours, program.validity_months
        form.active.data, form.grade_scale.data = program.active, str(program.grade_scale)
        for position, item in enumerate(program.items, start=1):
            entry = form.new_item()
            entry.form.module_id.data, entry.form.required.data = item.module_id, item.required
            entry.form.due_days.data, entry.form.position.data = item.due_days, position
    return form


def _save_program(program: Program | None):
    form = _program_form(program)
    if request.method == "POST" and form.add_item.data:
        form.new_item().form.position.data = len(form.items.entries)
    elif form.validate_on_submit():
        modules = {m.id: m for m in db.session.scalars(sa.select(Module).where(
            Module.id.in_([row[0] for row in form.item_rows()])))}
        on_refusal(lambda refused: _program_page(form, program, getattr(refused, "problems", None)
                                                 or [refused.message]), quiet=True)
        program = services.save_program(
            current_user, program, code=form.code.data, name=form.name.data,
            description=form.description.data or "",
            title_ids=(form.title_ids.data or ()) if can_edit_titles(current_user) else None,
            items=[(modules[m], req, due) for m, req, due in form.item_rows() if m in modules],
            required_theory_level=form.required_theory_level.data, hours=form.hours.data,
            validity_months=form.validity_months.data, active=form.active.data,
            grade_scale=form.grade_scale.data)
        flash(_("Đã lưu chương trình %(code)s.", code=program.code), "success")
        return redirect(url_for("authoring.programs"))
    elif request.method == "GET" and program is None:
        form.new_item().form.position.data = 1
    return _program_page(form, program)


def _program_page(form: ProgramForm, program: Program | None, problems: list | None = None):
    if problems:
        form.code.errors = [*form.code.errors, *problems]
    status = 400 if request.method == "POST" and form.errors else 200
    return render_template("curriculum/author/program_form.html", form=form, program=program), status


@bp.route("/programs/new", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def new_program():
    return _save_program(None)


@bp.route("/programs/<int:program_id>/edit", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def edit_program(program_id: int):
    return _save_program(db.get_or_404(Program, program_id))
