"""Field-trip rubrics as places that may mention a document (see lms.documents.mentions)."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from lms.delivery.models import FieldTrip, RubricCriterion
from lms.documents import mentions
from lms.extensions import db


def _text(name: str, levels) -> str:
    return "\n".join([name, *(str(level) for level in levels or ())])


def _rows(query):
    return db.session.execute(query.join(FieldTrip, FieldTrip.id == RubricCriterion.trip_id)).all()


def _scan(digits: str):
    like = mentions.like_digits(digits)
    # levels is JSON: matched as its text, on both databases.
    for cid, module_id, topic, name, levels in _rows(
            sa.select(RubricCriterion.id, FieldTrip.module_id, FieldTrip.topic, RubricCriterion.name,
                      RubricCriterion.levels)
            .where(sa.or_(RubricCriterion.name.like(like), sa.cast(RubricCriterion.levels, sa.Text).like(like)))):
        yield mentions.Place("rubric", str(cid), _("Tiêu chí “%(name)s” (chuyến đi thực tế %(topic)s)",
                                                   name=name, topic=topic), _text(name, levels),
                             module_id=module_id)


def _current(refs):
    ids = [int(key) for _owner, key in refs if key.isdigit()]
    texts = {str(cid): _text(name, levels) for cid, name, levels in db.session.execute(
        sa.select(RubricCriterion.id, RubricCriterion.name, RubricCriterion.levels)
        .where(RubricCriterion.id.in_(ids)))} if ids else {}
    return {ref: texts.get(ref[1]) for ref in refs}


def register() -> None:
    mentions.register_source(mentions.Source("rubric", _scan, _current))
