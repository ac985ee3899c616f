"""The document registry: kept by lecturers and training admins; every signed-in user may read a document."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import roles_required, signed_in
from lms.accounts.models import Role
from lms.documents import services
from lms.documents.forms import (
    AddRelationForm,
    DocumentForm,
    incoming_relation_labels,
    kind_labels,
    relation_labels,
    status_labels,
)
from lms.documents.mentions import highlight
from lms.documents.models import Document
from lms.extensions import db
from lms.transaction import on_refusal

bp = Blueprint("documents", __name__, url_prefix="/documents")


@bp.route("/")
@roles_required(Role.LECTURER, Role.ADMIN)
def index():
    query = services.documents_select()
    q = (request.args.get("q") or "").strip()
    if q:
        query = query.where(sa.or_(Document.code_key.contains(services.fold_code(q)),
                                   Document.title.icontains(q, autoescape=True)))
    page = db.paginate(query, per_page=50)
    return render_template("documents/index.html", page=page, q=q, kinds=kind_labels(), statuses=status_labels())


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.LECTURER, Role.ADMIN)
def new():
    documents = db.session.scalars(services.documents_select()).all()
    form = DocumentForm(documents=documents)

    def page(_refused=None):
        return render_template("documents/new.html", form=form), 400 if form.errors else 200

    if form.validate_on_submit():
        by_id = {d.id: d for d in documents}
        on_refusal(page, field=form.code)
        document = services.register_document(
            current_user, code=form.code.data, kind=form.kind.data, number=form.number.data,
            issuer=form.issuer.data, issued_on=form.issued_on.data, title=form.title.data,
            term=form.term.data, summary=form.summary.data, source=form.source.data,
            relations=[(kind, by_id.get(target)) for kind, target in form.relation_rows()])
        flash(_("Đã đăng ký văn bản %(code)s.", code=document.code), "success")
        return redirect(url_for("documents.show", document_id=document.id))
    return page()


def _relation_form(document: Document) -> AddRelationForm:
    others = db.session.scalars(services.documents_select().where(Document.id != document.id)).all()
    return AddRelationForm(documents=others)


def _show(document: Document, form: AddRelationForm | None, status: int = 200):
    from lms.curriculum.forms import flag_state_labels
    from lms.curriculum.impact import impact_of
    from lms.curriculum.queries import citing_modules

    flags, programs, citing = impact_of(document) if form else ([], [], set())
    return render_template("documents/show.html", document=document, kinds=kind_labels(),
                           statuses=status_labels(), relations=relation_labels(),
                           incoming=incoming_relation_labels(), form=form,
                           citing=citing_modules(document) if form else None, impact_flags=flags,
                           impact_programs=programs, impact_citing=citing, highlight=highlight,
                           flag_states=flag_state_labels()), status


@bp.route("/<int:document_id>")
@signed_in
def show(document_id: int):
    """A document as everyone reads it; lecturers and admins also relate it and see the modules citing it."""
    document = db.first_or_404(services.document_with_relations(document_id))
    return _show(document, _relation_form(document) if services.is_author(current_user) else None)


@bp.route("/<int:document_id>/relations", methods=["POST"])
@roles_required(Role.LECTURER, Role.ADMIN)
def add_relation(document_id: int):
    document = db.first_or_404(services.document_with_relations(document_id))
    form = _relation_form(document)
    if not form.validate_on_submit():
        return _show(document, form, 400)
    on_refusal(lambda _refused: _show(document, form, 400), field=form.target_id)
    flags = services.add_relations(current_user, document,
                                   [(form.kind.data, db.session.get(Document, form.target_id.data))])
    flash(_("Đã thêm quan hệ; %(n)d học phần được đánh dấu để rà soát.", n=len(flags)), "success")
    return redirect(url_for("documents.show", document_id=document.id))
