"""The search page (/search?q=) for every signed-in user."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user

from lms.access import signed_in
from lms.documents.forms import status_labels
from lms.search import services
from lms.search.models import SearchKind

bp = Blueprint("search", __name__)


def link_for(hit: services.Hit) -> str | None:
    """Where a hit leads: published lessons and modules to their pages, drafts to the authoring page,
    documents to their page in the registry (which every signed-in user may read). None when there is no page."""
    if hit.draft:
        endpoint, values = "authoring.edit", {"module_id": hit.module_id}
    elif hit.kind is SearchKind.LESSON:
        endpoint, values = "curriculum.lesson_page", {"lesson_id": hit.obj.id}
    elif hit.kind is SearchKind.MODULE:
        endpoint, values = "curriculum.module_page", {"module_id": hit.module_id}
    else:
        endpoint, values = "documents.show", {"document_id": hit.obj.id}
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


@bp.route("/search")
@signed_in
def results():
    page = request.args.get("page", 1, type=int) or 1
    found = services.search(current_user, request.args.get("q"), page=page)
    return render_template("search/results.html", found=found, link_for=link_for,
                           status_labels=status_labels())
