"""Trainees read words of their trade, not of ours: walking every page a signed-in trainee reaches from the home
page (demo people, the reference curricula, a field trip with an attached report, an outstanding report), no
page says "Markdown", "GIFT" or "bytes", hours are written in giờ, and the best reports are "Bài thu hoạch tiêu
biểu"."""
from __future__ import annotations

import io
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import sqlalchemy as sa

from lms.extensions import db
from tests.delivery.test_trips import PDF

DEVELOPER_WORDS = re.compile(r"markdown|\bgift\b|\bbytes\b", re.IGNORECASE)
OTHER_HOUR_UNITS = re.compile(r"\d\s*(?:tiết|h)\b")
# Pages that are not the trainee's reading: leaving, downloads.
SKIP = ("/sign-out", "/static/", "/submissions/", "/learning/xapi")


class Reader(HTMLParser):
    """What a reader meets on a page: its text and the words in labels and tooltips, and where its links go."""

    WORDED = ("aria-label", "title", "placeholder", "alt", "value")

    def __init__(self):
        super().__init__()
        self.words, self.links, self._skip = [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if not (tag == "input" and attrs.get("type") == "hidden"):
            self.words += [attrs[a] for a in self.WORDED if attrs.get(a)]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.words.append(data)


def walk(client, start: str = "/", limit: int = 300) -> dict[str, str]:
    """Every same-site page reachable by links from `start`, as text a reader meets."""
    seen, queue, pages = {start}, deque([start]), {}
    while queue and len(pages) < limit:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            response.close()  # a streamed download ends here, in its own request's context
            continue
        reader = Reader()
        reader.feed(response.get_data(as_text=True))
        pages[url] = " ".join(" ".join(reader.words).split())
        for href in reader.links:
            href = urldefrag(href).url
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/") or href.startswith(SKIP) or href in seen:
                continue
            seen.add(href)
            queue.append(href)
    return pages


def test_no_trainee_page_speaks_like_a_developer(app, runner, make, client):
    for args in (["lms", "demo"], ["lms", "content", "import", "content/"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    from lms.accounts.models import User
    from lms.delivery import reports
    from lms.delivery.models import FieldTrip, NominationState, Submission

    with app.app_context():
        trainee = db.session.scalar(sa.select(User).where(User.username == "hocvien"))
        lecturer = db.session.scalar(sa.select(User).where(User.username == "giangvien"))
        trip = db.session.scalars(sa.select(FieldTrip).order_by(FieldTrip.id)).first()
        klass, module_id = trip.training_class, trip.module_id
    make.nomination(klass, trainee, NominationState.ENROLLED)
    client.post("/sign-in", data={"username": "hocvien", "password": "demo12345"})
    saved = client.post(f"/trips/{trip.id}/report", content_type="multipart/form-data", data={
        "body_md": "Bài thu hoạch **của tôi**.", "save_draft": "1", "attachments": [(io.BytesIO(PDF), "ghi-chep.pdf")]})
    assert saved.status_code == 302
    with app.app_context():  # an outstanding report of the class and a certificate, so their pages are walked too
        trainee, lecturer = db.session.get(User, trainee.id), db.session.get(User, lecturer.id)
        other = db.session.scalars(sa.select(Submission).where(Submission.trainee_id != trainee.id)).first()
        reports.grade(lecturer, other, points={c.id: 2 for c in other.trip.criteria}, feedback_md="Tốt.")
        other.exemplary_consent_at = other.submitted_at
        reports.publish_exemplary(lecturer, other, title="Dân vận khéo ở xã Cam Lộ")
        from lms.learning.models import Certificate
        from lms.models import Program

        program = db.session.scalars(sa.select(Program).order_by(Program.id)).first()
        certificate = Certificate(code="QT-2026-000123", user_id=trainee.id, program_id=program.id,
                                  full_name=trainee.full_name, unit_name=trainee.unit.name,
                                  program_name=program.name, hours=40)
        db.session.add(certificate)
        db.session.commit()
        certificate_url = f"/certificates/{certificate.id}"

    pages = walk(client)

    # The walk reached the pages this test is about.
    assert any(re.fullmatch(r"/lessons/\d+", url) for url in pages)
    assert any(re.fullmatch(r"/modules/\d+", url) for url in pages)
    assert f"/trips/{trip.id}/report" in pages
    assert f"/modules/{module_id}/exemplary-reports" in pages
    assert "/my/curriculum" in pages
    assert "/my/record" in pages
    report_form = pages[f"/trips/{trip.id}/report"]
    assert re.search(r"ghi-chep\.pdf \(\d+(,\d)? (byte|KB)\)", report_form), report_form
    assert "Cách trình bày" in report_form
    assert "Bài thu hoạch tiêu biểu" in pages[f"/modules/{module_id}/exemplary-reports"]
    assert re.search(r"\d+ giờ", pages["/my/curriculum"])
    assert "40 giờ" in pages[certificate_url]
    for url, text in pages.items():
        assert not DEVELOPER_WORDS.search(text), (url, DEVELOPER_WORDS.search(text).group(0))
        assert not OTHER_HOUR_UNITS.search(text), (url, OTHER_HOUR_UNITS.search(text).group(0))
        # The trainees' best reports are never a "library of exemplary reports" (the module kind keeps its name).
        assert "thư viện báo cáo" not in text.lower(), url
