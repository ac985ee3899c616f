"""xAPI 1.0.3 statements from the learning event log, for a Learning Record Store."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa

from lms.accounts.models import User
from lms.extensions import db
from lms.learning.models import LearningEvent

VERSION = "1.0.3"
VERBS = {
    verb: f"http://adlnet.gov/expapi/verbs/{verb}"
    for verb in ("launched", "experienced", "completed", "passed", "failed", "submitted")
}
VERB_DISPLAY = {
    "launched": "launched", "experienced": "experienced", "completed": "completed", "passed": "passed",
    "failed": "failed", "submitted": "submitted",
}
ACTIVITY_TYPES = {
    "lesson": "http://adlnet.gov/expapi/activities/lesson",
    "module": "http://adlnet.gov/expapi/activities/module",
    "quiz": "http://adlnet.gov/expapi/activities/assessment",
    "assignment": "http://adlnet.gov/expapi/activities/assessment",
    "program": "http://adlnet.gov/expapi/activities/course",
}


def _iso(moment: datetime) -> str:
    return moment.replace(microsecond=(moment.microsecond // 1000) * 1000).isoformat(timespec="milliseconds") + "Z"


def statement(event: LearningEvent, user: User, base_url: str) -> dict:
    """One event as an xAPI statement: actor (account, and mbox when there is an e-mail), verb, object."""
    actor = {"objectType": "Agent", "name": user.full_name,
             "account": {"homePage": base_url, "name": user.username}}
    if user.email:
        actor = {"objectType": "Agent", "name": user.full_name, "mbox": f"mailto:{user.email}"}
    activity_id = f"{base_url}/xapi/activities/{event.object_type}/{event.object_id}"
    obj = {"objectType": "Activity", "id": activity_id,
           "definition": {"type": ACTIVITY_TYPES.get(event.object_type, ACTIVITY_TYPES["module"]),
                          "name": {"vi-VN": event.object_name}}}
    data = {
        "id": event.uuid,
        "actor": actor,
        "verb": {"id": VERBS[event.verb], "display": {"en-US": VERB_DISPLAY[event.verb]}},
        "object": obj,
        "timestamp": _iso(event.timestamp),
        "stored": _iso(event.stored),
        "version": VERSION,
    }
    if event.result:
        data["result"] = event.result
    if event.revision_id is not None:
        data["context"] = {"revision": str(event.revision_id)}
    return data


def statements_since(since: datetime, base_url: str, batch: int = 1000) -> Iterator[dict]:
    """Statements stored at or after `since`, oldest first, read in batches (the log may be very large)."""
    last_id = 0
    while True:
        rows = db.session.execute(
            sa.select(LearningEvent, User).join(User, User.id == LearningEvent.user_id)
            .where(LearningEvent.stored >= since, LearningEvent.id > last_id)
            .order_by(LearningEvent.id).limit(batch)
        ).all()
        if not rows:
            return
        for event, user in rows:
            yield statement(event, user, base_url)
        last_id = rows[-1][0].id
