"""The ranking query over search_terms: one indexed GROUP BY, integer scores, a total order.

Every query token must match (the last one may match as a prefix), unless the whole query, folded as a
document code, equals a document's code key. Order: exact code match, then how many query tokens
matched with their diacritics as typed, then the weighted score, then a stable tie-break.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from lms.search.models import SearchTerm
from lms.search.text import MAX_TOKEN, TOKEN, fold, fold_code, nfc

MAX_QUERY = 200
MAX_TOKENS = 8
MIN_PREFIX = 2

terms = SearchTerm.__table__


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # NFC, trimmed
    terms: tuple[str, ...]  # folded, distinct, in typed order
    exacts: tuple[str, ...]  # as typed, lowercased, NFC
    prefix: str | None  # the last term, also matched as a prefix
    code_key: str | None  # the whole query folded as a document code, when it looks like one

    @property
    def empty(self) -> bool:
        return not self.terms

    @property
    def term_set(self) -> frozenset[str]:
        return frozenset(self.terms) | ({self.code_key} if self.code_key else set())


def parse(q: str | None) -> ParsedQuery:
    text = " ".join(nfc(q or "").split())[:MAX_QUERY]
    folded = fold(text)
    seen, found, exacts = set(), [], []
    for m in TOKEN.finditer(folded):
        term = m.group()[:MAX_TOKEN]  # as the index stores it
        if term not in seen:
            seen.add(term)
            found.append(term)
            exacts.append(text[m.start():m.end()].lower()[:MAX_TOKEN])
    found, exacts = found[:MAX_TOKENS], exacts[:MAX_TOKENS]
    prefix = found[-1] if found and len(found[-1]) >= MIN_PREFIX else None
    key = fold_code(text)
    code_key = key if len(found) > 1 and any(c.isdigit() for c in key) else None
    return ParsedQuery(text, tuple(found), tuple(exacts), prefix, code_key)


def _upper_bound(prefix: str) -> str | None:
    """A string above every term starting with `prefix`, made of letters and digits only so that it sorts
    the same way under any collation (punctuation is ignored by some); None when there is no such bound."""
    last = prefix[-1]
    if "0" <= last < "9" or "a" <= last < "z":
        return prefix[:-1] + chr(ord(last) + 1)
    if last == "9":
        return prefix[:-1] + "a"
    return None


def _prefix_match(prefix: str):
    # The range lets both databases use the term index; LIKE keeps the meaning exact (tokens hold no % or _).
    upper = _upper_bound(prefix)
    return sa.and_(terms.c.term >= prefix, terms.c.term.like(prefix + "%"),
                   terms.c.term < upper if upper else sa.true())


def ranked(query: ParsedQuery, *, include_drafts: bool) -> sa.Select:
    """(kind, object_id, draft, code_hit, exact_hits, score) for every object matching `query`, best first."""
    t = terms.c
    hits, exact_hits, scores, where = [], [], [], []
    for i, (term, exact) in enumerate(zip(query.terms, query.exacts, strict=True)):
        is_last = i == len(query.terms) - 1
        whens = [(t.term == term, t.weight * 2)]
        matches = t.term == term
        if is_last and query.prefix:
            prefixed = _prefix_match(query.prefix)
            whens.append((prefixed, t.weight))
            matches = sa.or_(matches, prefixed)
        where.append(matches)
        hits.append(sa.func.max(sa.case((matches, 1), else_=0)))
        exact_hits.append(sa.func.max(sa.case((t.exact == exact, 1), else_=0)))
        scores.append(sa.func.max(sa.case(*whens, else_=0)))
    all_hit = sum(hits[1:], hits[0]) == len(hits)
    code_hit = sa.literal_column("0")
    if query.code_key:
        where.append(t.term == query.code_key)
        code_hit = sa.func.max(sa.case((t.term == query.code_key, 1), else_=0))
        all_hit = sa.or_(all_hit, code_hit == 1)
    exact_total = sum(exact_hits[1:], exact_hits[0]).label("exact_hits")
    score = sum(scores[1:], scores[0]).label("score")
    code_hit = code_hit.label("code_hit")
    stmt = (
        sa.select(t.kind, t.object_id, t.draft, code_hit, exact_total, score)
        .where(sa.or_(*where))
        .group_by(t.kind, t.object_id, t.draft)
        .having(all_hit)
        .order_by(code_hit.desc(), exact_total.desc(), score.desc(), t.draft, t.kind, t.object_id)
    )
    if not include_drafts:
        stmt = stmt.where(t.draft.is_(False))
    return stmt


def count(stmt: sa.Select) -> sa.Select:
    return sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
