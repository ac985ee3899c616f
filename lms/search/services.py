"""Search as a user sees it: what they may see, one page of ranked hits, each with a marked snippet."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from lms.accounts.models import Role
from lms.curriculum.models import Lesson, ModuleRevision
from lms.documents.models import Document
from lms.extensions import db
from lms.search import queries
from lms.search.indexing import plain_text
from lms.search.models import SearchKind
from lms.search.text import highlight, snippet

PER_PAGE = 20
MAX_PAGE = 500


@dataclass
class Hit:
    kind: SearchKind
    draft: bool
    title: Markup
    snippet: Markup
    obj: object  # the Lesson, ModuleRevision or Document
    module_id: int | None = None
    exact: bool = False


@dataclass
class SearchPage:
    query: queries.ParsedQuery
    page: int
    per_page: int
    total: int = 0
    hits: list[Hit] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def may_see_drafts(user) -> bool:
    """Lecturers and admins also find drafts; trainees only the published revision of each module."""
    return user.has_role(Role.LECTURER, Role.ADMIN)


def search(user, q: str | None, *, page: int = 1, per_page: int = PER_PAGE) -> SearchPage:
    """One page of what `user` may see matching `q`, best first. A fixed number of queries per page."""
    parsed = queries.parse(q)
    page = min(max(1, page), MAX_PAGE)
    result = SearchPage(parsed, page, per_page)
    if parsed.empty:
        return result
    stmt = queries.ranked(parsed, include_drafts=may_see_drafts(user))
    # The total rides along as a window over the groups; counted apart only for a page past the end,
    # which then shows the last page.
    paged = stmt.add_columns(sa.func.count().over().label("total"))
    rows = db.session.execute(paged.limit(per_page).offset((page - 1) * per_page)).all()
    if not rows and page > 1:
        total = db.session.scalar(queries.count(stmt))
        if total:
            result.page = -(-total // per_page)
            rows = db.session.execute(paged.limit(per_page).offset((result.page - 1) * per_page)).all()
    result.total = rows[0].total if rows else 0
    ids = {kind: [r.object_id for r in rows if r.kind == kind] for kind in SearchKind}
    loaded = _load(ids)
    for row in rows:
        obj = loaded[row.kind].get(row.object_id)
        if obj is not None:  # the index may briefly name something just deleted
            hit = _hit(SearchKind(row.kind), obj, parsed)
            hit.draft, hit.exact = row.draft, row.exact_hits > 0
            result.hits.append(hit)
    return result


def _load(ids: dict[SearchKind, list[int]]) -> dict[str, dict[int, object]]:
    loaded: dict[str, dict[int, object]] = {kind.value: {} for kind in SearchKind}
    if ids[SearchKind.LESSON]:
        stmt = (sa.select(Lesson).where(Lesson.id.in_(ids[SearchKind.LESSON]))
                .options(joinedload(Lesson.revision).joinedload(ModuleRevision.module)))
        loaded["lesson"] = {o.id: o for o in db.session.scalars(stmt)}
    if ids[SearchKind.MODULE]:
        stmt = (sa.select(ModuleRevision).where(ModuleRevision.id.in_(ids[SearchKind.MODULE]))
                .options(joinedload(ModuleRevision.module)))
        loaded["module"] = {o.id: o for o in db.session.scalars(stmt)}
    if ids[SearchKind.DOCUMENT]:
        stmt = sa.select(Document).where(Document.id.in_(ids[SearchKind.DOCUMENT]))
        loaded["document"] = {o.id: o for o in db.session.scalars(stmt)}
    return loaded


def _hit(kind: SearchKind, obj, q: queries.ParsedQuery) -> Hit:
    terms, prefix, sequence = q.term_set, q.prefix, q.sequence

    def cut(text: str) -> Markup:
        return snippet(text, terms, prefix, sequence=sequence)

    if kind is SearchKind.LESSON:
        return Hit(kind, False, highlight(obj.title, terms, prefix), cut(plain_text(obj.body_html, obj.body_md)),
                   obj, module_id=obj.revision.module_id)
    if kind is SearchKind.MODULE:
        return Hit(kind, False, highlight(obj.title, terms, prefix),
                   cut(plain_text(obj.summary_html, obj.summary_md)), obj, module_id=obj.module_id)
    title = highlight(f"{obj.code} — {obj.title}", terms, prefix)
    return Hit(kind, False, title, cut(obj.summary or ""), obj)
