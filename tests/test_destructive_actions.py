"""A destructive button (red: delete, lock, revoke, withdraw) never acts on the first tap: on a phone a slip of the
thumb is easy. Its form sits inside a <details> that asks first (the "confirm_post" macro, or "Rút"), or it
cannot be sent without a written reason."""
from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
FORM = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>.*?</form>", re.S | re.I)
DANGER = re.compile(r"btn-(outline-)?danger")


def unconfirmed_forms() -> list[str]:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for form in FORM.finditer(text):
            body = form.group(0)
            if not DANGER.search(body):
                continue
            before = text[:form.start()]
            asked = before.count("<details") > before.count("</details>")
            reason = "required" in body or ".reason(" in body
            if not (asked or reason):
                found.append(f"{path.relative_to(TEMPLATES)}: {body[:80]!r}")
    return found


def test_every_destructive_form_asks_first():
    assert unconfirmed_forms() == []


def test_deleting_a_session_asks_first_and_then_deletes(app, client, auth, make):
    unit = make.unit("Trường Chính trị tỉnh")
    make.admin("quantri", scope=unit)
    klass = make.training_class(unit=unit)
    session = make.class_session(klass, topic="Buổi thử")
    auth.login("quantri")
    page = client.get(f"/classes/{klass.id}/timetable").text
    question = page[page.index('<details class="confirm-post">'):]
    assert "Xóa buổi học</button>" in question[:question.index("</details>")]
    response = client.post(f"/admin/sessions/{session.id}/delete", follow_redirects=True)
    assert "Đã xóa buổi học." in response.text
