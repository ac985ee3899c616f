"""One open quiz attempt per trainee and quiz (a partial unique index); open attempts get option tokens.

Revision ID: 42012f5430a1
Revises: b50dedd24da2
Create Date: 2026-12-01 10:55:00

"""
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '42012f5430a1'
down_revision = 'b50dedd24da2'
branch_labels = None
depends_on = None

attempts = sa.table(
    "quiz_attempts",
    sa.column("id", sa.Integer), sa.column("quiz_id", sa.Integer), sa.column("user_id", sa.Integer),
    sa.column("number", sa.Integer), sa.column("submitted_at", sa.DateTime), sa.column("layout", sa.JSON),
)


def _tokens(count):
    tokens = []
    while len(tokens) < count:
        token = secrets.token_urlsafe(9)
        if token not in tokens:
            tokens.append(token)
    return tokens


def upgrade():
    conn = op.get_bind()
    open_rows = conn.execute(
        sa.select(attempts.c.id, attempts.c.quiz_id, attempts.c.user_id, attempts.c.layout)
        .where(attempts.c.submitted_at.is_(None))
        .order_by(attempts.c.quiz_id, attempts.c.user_id, attempts.c.number)
    ).all()
    seen = set()
    for row in open_rows:
        key = (row.quiz_id, row.user_id)
        if key in seen:
            # A duplicate opened by simultaneous requests: never submitted, so it holds no answers.
            conn.execute(attempts.delete().where(attempts.c.id == row.id))
            continue
        seen.add(key)
        layout = [dict(item, t=item.get("t") or _tokens(len(item["c"]))) for item in (row.layout or [])]
        conn.execute(attempts.update().where(attempts.c.id == row.id).values(layout=layout))
    op.create_index("ix_quiz_attempts_one_open", "quiz_attempts", ["quiz_id", "user_id"], unique=True,
                    sqlite_where=sa.text("submitted_at IS NULL"), postgresql_where=sa.text("submitted_at IS NULL"))


def downgrade():
    op.drop_index("ix_quiz_attempts_one_open", table_name="quiz_attempts",
                  sqlite_where=sa.text("submitted_at IS NULL"), postgresql_where=sa.text("submitted_at IS NULL"))
