"""The lecturer's flow when a new document supersedes one a lesson mentions in its text (not only cites)."""
import sqlalchemy as sa

from lms.curriculum.models import FlagStatus, Module, ReviewFlag
from lms.extensions import db

PASSAGE = "Cán bộ học tập theo Chỉ thị số 05-CT/TW <của> Bộ Chính trị."


def _draft(lock_version, body, document_ids):
    data = {"title": "Học tập và làm theo Bác", "summary_md": "", "lock_version": lock_version, "save": "1",
            "lessons-0-key": "bai-1", "lessons-0-title": "Bài 1", "lessons-0-body_md": body,
            "lessons-0-minutes": "10", "lessons-0-position": "1"}
    data["document_ids"] = [str(i) for i in document_ids]
    return data


def test_superseding_a_document_a_lesson_mentions_until_the_trainee_sees_what_changed(client, auth, make, app):
    make.lecturer("gv")
    title = make.title("Bí thư xã")
    make.user("hv", held=[title])
    old = make.document("05-CT/TW", kind="directive", number="05", title="Về học tập và làm theo Bác")
    module = make.module("HP-05", title="Học tập và làm theo Bác", lessons=[
        {"key": "bai-1", "title": "Bài 1", "body_md": PASSAGE, "minutes": 10}])  # mentions it, cites nothing
    make.program("CT-05", titles=[title], modules=[module])
    with app.app_context():
        lesson_id = db.session.get(Module, module.id).published.lessons[0].id
    auth.login("hv")
    assert client.get(f"/lessons/{lesson_id}").status_code == 200  # studied revision 1
    assert "Có gì mới" not in client.get(f"/modules/{module.id}").text
    auth.logout()
    auth.login("gv")

    response = client.post("/documents/new", data={
        "code": "01-CT/TW", "kind": "directive", "number": "01", "issuer": "Bộ Chính trị",
        "issued_on": "2026-03-01", "title": "Chỉ thị mới", "relations-0-kind": "supersedes",
        "relations-0-target_id": str(old.id)})
    assert response.status_code == 302
    impact_view = client.get(response.headers["Location"]).text
    assert "HP-05" in impact_view
    assert "<mark>Chỉ thị số 05-CT/TW</mark> &lt;của&gt; Bộ Chính trị." in impact_view  # escaped, highlighted
    queue = client.get("/reviews").text
    assert "<mark>Chỉ thị số 05-CT/TW</mark>" in queue
    # it never cited the old document: only the text mentions it
    assert "Trích dẫn đã đúng: học phần không trích dẫn 05-CT/TW mà thiếu 01-CT/TW." in queue
    with app.app_context():
        flag = db.session.scalar(sa.select(ReviewFlag))
        flag_id, new_id = flag.id, flag.new_document_id

    # citing the new document without touching the text is not enough
    assert client.post(f"/author/modules/{module.id}/edit", data=_draft("0", PASSAGE, [new_id])).status_code == 302
    published = client.post(f"/author/modules/{module.id}/publish", data={"change_summary": "Trích dẫn 01-CT/TW"},
                            follow_redirects=True).text
    assert "Còn 1 đoạn nhắc đến 05-CT/TW chưa được sửa hoặc xác nhận" in published
    refused = client.post(f"/reviews/{flag_id}/resolve", follow_redirects=True).text
    assert "Chỉ đổi văn bản trích dẫn là chưa đủ" in refused
    with app.app_context():
        assert db.session.get(ReviewFlag, flag_id).status == FlagStatus.OPEN

    # editing the passage in a new revision resolves it
    edited = "Cán bộ học tập theo Chỉ thị số 01-CT/TW của Bộ Chính trị."
    assert client.post(f"/author/modules/{module.id}/edit", data=_draft("0", edited, [new_id])).status_code == 302
    client.post(f"/author/modules/{module.id}/publish",
                data={"change_summary": "Cập nhật theo Chỉ thị 01-CT/TW"})
    with app.app_context():
        assert db.session.get(ReviewFlag, flag_id).status == FlagStatus.RESOLVED
    assert "Không có học phần nào cần rà soát" in client.get("/reviews").text

    # the trainee who studied the old revision is told what changed, until they have read it
    auth.logout()
    auth.login("hv")
    page = client.get(f"/modules/{module.id}").text
    assert "Có gì mới" in page
    assert "Cập nhật theo Chỉ thị 01-CT/TW" in page
    assert client.post(f"/learning/modules/{module.id}/whats-new/seen").status_code == 302
    assert "Có gì mới" not in client.get(f"/modules/{module.id}").text
