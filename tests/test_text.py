"""One folding of Vietnamese text for the whole application: the document registry and the search index
agree on a document code however it is typed; names and slugs fold the same way."""
import sqlalchemy as sa

from lms import text
from lms.accounts import names
from lms.documents import services as documents
from lms.documents.models import Document
from lms.extensions import db
from lms.search import queries
from lms.search import text as search_text
from lms.search.models import SearchKind, SearchTerm

# As printed, and as copied from a PDF where "Đ" comes out as the look-alike "Ð" (U+00D0).
CODES = ("32-NQ/TW", "145-QĐ/TW", "19/2025/QĐ-TTg", "35-KL/TW", "164-QÐ/TW", "Hướng dẫn 02-HD/BTGTW")
TYPED = {
    "32-NQ/TW": ("32/nq-tw", "32 NQ TW", " 32 – NQ / TW "),
    "145-QĐ/TW": ("145-QÐ/TW", "145 qd tw", "145/QĐ-TW", "145-qđ/tw"),
    "19/2025/QĐ-TTg": ("19/2025/qd-ttg", "19 2025 QĐ TTg"),
    "35-KL/TW": ("35-kl/tw", "35 KL-TW"),
    "164-QÐ/TW": ("164-QĐ/TW", "164 qd tw"),
    "Hướng dẫn 02-HD/BTGTW": ("huong dan 02 hd btgtw", "HƯỚNG DẪN 02-HD/BTGTW"),
}


def test_the_registry_and_the_search_index_fold_a_code_identically(ctx, make):
    for code in CODES:
        make.document(code=code)
    db.session.flush()
    docs = {d.code: d for d in db.session.scalars(sa.select(Document))}
    for code, doc in docs.items():
        indexed = set(db.session.scalars(sa.select(SearchTerm.term).where(
            SearchTerm.kind == SearchKind.DOCUMENT, SearchTerm.object_id == doc.id)))
        assert doc.code_key in indexed, code
    for code, variants in TYPED.items():
        for typed in variants:
            # The registry's code filter (documents index page) and the search's code key.
            by_registry = set(db.session.scalars(sa.select(Document.id).where(
                Document.code_key.contains(documents.fold_code(typed)))))
            by_search = set(db.session.scalars(sa.select(SearchTerm.object_id).where(
                SearchTerm.kind == SearchKind.DOCUMENT, SearchTerm.term == queries.parse(typed).code_key)))
            assert by_registry == by_search == {docs[code].id}, typed


def test_every_domain_uses_the_one_folding():
    assert documents.fold_code is search_text.fold_code is text.fold_code
    assert search_text.fold is text.fold
    assert names.fold("  Nguyễn  Đức Ðông Łan ") == text.fold_words("Nguyễn Đức Ðông Łan") == "nguyen duc dong lan"
    name = "Ngô Thị Ðào"
    assert text.fold(name) == "ngo thi dao"
    assert len(text.fold(name)) == len(name)  # search highlights in the original at the folded positions


def test_slugs_are_ascii_words_joined_by_hyphens():
    assert text.slug("Bài 1: Xây dựng Đảng về đạo đức") == "bai-1-xay-dung-dang-ve-dao-duc"
    assert text.slug("32-NQ/TW") == "32-nq-tw"
    assert text.slug("!!!") == "x"
    assert text.slug("!!!", fallback="bai") == "bai"
    assert text.slug("a " * 50, limit=9) == "a-a-a-a-a"
