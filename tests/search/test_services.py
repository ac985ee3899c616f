"""Search as each user sees it: Vietnamese folding, ranking, document codes, drafts, keeping the index current.

The suite runs on SQLite and PostgreSQL; exact orderings asserted here therefore hold on both.
"""
import unicodedata
from datetime import date

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.search import services
from lms.search.indexing import reindex_all
from lms.search.models import SearchTerm


def titles(page):
    return [hit.obj.title if hit.kind != "document" else hit.obj.code for hit in page.hits]


@pytest.fixture
def trainee(ctx, make):
    return make.user("hocvien")


@pytest.fixture
def lecturer(ctx, make):
    return make.lecturer("giangvien")


def test_unaccented_query_finds_accented_text_d_stroke_included(trainee, make):
    make.indexed_module("Công tác tư tưởng", lessons=[
        ("Bài mở đầu", "Nghị quyết Trung ương về xây dựng, chỉnh đốn Đảng."),
        ("Bài khác", "Kinh tế thị trường định hướng xã hội chủ nghĩa."),
    ])
    found = services.search(trainee, "nghi quyet dang")
    assert titles(found) == ["Bài mở đầu"]
    assert "<mark>Nghị</mark> <mark>quyết</mark>" in str(found.hits[0].snippet)
    assert "<mark>Đảng</mark>" in str(found.hits[0].snippet)


def test_upper_case_and_decomposed_queries_find_the_same_as_composed(trainee, make):
    make.indexed_module("Học phần", lessons=[("Việt Nam", "Những người lãnh đạo ở cơ sở")])
    for q in ("NHỮNG NGƯỜI", unicodedata.normalize("NFD", "những người"), "nhung nguoi", "Nhung Nguoi"):
        assert titles(services.search(trainee, q)) == ["Việt Nam"], q
    decomposed = services.search(trainee, unicodedata.normalize("NFD", "Những"))
    assert decomposed.query.text == "Những"  # normalised to NFC
    assert decomposed.hits[0].exact


def test_every_query_word_must_match_and_the_last_may_be_a_prefix(trainee, make):
    make.indexed_module("Học phần", lessons=[("Nghị quyết về cán bộ", "Nội dung"), ("Nghị luận", "Nội dung")])
    assert titles(services.search(trainee, "nghi quy")) == ["Nghị quyết về cán bộ"]
    assert titles(services.search(trainee, "nghi quyet dang")) == []


def test_exact_diacritics_rank_above_folded_matches_even_in_a_weaker_field(trainee, make):
    make.indexed_module("Học phần", lessons=[
        ("Đang học tập", "Nội dung bài học."),  # folded match in the title
        ("Tổ chức cơ sở", "Vai trò của Đảng ở cơ sở."),  # exact match, body only
        ("Dáng đứng", "Nội dung bài học."),
    ])
    assert titles(services.search(trainee, "Đảng")) == ["Tổ chức cơ sở", "Đang học tập", "Dáng đứng"]
    assert titles(services.search(trainee, "đang")) == ["Đang học tập", "Dáng đứng", "Tổ chức cơ sở"]
    assert titles(services.search(trainee, "dáng")) == ["Dáng đứng", "Đang học tập", "Tổ chức cơ sở"]


CODE_QUERIES = ["32-NQ/TW", "32/NQ-TW", "32 nq tw", "32NQTW", "nghi quyet 32", "Nghị quyết 32", "nq 32"]


@pytest.mark.parametrize("q", CODE_QUERIES)
def test_document_codes_are_found_however_typed(trainee, make, q):
    make.indexed_document("09-KL/TW", kind="conclusion", title="Kết luận về lý luận chính trị")
    make.indexed_document("32-NQ/TW", title="Về tiếp tục đổi mới, nâng cao chất lượng đào tạo lý luận chính trị")
    make.indexed_document("145-QĐ/TW", kind="regulation", title="Quy định về bồi dưỡng cập nhật kiến thức")
    make.indexed_module("Học phần", lessons=[("Bối cảnh", "Tinh thần Nghị quyết 32-NQ/TW ngày 26/5/2014.")])
    found = services.search(trainee, q)
    assert found.hits[0].obj.code == "32-NQ/TW"
    assert "09-KL/TW" not in titles(found)
    assert "145-QĐ/TW" not in titles(found)


def test_state_document_codes_with_d_stroke(trainee, make):
    make.indexed_document("145-QĐ/TW", kind="regulation", title="Quy định về bồi dưỡng")
    for q in ("145-QĐ/TW", "145 qd tw", "145/qđ-tw", "quy dinh 145"):
        assert titles(services.search(trainee, q)) == ["145-QĐ/TW"], q


def _module_with_draft(make):
    module = make.indexed_module("Xây dựng Đảng", lessons=[("Công tác cán bộ", "Đánh giá cán bộ.")])
    make.indexed_revision(module, title="Xây dựng Đảng (cập nhật)", publish=False,
                          lessons=[("Công tác cán bộ", "Đánh giá cán bộ."), ("Chuyển đổi số", "Dữ liệu số.")])
    make.indexed_module("Học phần chưa xuất bản", lessons=[("Chuyển đổi số ở xã", "Nháp.")], published=False)
    return module


def test_trainees_never_see_drafts(trainee, make):
    _module_with_draft(make)
    assert services.search(trainee, "chuyen doi so").hits == []
    found = services.search(trainee, "can bo")
    assert [(h.kind, h.draft, h.obj.title) for h in found.hits] == [("lesson", False, "Công tác cán bộ")]
    assert titles(services.search(trainee, "xay dung dang")) == ["Xây dựng Đảng"]


def test_lecturers_and_admins_also_find_drafts_marked_as_such(lecturer, make):
    _module_with_draft(make)
    admin = make.admin("quantri")
    for user in (lecturer, admin):
        found = services.search(user, "chuyen doi so")
        assert sorted((h.obj.title, h.draft) for h in found.hits) == [
            ("Chuyển đổi số", True), ("Chuyển đổi số ở xã", True)]
        both = services.search(user, "can bo")
        assert [(h.obj.title, h.draft) for h in both.hits] == [("Công tác cán bộ", False), ("Công tác cán bộ", True)]


def test_editing_a_draft_updates_what_lecturers_find(lecturer, make):
    module = make.indexed_module("Học phần", lessons=[("Bài một", "Nội dung.")])
    draft = make.indexed_revision(module, title="Học phần", publish=False, lessons=[("Bài một", "Nội dung.")])
    draft.lessons[0].title = "Kinh tế tập thể"
    db.session.flush()
    assert [(h.obj.title, h.draft) for h in services.search(lecturer, "kinh te tap the").hits] == [
        ("Kinh tế tập thể", True)]
    db.session.delete(draft)
    db.session.flush()
    assert services.search(lecturer, "kinh te tap the").hits == []


def test_the_index_follows_a_newly_published_revision(trainee, make):
    module = make.indexed_module("Kinh tế", lessons=[("Kinh tế thị trường", "Cơ chế thị trường.")])
    assert titles(services.search(trainee, "thi truong")) == ["Kinh tế thị trường"]
    make.indexed_revision(module, title="Kinh tế (2025)", lessons=[("Kinh tế số", "Chuyển đổi số.")])
    assert services.search(trainee, "thi truong").hits == []
    found = services.search(trainee, "kinh te so")
    assert [(h.kind, h.obj.title, h.obj.revision.number) for h in found.hits] == [("lesson", "Kinh tế số", 2)]
    assert titles(services.search(trainee, "kinh te 2025")) == ["Kinh tế (2025)"]


def test_a_registered_document_is_found_at_once(trainee, make):
    assert services.search(trainee, "60-NQ/TW").hits == []
    make.indexed_document("60-NQ/TW", title="Về sắp xếp tổ chức bộ máy, chính quyền địa phương hai cấp")
    assert titles(services.search(trainee, "chinh quyen hai cap")) == ["60-NQ/TW"]


def test_ranking_is_a_total_order_the_same_on_both_databases(trainee, make):
    make.indexed_document("164-QĐ/TW", kind="regulation", title="Quy định chế độ bồi dưỡng cập nhật kiến thức")
    make.indexed_module("Bồi dưỡng cập nhật kiến thức", summary="Bồi dưỡng cán bộ lãnh đạo.", lessons=[
        ("Kiến thức quốc phòng", "Bồi dưỡng kiến thức quốc phòng, an ninh."),
        ("Bồi dưỡng kiến thức mới", "Cập nhật kiến thức, bồi dưỡng, bồi dưỡng."),
        ("Kỹ năng", "Boi duong kien thuc."),  # unaccented text: an exact match for an unaccented query
    ])
    # Where the whole phrase stands first (by its weight: in a title, then in a body), then the words
    # scattered (a module's title and summary before a document's title).
    assert titles(services.search(trainee, "bồi dưỡng kiến thức")) == [
        "Bồi dưỡng kiến thức mới", "Kiến thức quốc phòng", "Kỹ năng", "Bồi dưỡng cập nhật kiến thức", "164-QĐ/TW"]
    assert titles(services.search(trainee, "boi duong kien thuc")) == [
        "Bồi dưỡng kiến thức mới", "Kiến thức quốc phòng", "Kỹ năng", "Bồi dưỡng cập nhật kiến thức", "164-QĐ/TW"]


def test_results_are_paginated_without_gaps_or_repeats(trainee, make):
    make.indexed_module("Học phần", lessons=[(f"Bài {i:02d}", "Xây dựng Đảng " * (i % 4 + 1)) for i in range(25)])
    pages = [services.search(trainee, "dang", page=p, per_page=10) for p in (1, 2, 3)]
    assert [len(p.hits) for p in pages] == [10, 10, 5]
    assert {p.total for p in pages} == {25}
    assert pages[0].pages == 3
    seen = [h.obj.id for p in pages for h in p.hits]
    assert len(set(seen)) == 25
    beyond = services.search(trainee, "dang", page=9, per_page=10)
    assert (beyond.page, beyond.total, [h.obj.id for h in beyond.hits]) == (3, 25, seen[20:])


def test_empty_or_punctuation_only_queries_find_nothing(trainee, make):
    make.indexed_module("Học phần", lessons=[("Bài", "Nội dung")])
    for q in ("", "   ", "%_ -/ ", None):
        assert services.search(trainee, q).hits == []


def test_reindex_is_idempotent_and_matches_the_maintained_index(ctx, make):
    _module_with_draft(make)
    make.indexed_document("32-NQ/TW", title="Về đổi mới đào tạo lý luận chính trị")

    def rows():
        columns = [c for c in SearchTerm.__table__.c if c.name != "id"]
        return sorted(db.session.execute(sa.select(*columns)).all())

    maintained = rows()
    assert maintained
    first = reindex_all(db.session)
    assert rows() == maintained
    assert reindex_all(db.session) == first
    assert rows() == maintained
    assert first["modules"] == 2
    assert first["documents"] == 1
    assert first["revisions"] == 3


def test_prefixes_ending_in_9_or_z_match_too(trainee, make):
    make.indexed_document("19-CT/TW", kind="directive", title="Về công tác cán bộ")
    make.indexed_document("199-QĐ/TW", kind="regulation", title="Quy định thi hành Điều lệ Đảng")
    make.indexed_module("Học phần", lessons=[("Xây dựng Đảng vững mạnh", "Nội dung.")])
    assert titles(services.search(trainee, "quy dinh 19")) == ["199-QĐ/TW"]
    assert titles(services.search(trainee, "chi thi 19")) == ["19-CT/TW"]
    assert titles(services.search(trainee, "dang vu")) == ["Xây dựng Đảng vững mạnh"]
    assert titles(services.search(trainee, "xay dung dang vz")) == []


def test_an_edited_document_is_found_by_its_new_title(trainee, make):
    from lms.documents.models import Document

    doc = make.indexed_document("09-KL/TW", kind="conclusion", title="Kết luận về tương đương trình độ")
    db.session.get(Document, doc.id).title = "Kết luận dừng thực hiện Quy định 256"
    db.session.flush()
    assert services.search(trainee, "tuong duong").hits == []
    assert titles(services.search(trainee, "dung thuc hien 256")) == ["09-KL/TW"]


def test_the_curriculum_services_keep_the_index_current(trainee, lecturer, make):
    from lms.curriculum import services as curriculum

    module = curriculum.create_module(None, code="DCS", kind="self_study", title="Dân chủ ở cơ sở")
    draft = curriculum.get_or_create_draft(None, module)
    curriculum.save_draft(None, draft, lock_version=draft.lock_version, title="Dân chủ ở cơ sở", summary_md="",
                          lessons=[{"title": "Quy chế dân chủ", "body_md": "Dân biết, dân bàn, dân làm.",
                                    "minutes": 20}], document_ids=[])
    assert services.search(trainee, "dan ban").hits == []
    assert [(h.obj.title, h.draft) for h in services.search(lecturer, "dan ban").hits] == [("Quy chế dân chủ", True)]

    curriculum.publish(None, draft, change_summary="Bản đầu tiên")
    assert [(h.obj.title, h.draft) for h in services.search(trainee, "dan ban").hits] == [("Quy chế dân chủ", False)]

    draft = curriculum.get_or_create_draft(None, module)
    curriculum.save_draft(None, draft, lock_version=draft.lock_version, title="Dân chủ ở cơ sở", summary_md="",
                          lessons=[{"title": "Quy chế dân chủ", "body_md": "Dân biết, dân bàn, dân làm, dân kiểm tra, "
                                    "dân giám sát, dân thụ hưởng.", "minutes": 20}], document_ids=[])
    assert services.search(trainee, "dan thu huong").hits == []
    assert [h.draft for h in services.search(lecturer, "dan thu huong").hits] == [True]
    assert [h.draft for h in services.search(lecturer, "dan ban").hits] == [False, True]


def test_documents_registered_through_the_registry_are_found(trainee, make):
    from lms.documents import services as documents

    documents.register_document(None, code="09-KL/TW", kind="conclusion", number="09", issuer="Ban Bí thư",
                                issued_on=date(2021, 7, 9), title="Kết luận về tương đương trình độ lý luận chính trị")
    for q in ("09-KL/TW", "09 kl tw", "ket luan 09", "tuong duong trinh do"):
        assert titles(services.search(trainee, q)) == ["09-KL/TW"], q


def test_very_long_words_are_matched_as_the_index_stores_them(trainee, make):
    word = "Chủnghĩa" * 12  # 96 letters: tokens are kept to their first 64
    make.indexed_module("Học phần", lessons=[("Bài dài", f"Từ {word} trong bài.")])
    assert titles(services.search(trainee, word)) == ["Bài dài"]


@pytest.fixture
def indexed(monkeypatch):
    """What the index rebuilds, in order: ("module", id) and ("document", id)."""
    from lms.search import indexing

    calls = []
    for kind in ("module", "document"):
        real = getattr(indexing, f"index_{kind}")

        def spy(conn, object_id, real=real, kind=kind):
            calls.append((kind, object_id))
            return real(conn, object_id)

        monkeypatch.setattr(indexing, f"index_{kind}", spy)
    return calls


def test_a_publish_indexes_its_module_once(trainee, make, indexed):
    from lms.curriculum import services as curriculum

    module = curriculum.create_module(None, code="DCS", kind="self_study", title="Dân chủ ở cơ sở")
    draft = curriculum.get_or_create_draft(None, module)
    curriculum.save_draft(None, draft, lock_version=draft.lock_version, title="Dân chủ ở cơ sở", summary_md="",
                          lessons=[{"title": "Quy chế dân chủ", "body_md": "Dân biết, dân bàn.", "minutes": 20}],
                          document_ids=[])
    db.session.flush()
    indexed.clear()
    curriculum.publish(None, draft, change_summary="Bản đầu tiên")
    assert indexed == [("module", module.id)]
    assert titles(services.search(trainee, "dan ban")) == ["Quy chế dân chủ"]


def test_registering_a_document_indexes_it_once(trainee, indexed):
    from lms.documents import services as documents

    document = documents.register_document(None, code="09-KL/TW", kind="conclusion", number="09",
                                           issuer="Ban Bí thư", issued_on=date(2021, 7, 9), title="Kết luận")
    assert indexed == [("document", document.id)]
