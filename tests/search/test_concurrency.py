"""Two transactions reindexing the same module at once leave one copy of its rows, not two."""
import threading

import sqlalchemy as sa

from lms.extensions import db
from lms.search.indexing import index_document, index_module
from lms.search.models import SearchTerm


def _copies(app) -> int:
    with app.app_context():
        per_token = (sa.select(sa.func.count().label("n")).select_from(SearchTerm)
                     .group_by(SearchTerm.kind, SearchTerm.object_id, SearchTerm.exact).subquery())
        return db.session.scalar(sa.select(sa.func.max(per_token.c.n)))


def _race(app, index, object_id) -> None:
    first_indexed = threading.Event()
    errors = []

    def first():
        try:
            with app.app_context():
                index(db.session.connection(), object_id)
                first_indexed.set()
                threading.Event().wait(0.5)  # the second transaction starts while this one is open
                db.session.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
            first_indexed.set()

    def second():
        try:
            first_indexed.wait(5)
            with app.app_context():
                index(db.session.connection(), object_id)
                db.session.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert errors == []


def test_concurrent_reindexing_of_a_module_keeps_one_copy(app, make):
    module = make.indexed_module("Xây dựng Đảng", lessons=[("Công tác cán bộ", "Đánh giá cán bộ.")])
    assert _copies(app) == 1
    _race(app, index_module, module.id)
    assert _copies(app) == 1


def test_concurrent_reindexing_of_a_document_keeps_one_copy(app, make):
    doc = make.indexed_document("32-NQ/TW", title="Về đào tạo lý luận chính trị")
    _race(app, index_document, doc.id)
    assert _copies(app) == 1
