"""Registry pages, the review queue, and what trainees see while a module cites a superseded document."""
import sqlalchemy as sa

from lms.audit import AuditEntry
from lms.curriculum.models import FlagStatus, Module, ReviewFlag
from lms.documents.models import Document, DocumentStatus
from lms.extensions import db


def _register(client, **overrides):
    data = {"code": "12-NQ/TW", "kind": "resolution", "number": "12", "issuer": "Bộ Chính trị",
            "issued_on": "2025-01-15", "title": "Về tiếp tục xây dựng Đảng", "term": "XIII", "summary": ""}
    data.update(overrides)
    return client.post("/documents/new", data=data)


def test_lecturer_registers_a_superseding_document_and_the_citing_module_is_flagged(client, auth, make, app):
    make.lecturer("gv")
    make.user("hv")
    old = make.document("4-NQ/TW", number="4", title="Nghị quyết cũ")
    module = make.module("HP-01", title="Học phần Xây dựng Đảng", documents=[old])
    auth.login("gv")
    response = _register(client, **{"relations-0-kind": "supersedes", "relations-0-target_id": str(old.id)})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Document, old.id).status == DocumentStatus.SUPERSEDED
        flag = db.session.scalar(sa.select(ReviewFlag))
        assert flag.module_id == module.id
        new_id = flag.new_document_id
    shown = client.get(f"/documents/{new_id}").text
    assert "4-NQ/TW" in shown
    assert "HP-01" in client.get(f"/documents/{old.id}").text  # modules citing it
    queue = client.get("/reviews").text
    assert "HP-01" in queue
    assert "Học phần vẫn trích dẫn 4-NQ/TW mà chưa trích dẫn 12-NQ/TW." in queue
    assert "đã được thay thế bởi 12-NQ/TW" in queue
    # trainees are warned until it is resolved
    auth.logout()
    auth.login("hv")
    page = client.get(f"/modules/{module.id}").text
    assert "Nội dung đang được rà soát" in page
    assert "Đã bị thay thế" in page


def test_dismissing_needs_a_reason_then_the_warning_goes(client, auth, make, app):
    lecturer = make.lecturer("gv")
    make.user("hv")
    old = make.document("4-NQ/TW", number="4")
    module = make.module("HP-01", documents=[old])
    make.document("12-NQ/TW", number="12", relations=[("amends", old)])
    with app.app_context():
        flag_id = db.session.scalar(sa.select(ReviewFlag.id))
    auth.login("gv")
    refused = client.post(f"/reviews/{flag_id}/dismiss", data={f"flag{flag_id}-reason": "  "})
    assert refused.status_code == 400
    assert "Hãy ghi lý do không cần sửa học phần." in refused.text
    done = client.post(f"/reviews/{flag_id}/dismiss",
                       data={f"flag{flag_id}-reason": "Phần sửa đổi không chạm tới nội dung học phần"})
    assert done.status_code == 302
    with app.app_context():
        flag = db.session.get(ReviewFlag, flag_id)
        assert flag.status == FlagStatus.DISMISSED
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "review_flag.dismiss"))
        assert entry.actor_id == lecturer.id
        assert entry.object_id == flag_id
    assert "Bỏ qua: Phần sửa đổi không chạm tới nội dung học phần" in client.get("/reviews").text
    auth.logout()
    auth.login("hv")
    assert "Nội dung đang được rà soát" not in client.get(f"/modules/{module.id}").text


def test_resolving_by_publishing_a_revision_citing_the_new_document(client, auth, make, app):
    make.lecturer("gv")
    old = make.document("4-NQ/TW", number="4")
    module = make.module("HP-01", documents=[old], lessons=[{"title": "Bài", "body_md": "x"}])
    new = make.document("12-NQ/TW", number="12", relations=[("supersedes", old)])
    with app.app_context():
        key = db.session.get(Module, module.id).published.lessons[0].key
    auth.login("gv")
    edit = client.get(f"/author/modules/{module.id}/edit").text
    assert "Trích dẫn 12-NQ/TW rồi xuất bản để hoàn tất." in edit
    saved = client.post(f"/author/modules/{module.id}/edit", data={
        "title": "Học phần", "summary_md": "", "lock_version": "0", "save": "1",
        "lessons-0-key": key, "lessons-0-title": "Bài", "lessons-0-body_md": "x theo Nghị quyết 12",
        "document_ids": [str(new.id)]})
    assert saved.status_code == 302
    published = client.post(f"/author/modules/{module.id}/publish",
                            data={"change_summary": "Cập nhật theo Nghị quyết 12-NQ/TW"})
    assert published.status_code == 302
    with app.app_context():
        flag = db.session.scalar(sa.select(ReviewFlag))
        assert flag.status == FlagStatus.RESOLVED
        actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"document.register", "review_flag.raise", "module.save_draft", "module.publish",
            "review_flag.resolve"} <= actions
    assert "Không có học phần nào cần rà soát." in client.get("/reviews").text


def test_bad_document_input_is_explained(client, auth, make):
    make.lecturer("gv")
    auth.login("gv")
    response = _register(client, code="", issued_on="31/02/2025")
    assert response.status_code == 400
    assert "Hãy nhập ký hiệu văn bản." in response.text
    assert "Hãy nhập ngày ban hành hợp lệ." in response.text
    assert _register(client).status_code == 302
    again = _register(client)
    assert "đã có trong danh mục" in again.text


def test_registry_search_finds_codes_however_typed(client, auth, make):
    make.lecturer("gv")
    make.document("32-NQ/TW", number="32", title="Về công tác tổ chức")
    make.document("5-CT/TW", kind="directive", number="5", title="Về học tập và làm theo")
    auth.login("gv")
    page = client.get("/documents/?q=32/NQ-TW").text
    assert "32-NQ/TW" in page
    assert "5-CT/TW" not in page


def test_trainees_cannot_reach_the_registry_or_the_queue(client, auth, make):
    make.user("hv")
    auth.login("hv")
    assert client.get("/documents/").status_code == 403
    assert client.get("/reviews").status_code == 403


def test_a_relation_added_later_flags_the_citing_modules(client, auth, make, app):
    make.lecturer("gv")
    old = make.document("4-NQ/TW", number="4")
    new = make.document("12-NQ/TW", number="12")
    module = make.module("HP-01", documents=[old])
    auth.login("gv")
    response = client.post(f"/documents/{new.id}/relations", data={"kind": "amends", "target_id": str(old.id)})
    assert response.status_code == 302
    assert "1 học phần được đánh dấu" in client.get(response.headers["Location"]).text
    with app.app_context():
        assert db.session.get(Document, old.id).status == DocumentStatus.AMENDED
        flag = db.session.scalar(sa.select(ReviewFlag))
        assert (flag.module_id, flag.relation) == (module.id, "amends")
    itself = client.post(f"/documents/{new.id}/relations", data={"kind": "amends", "target_id": str(new.id)})
    assert itself.status_code == 400


def test_the_document_page_shows_where_the_text_is_published(client, auth, make, app):
    make.lecturer("gv")
    auth.login("gv")
    source = "https://tulieuvankien.dangcongsan.vn/he-thong-van-ban/van-ban-cua-dang/12"
    assert _register(client, source=source).status_code == 302
    with app.app_context():
        document = db.session.scalar(sa.select(Document).where(Document.code == "12-NQ/TW"))
        assert document.source == source
    page = client.get(f"/documents/{document.id}").text
    assert "Nguồn văn bản" in page
    assert source in page


def test_a_trainee_opens_a_cited_document_and_reads_its_status_and_what_superseded_it(client, auth, make, app):
    make.user("hv")
    old = make.document("164-QĐ/TW", kind="regulation", number="164", title="Quy định chế độ bồi dưỡng")
    new = make.document("145-QĐ/TW", kind="regulation", number="145", title="Quy định bồi dưỡng mới",
                        relations=[("supersedes", old)])
    module = make.module("HP-01", title="Học phần bồi dưỡng", documents=[old])
    auth.login("hv")
    assert f'<a href="/documents/{old.id}">164-QĐ/TW</a>' in client.get(f"/modules/{module.id}").text
    response = client.get(f"/documents/{old.id}")
    assert response.status_code == 200
    page = response.text
    assert "164-QĐ/TW: Quy định chế độ bồi dưỡng" in page
    assert "Bộ Chính trị" in page
    assert "01/01/2023" in page
    assert "Đã bị thay thế" in page
    assert f'Bị thay thế bởi <a href="/documents/{new.id}">145-QĐ/TW</a>' in page
    # Read only: no relation form, no list of modules with links to their authoring pages.
    assert "/relations" not in page
    assert "HP-01" not in page
    superseding = client.get(f"/documents/{new.id}").text
    assert f'Thay thế <a href="/documents/{old.id}">164-QĐ/TW</a>' in superseding
    assert "Còn hiệu lực" in superseding
    assert client.post(f"/documents/{old.id}/relations", data={"kind": "amends"}).status_code == 403


def test_a_document_source_is_a_link_only_when_it_is_a_web_address(client, auth, make, app):
    make.lecturer("gv")
    make.user("hv")
    auth.login("gv")
    assert _register(client, source="https://tulieuvankien.dangcongsan.vn/vb/12").status_code == 302
    assert _register(client, code="13-NQ/TW", number="13", source="javascript:alert(1)").status_code == 302
    with app.app_context():
        web, script = (db.session.scalar(sa.select(Document.id).where(Document.code == c))
                       for c in ("12-NQ/TW", "13-NQ/TW"))
    auth.logout()
    auth.login("hv")
    page = client.get(f"/documents/{web}").text
    address = "https://tulieuvankien.dangcongsan.vn/vb/12"
    assert f'<a href="{address}" title="{address}" rel="noopener noreferrer">Xem tại tulieuvankien' in page
    page = client.get(f"/documents/{script}").text
    assert "javascript:alert(1)" in page
    assert 'href="javascript:' not in page


def test_a_document_page_costs_the_same_queries_whatever_its_relations(client, auth, make, statements):
    make.user("hv")
    alone = make.document("1-NQ/TW", number="1")
    hub = make.document("2-NQ/TW", number="2")
    for n in range(3, 9):
        make.document(f"{n}-NQ/TW", number=str(n), relations=[("implements", hub)])
    make.document("9-NQ/TW", number="9", relations=[("amends", hub)])
    auth.login("hv")
    with statements() as few:
        assert client.get(f"/documents/{alone.id}").status_code == 200
    with statements() as many:
        page = client.get(f"/documents/{hub.id}").text
    assert page.count("Được thực hiện bởi") == 6
    assert len(many) == len(few)


def test_a_documents_source_reads_as_its_site_on_a_phone(client, auth, make, app):
    """A source address is a link named by its site ("Xem tại nghean.gov.vn"), not a URL four lines long."""
    url = ("https://www.nghean.gov.vn/chinh-tri/nghi-quyet-57-nq-tw-ve-dot-pha-phat-trien-khoa-hoc-cong-nghe-"
           "doi-moi-sang-tao-va-chuyen-doi-so-q-710625")
    document = make.document("57-NQ/TW", number="57")
    noted = make.document("60-NQ/TW", number="60")
    with app.app_context():
        db.session.get(Document, document.id).source = url
        db.session.get(Document, noted.id).source = "Lưu tại Văn phòng Tỉnh ủy"
        db.session.commit()
    make.user("hv")
    auth.login("hv")
    page = client.get(f"/documents/{document.id}").text
    assert f'<a href="{url}" title="{url}" rel="noopener noreferrer">Xem tại nghean.gov.vn</a>' in page
    assert f">{url}<" not in page
    assert "Lưu tại Văn phòng Tỉnh ủy" in client.get(f"/documents/{noted.id}").text  # a note stays as written
