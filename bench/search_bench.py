"""Search at scale: generated Vietnamese modules and lessons, a full reindex, then timed queries.

    DATABASE_URL=sqlite:////tmp/search-bench.sqlite3 .venv/bin/python bench/search_bench.py [modules] [lessons]

It empties the target database first, so the URL must name a bench or test database.
Prints the index size, the reindex time and, per query, the total, the statements and the median time.
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import date

import sqlalchemy as sa

_WORDS = (
    "Đảng Nhà nước nhân dân cán bộ đảng viên nghị quyết chỉ thị kết luận quy định xây dựng chỉnh đốn "
    "lãnh đạo quản lý chính trị tư tưởng đạo đức lối sống kinh tế thị trường định hướng xã hội chủ nghĩa "
    "đổi mới phát triển bền vững chuyển đổi số chính quyền địa phương hai cấp tỉnh xã phường đặc khu "
    "học tập quán triệt triển khai thực hiện kiểm tra giám sát đánh giá bồi dưỡng đào tạo lý luận "
    "Hồ Chí Minh Mác Lênin dân chủ pháp quyền quốc phòng an ninh đối ngoại văn hóa giáo dục y tế "
    "nông nghiệp nông thôn công nghiệp hóa hiện đại hóa hội nhập quốc tế tham nhũng tiêu cực lãng phí"
)
VOCABULARY = tuple(_WORDS.split(" "))


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(VOCABULARY) for _ in range(words)) + "."


def _empty(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        else:
            for (name,) in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'").all():
                conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"')
    engine.dispose()


def _fill(conn, n_modules: int, n_lessons: int) -> None:
    from lms.curriculum.models import Lesson, Module, ModuleRevision
    from lms.documents.models import Document

    rng = random.Random(20261125)
    m, r, le = Module.__table__, ModuleRevision.__table__, Lesson.__table__
    conn.execute(m.insert(), [{"id": i, "code": f"HP-{i}", "kind": "self_study"} for i in range(1, n_modules + 1)])
    conn.execute(r.insert(), [
        {"id": i, "module_id": i, "number": 1, "title": _text(rng, 6), "summary_md": _text(rng, 40),
         "summary_html": "", "change_summary": "", "requires_restudy": False, "lock_version": 1}
        for i in range(1, n_modules + 1)])
    conn.execute(m.update().values(published_revision_id=m.c.id))
    rows = []
    for i in range(1, n_modules + 1):
        for k in range(n_lessons):
            rows.append({"revision_id": i, "key": f"bai-{k}", "position": k, "title": _text(rng, 8),
                         "body_md": _text(rng, 300), "body_html": ""})
    conn.execute(le.insert(), rows)
    conn.execute(Document.__table__.insert(), [
        {"code": f"{i}-NQ/TW", "code_key": f"{i}nqtw", "kind": "resolution", "number": str(i),
         "issuer": "Bộ Chính trị", "issued_on": date(2014, 5, 26), "title": _text(rng, 15), "status": "in_force"}
        for i in range(1, 501)])


class _Reader:
    def has_role(self, *_roles) -> bool:
        return False


def main() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if "bench" not in url and "test" not in url:
        sys.exit("DATABASE_URL must name a bench or test database (it is emptied).")
    n_modules = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    n_lessons = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    _empty(url)
    from flask_migrate import upgrade

    from lms import create_app
    from lms.extensions import db
    from lms.search import services
    from lms.search.indexing import reindex_all

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            _fill(conn, n_modules, n_lessons)
        started = time.perf_counter()
        summary = reindex_all(db.session)
        db.session.commit()
        print(f"{db.engine.dialect.name}: {n_modules} modules x {n_lessons} lessons, 500 documents; "
              f"reindex {time.perf_counter() - started:.1f} s, {summary['terms']} terms")
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE search_terms"))
            db.session.commit()
        statements = []
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
        for q in ("dang", "nghi quyet dang", "chuyển đổi số", "32-NQ/TW", "nghi quyet 32", "chinh quyen dia ph",
                  "ho chi minh tu tuong dao duc"):
            times = []
            for _ in range(5):
                statements.clear()
                t0 = time.perf_counter()
                page = services.search(_Reader(), q, page=2)
                times.append(time.perf_counter() - t0)
                db.session.rollback()
            print(f"  {q!r:34} {page.total:6d} hits  {len(statements)} statements  "
                  f"median {statistics.median(times) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
