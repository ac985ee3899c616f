"""Trainee pages show Vietnam time: a certificate issued or an activity recorded at 23:30 UTC is dated the next
day, and no page labels a time as UTC."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from lms.extensions import db
from lms.learning.models import Certificate, LearningEvent
from tests.learning.test_views import complete_all, program_setup  # noqa: F401  (fixture)

LATE_EVENING_UTC = datetime(2026, 3, 31, 23, 30)


def test_certificate_and_record_show_the_next_days_date(app, client, auth, program_setup):  # noqa: F811
    trainee, module, _program = program_setup
    certificate = complete_all(app, trainee, module)
    with app.app_context():
        db.session.get(Certificate, certificate.id).issued_at = LATE_EVENING_UTC
        for event in db.session.scalars(sa.select(LearningEvent)):
            event.timestamp = LATE_EVENING_UTC
        db.session.commit()

    verify = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "01/04/2026" in verify
    assert "31/03/2026" not in verify
    auth.login("hocvien")
    printable = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert "Ngày cấp: 01/04/2026" in printable
    record = client.get("/my/record").get_data(as_text=True)
    assert "cấp ngày 01/04/2026" in record
    assert "01/04/2026 06:30" in record
    assert "UTC" not in record
