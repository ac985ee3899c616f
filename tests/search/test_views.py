"""The search page: signed-in users only, safe snippets, drafts marked, a bounded number of queries."""

import sqlalchemy as sa

from lms.extensions import db


def test_the_search_box_is_in_the_navigation_with_a_label(client, auth, make):
    make.user("hocvien")
    auth.login("hocvien")
    page = client.get("/").get_data(as_text=True)
    assert '<label for="nav-search"' in page
    assert 'id="nav-search"' in page
    assert 'role="search"' in page
    assert 'action="/search"' in page


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get("/search?q=dang")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_results_show_marked_snippets_with_user_text_escaped(client, auth, make):
    make.user("hocvien")
    make.indexed_module("Học phần", lessons=[
        ("Vai trò <của> Đảng", "Ví dụ `<script>alert(1)</script>` trong bài về Đảng bộ."),
    ])
    auth.login("hocvien")
    response = client.get("/search?q=dang+bo")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Vai trò &lt;của&gt; <mark>Đảng</mark>" in page
    assert "<mark>Đảng</mark> <mark>bộ</mark>" in page
    assert "Kết quả cho «dang bo»: 1" in page


def test_drafts_are_hidden_from_trainees_and_marked_for_lecturers(client, auth, make):
    make.user("hocvien")
    make.lecturer("giangvien")
    module = make.indexed_module("Xây dựng Đảng", lessons=[("Công tác cán bộ", "Nội dung.")])
    make.indexed_revision(module, title="Xây dựng Đảng", publish=False,
                          lessons=[("Chuyển đổi số trong cơ quan Đảng", "Nội dung nháp.")])
    auth.login("hocvien")
    page = client.get("/search?q=chuyen+doi+so").get_data(as_text=True)
    assert "Chuyển đổi số trong" not in page
    assert "Bản nháp" not in page
    auth.logout()
    auth.login("giangvien")
    page = client.get("/search?q=chuyen+doi+so").get_data(as_text=True)
    assert "<mark>Chuyển</mark> <mark>đổi</mark> <mark>số</mark> trong" in page
    assert "Bản nháp" in page


def test_documents_show_issuer_date_and_status(client, auth, make):
    make.user("hocvien")
    make.indexed_document("256-QĐ/TW", kind="regulation", title="Quy định về tương đương trình độ",
                          status="stopped")
    auth.login("hocvien")
    page = client.get("/search?q=256/QĐ-TW").get_data(as_text=True)
    assert "<mark>256</mark>-<mark>QĐ</mark>/<mark>TW</mark>" in page
    assert "Bộ Chính trị, 26/05/2014" in page
    assert "Đã dừng thực hiện" in page


def test_a_page_of_many_results_costs_as_many_queries_as_a_page_of_few(app, client, auth, make, statements):
    make.user("hocvien")
    make.indexed_module("Học phần A", lessons=[(f"Nghị quyết {i}", "Nội dung về Đảng.") for i in range(3)])
    for i in range(12):
        make.indexed_document(f"{i + 1}-NQ/TW", title=f"Nghị quyết số {i + 1} về Đảng")
    make.indexed_module("Học phần B", summary="Về Đảng.", lessons=[(f"Bài {i}", "Đảng.") for i in range(12)])
    make.indexed_module("Tư tưởng Hồ Chí Minh", lessons=[("Tư tưởng Hồ Chí Minh về cán bộ", "Nội dung.")])
    make.indexed_document("05-CT/TW", kind="directive", title="Về học tập và làm theo tư tưởng Hồ Chí Minh")
    auth.login("hocvien")
    with statements() as few:  # one module, one lesson, one document
        page = client.get("/search?q=tu+tuong+ho+chi+minh").get_data(as_text=True)
        assert "Kết quả cho «tu tuong ho chi minh»: 3" in page
    with statements() as many:
        page = client.get("/search?q=dang").get_data(as_text=True)
    assert "Kết quả cho «dang»: 28" in page
    assert page.count("<mark>") >= 20
    assert len(many) == len(few) <= 8


def test_pages_link_to_each_other(client, auth, make):
    make.user("hocvien")
    make.indexed_module("Học phần", lessons=[(f"Bài {i}", "Đảng") for i in range(30)])
    auth.login("hocvien")
    first = client.get("/search?q=dang").get_data(as_text=True)
    assert "Trang 1 / 2" in first
    assert 'href="/search?q=dang&amp;page=2"' in first
    second = client.get("/search?q=dang&page=2").get_data(as_text=True)
    assert "Trang 2 / 2" in second
    assert second.count("<mark>") == 10
    assert client.get("/search?q=dang&page=abc").status_code == 200


def test_the_reindex_command_rebuilds_the_index(app, runner, make):
    make.indexed_module("Học phần", lessons=[("Bài", "Nội dung")])
    make.indexed_document("32-NQ/TW", title="Về đào tạo")
    with app.app_context():
        db.session.execute(sa.text("DELETE FROM search_terms"))
        db.session.commit()
    result = runner.invoke(args=["lms", "search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "modules 1, revisions 1, documents 1" in result.output
    again = runner.invoke(args=["lms", "search", "reindex"])
    assert again.output == result.output
    with app.app_context():
        assert db.session.scalar(sa.text("SELECT count(*) FROM search_terms WHERE term = '32nqtw'")) == 1


def test_hits_link_to_the_pages_each_user_may_open(app, client, auth, make):
    make.user("hocvien")
    make.lecturer("giangvien")
    module = make.indexed_module("Xây dựng Đảng", lessons=[("Công tác cán bộ", "Nội dung.")])
    make.indexed_revision(module, title="Xây dựng Đảng", publish=False, lessons=[("Công tác cán bộ mới", "Nháp.")])
    doc = make.indexed_document("32-NQ/TW", title="Về đào tạo cán bộ")
    with app.app_context():
        from lms.curriculum.models import Lesson, Module

        lesson_id = db.session.get(Module, module.id).published.lessons[0].id
        assert db.session.get(Lesson, lesson_id).title == "Công tác cán bộ"
    auth.login("hocvien")
    page = client.get("/search?q=can+bo").get_data(as_text=True)
    assert f'href="/lessons/{lesson_id}"' in page
    assert f'href="/documents/{doc.id}"' in page  # every signed-in user may read a document
    assert f'/author/modules/{module.id}/edit' not in page
    auth.logout()
    auth.login("giangvien")
    page = client.get("/search?q=can+bo").get_data(as_text=True)
    assert f'href="/lessons/{lesson_id}"' in page
    assert f'href="/author/modules/{module.id}/edit"' in page
    assert f'href="/documents/{doc.id}"' in page
