"""Adds users.search_key (diacritic-free) and users.sort_key (Vietnamese name order), filled for existing users.

Revision ID: f65597e34e72
Revises: 481c307bcb06
Create Date: 2026-11-25 17:37:52.851639

"""
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f65597e34e72'
down_revision = '481c307bcb06'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_key', sa.String(length=400), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('sort_key', sa.String(length=500), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_users_sort_key'), ['sort_key'], unique=False)

    conn = op.get_bind()
    users = sa.table('users', sa.column('id'), sa.column('username'), sa.column('full_name'),
                     sa.column('search_key'), sa.column('sort_key'))
    for id_, username, full_name in conn.execute(sa.select(users.c.id, users.c.username, users.c.full_name)).all():
        conn.execute(
            users.update().where(users.c.id == id_).values(
                search_key=f"{_fold_words(full_name)} {_fold_words(username)}".strip()[:400],
                sort_key=_sort_key(full_name)[:500],
            )
        )


# The keys as the application computed them at this revision (lms.text.fold_words, lms.accounts.names.sort_key),
# copied here so that this migration fills the same values whatever the application's code later becomes.
_SPECIAL = {"đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "ł": "l", "Ł": "l", "ø": "o", "Ø": "o"}
_LETTER_RANK = {"\u0306": "1", "\u0302": "2", "\u031b": "3"}  # breve, circumflex, horn: a < ă < â, o < ô < ơ


def _fold_char(ch):
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    lower = ch.lower()
    if len(lower) != 1:
        lower = ch
    base = "".join(c for c in unicodedata.normalize("NFD", lower) if not unicodedata.combining(c))
    if len(base) != 1:
        return " " if not base else base[0]
    return base


def _fold_words(text):
    folded = "".join(_fold_char(ch) for ch in unicodedata.normalize("NFC", text or ""))
    return " ".join(folded.split())


def _letters_key(word):
    out = []
    for char in unicodedata.normalize("NFC", word.lower()):
        if char == "đ":
            out.append("d1")
            continue
        base, *marks = unicodedata.normalize("NFD", char)
        if not ("a" <= base <= "z"):
            continue
        rank = next((_LETTER_RANK[m] for m in marks if m in _LETTER_RANK), "0")
        out.append(base + rank)
    return "".join(out)


def _sort_key(full_name):
    words = unicodedata.normalize("NFC", full_name or "").split()
    if not words:
        return ""
    return "0".join([_letters_key(words[-1]), *(_letters_key(w) for w in words)])


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_sort_key'))
        batch_op.drop_column('sort_key')
        batch_op.drop_column('search_key')
