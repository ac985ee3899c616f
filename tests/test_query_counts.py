"""Admin pages issue a bounded number of queries, whatever the number of users or units."""
from contextlib import contextmanager

import sqlalchemy as sa

from lms.extensions import db


@contextmanager
def _counting(app):
    statements = []
    with app.app_context():
        engine = db.engine

    def count(*_args):
        statements.append(1)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def _queries(app, client, url) -> int:
    with _counting(app) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_user_list_and_unit_tree_queries_do_not_grow_with_the_data(app, client, auth, make):
    root = make.unit("Tỉnh ủy")
    make.admin("admin", scope=root)
    title = make.title()
    commune = make.unit("Xã 0", parent=root, locality=make.locality())
    make.user("u0", unit=commune, held=[title], password=None)
    auth.login("admin")
    small = (_queries(app, client, "/admin/users/"), _queries(app, client, "/admin/units"))
    for n in range(1, 13):
        commune = make.unit(f"Xã {n}", parent=root, locality=make.locality())
        make.user(f"u{n}", unit=commune, held=[title], roles=("trainee", "lecturer"), password=None)
    large = (_queries(app, client, "/admin/users/"), _queries(app, client, "/admin/units"))
    assert large == small
