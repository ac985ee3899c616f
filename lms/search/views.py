"""The search page (/search?q=) for every signed-in user."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.access import signed_in
from lms.documents.models import DocumentStatus
from lms.search import indexing, services
from lms.search.models import SearchKind

bp = Blueprint("search", __name__)
indexing.connect()

KIND_LABELS = {SearchKind.LESSON: _l("Bài học"), SearchKind.MODULE: _l("Học phần"), SearchKind.DOCUMENT: _l("Văn bản")}
STATUS_LABELS = {
    DocumentStatus.IN_FORCE: _l("Còn hiệu lực"),
    DocumentStatus.AMENDED: _l("Đã được sửa đổi, bổ sung"),
    DocumentStatus.SUPERSEDED: _l("Đã bị thay thế"),
    DocumentStatus.STOPPED: _l("Đã dừng thực hiện"),
}


def link_for(hit: services.Hit) -> str | None:
    """Where a hit leads: lesson and module pages; drafts lead to their module. None when no page exists."""
    if hit.kind is SearchKind.LESSON and not hit.draft:
        endpoint, values = "curriculum.lesson_page", {"lesson_id": hit.obj.id}
    elif hit.kind in (SearchKind.LESSON, SearchKind.MODULE):
        endpoint, values = "curriculum.module_page", {"module_id": hit.module_id}
    else:
        endpoint, values = "documents.document_page", {"document_id": hit.obj.id}
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


@bp.route("/search")
@signed_in
def results():
    page = request.args.get("page", 1, type=int) or 1
    found = services.search(current_user, request.args.get("q"), page=page)
    return render_template("search/results.html", found=found, link_for=link_for,
                           kind_labels=KIND_LABELS, status_labels=STATUS_LABELS)
