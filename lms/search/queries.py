"""The ranking query over search_terms: one indexed GROUP BY, integer scores, a total order.

Every query token must match (the last one may match as a prefix), unless the query, folded as a document
code, equals one of a document's code keys. Order: exact code match; then how many neighbouring query
words stand next to each other in this order in the text (phrase pairs), and where (a phrase in a title
weighs more than one in a body); then how many neighbouring query words stand near each other; then how
many query tokens matched with their diacritics as typed; then the weighted score of the single words;
then a stable tie-break.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from lms.search.models import SearchKind, SearchTerm
from lms.search.text import MAX_TOKEN, TOKEN, fold, fold_code, near_pair, nfc, phrase_pair

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
    sequence: tuple[str, ...] = ()  # the folded words in typed order, repeats kept
    phrases: tuple[tuple[str, str], ...] = ()  # (term, exact) of each pair of neighbouring query words
    nears: tuple[tuple[str, str], ...] = ()  # for each pair of neighbouring query words, the terms of "near"

    @property
    def empty(self) -> bool:
        return not self.terms

    @property
    def term_set(self) -> frozenset[str]:
        """The words to mark in titles and snippets: the query's words, and the letters and digits of a
        code typed without a separator ("nq32" marks NQ and 32)."""
        parts = {p for term in self.terms if not term.isdigit() and not term.isalpha()
                 for p in _letters_and_digits(term)}
        return frozenset(self.terms) | parts | ({self.code_key} if self.code_key else set())


def _letters_and_digits(term: str) -> list[str]:
    out, run = [], ""
    for ch in term:
        if run and ch.isdigit() != run[-1].isdigit():
            out.append(run)
            run = ""
        run += ch
    return [*out, run] if run else out


def parse(q: str | None) -> ParsedQuery:
    text = " ".join(nfc(q or "").split())[:MAX_QUERY]
    folded = fold(text)
    seen, found, exacts, sequence, typed = set(), [], [], [], []
    for m in TOKEN.finditer(folded):
        term = m.group()[:MAX_TOKEN]  # as the index stores it
        exact = text[m.start():m.end()].lower()[:MAX_TOKEN]
        if term not in seen:
            if len(found) == MAX_TOKENS:
                break
            seen.add(term)
            found.append(term)
            exacts.append(exact)
        sequence.append(term)
        typed.append(exact)
    prefix = found[-1] if found and len(found[-1]) >= MIN_PREFIX else None
    key = fold_code(text)
    looks_like_code = len(found) > 1 or (found and not found[0].isdigit() and not found[0].isalpha())
    code_key = key if looks_like_code and any(c.isdigit() for c in key) else None
    neighbours = [(i, i + 1) for i in range(len(sequence) - 1) if sequence[i] != sequence[i + 1]]
    phrases = tuple(dict.fromkeys((phrase_pair(sequence[i], sequence[j]), phrase_pair(typed[i], typed[j]))
                                  for i, j in neighbours))
    # Near: two words apart or three (indexed as near pairs), or next to each other in the other order.
    nears = tuple(dict.fromkeys((near_pair(sequence[i], sequence[j]), phrase_pair(sequence[j], sequence[i]))
                                for i, j in neighbours))
    return ParsedQuery(text, tuple(found), tuple(exacts), prefix, code_key, tuple(sequence), phrases, nears)


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


def _total(parts: list, label: str):
    return sum(parts[1:], parts[0]).label(label)


def ranked(query: ParsedQuery, *, include_drafts: bool) -> sa.Select:
    """(kind, object_id, draft, code_hit, phrase_hits, phrase_score, near_hits, exact_hits, score) for every
    object matching `query`, best first."""
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
    phrase_terms = [term for term, _exact in query.phrases]
    if phrase_terms:
        is_phrase = t.term.in_(phrase_terms)
        where.append(is_phrase)
        # Each pair of neighbouring query words found as a phrase counts once; its weight says where (title,
        # body...), doubled when written with the diacritics as typed.
        phrase_total = sa.func.count(sa.distinct(sa.case((is_phrase, t.term))))
        phrase_score = sa.func.sum(sa.case(
            (sa.and_(is_phrase, t.exact.in_([exact for _term, exact in query.phrases])), t.weight * 2),
            (is_phrase, t.weight), else_=0))
    else:
        phrase_total, phrase_score = sa.literal_column("0"), sa.literal_column("0")
    if query.nears:
        near_terms = [term for pair in query.nears for term in pair]
        where.append(t.term.in_(near_terms))
        # How many pairs of neighbouring query words stand near each other (either term of a pair counts once).
        near_total = sa.func.count(sa.distinct(sa.case(
            *[(t.term.in_(pair), i) for i, pair in enumerate(query.nears)])))
    else:
        near_total = sa.literal_column("0")
    all_hit = sum(hits[1:], hits[0]) == len(hits)
    code_hit = sa.literal_column("0")
    if query.code_key:
        where.append(t.term == query.code_key)
        code_hit = sa.func.max(sa.case(
            (sa.and_(t.term == query.code_key, t.kind == SearchKind.DOCUMENT.value), 1), else_=0))
        all_hit = sa.or_(all_hit, code_hit == 1)
    code_hit = code_hit.label("code_hit")
    phrase_total, phrase_score = phrase_total.label("phrase_hits"), phrase_score.label("phrase_score")
    near_total = near_total.label("near_hits")
    exact_total, score = _total(exact_hits, "exact_hits"), _total(scores, "score")
    stmt = (
        sa.select(t.kind, t.object_id, t.draft, code_hit, phrase_total, phrase_score, near_total, exact_total,
                  score)
        .where(sa.or_(*where))
        .group_by(t.kind, t.object_id, t.draft)
        .having(all_hit)
        .order_by(code_hit.desc(), phrase_total.desc(), phrase_score.desc(), near_total.desc(),
                  exact_total.desc(), score.desc(), t.draft, t.kind, t.object_id)
    )
    if not include_drafts:
        stmt = stmt.where(t.draft.is_(False))
    return stmt


def count(stmt: sa.Select) -> sa.Select:
    return sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
