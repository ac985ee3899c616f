"""Menus by role and breadcrumbs on staff pages (the one-line check at 1280 px is in tests/browser)."""
from lms.accounts.models import Role


def _crumbs(html: str) -> str:
    start = html.find('<ol class="breadcrumb">')
    return html[start:html.find("</ol>", start)] if start >= 0 else ""


def test_staff_pages_have_a_breadcrumb_from_the_menu(client, auth, make):
    lecturer = make.lecturer("gv")
    module = make.module("HP-BC")
    klass = make.training_class(module=module, lecturers=[lecturer])
    auth.login("gv")
    edit = _crumbs(client.get(f"/author/modules/{module.id}/edit").text)
    assert "Giảng dạy" in edit
    assert 'href="/author/modules"' in edit
    assert "Học phần" in edit
    klass_page = _crumbs(client.get(f"/classes/{klass.id}").text)
    assert 'href="/teaching"' in klass_page
    own = _crumbs(client.get("/reviews").text)
    assert 'aria-current="page">Rà soát' in own


def test_trainee_pages_keep_their_own_breadcrumb_and_the_menu_is_grouped_by_role(client, auth, make):
    make.user("hv")
    make.user("all", roles=(Role.TRAINEE, Role.LECTURER, Role.ADMIN))
    auth.login("hv")
    home = client.get("/").text
    assert "Học tập" in home
    assert "Giảng dạy" not in home
    assert _crumbs(client.get("/my/curriculum").text) == ""
    auth.logout()
    auth.login("all")
    home = client.get("/").text
    for group in ("Học tập", "Giảng dạy", "Quản lý", "Báo cáo"):
        assert f">{group}</button>" in home
