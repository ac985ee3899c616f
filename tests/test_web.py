"""Web basics every page shares: headers, CSRF, language, error pages."""
import re
import secrets


def test_security_headers_on_every_response(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_bootstrap_is_served_from_this_server(client):
    page = client.get("/sign-in").get_data(as_text=True)
    url = re.search(r'href="(/bootstrap/static/css/bootstrap\.min\.[0-9a-f]{12}\.css)"', page).group(1)
    assert client.get(url).status_code == 200


def test_post_without_csrf_token_is_refused(client, make):
    make.user("hocvien")
    response = client.post("/sign-in", data={"username": "hocvien", "password": "secret-pass-1"}, csrf=False)
    assert response.status_code == 400
    assert "mã bảo vệ" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not signed in


def test_vietnamese_by_default_english_when_chosen(client, auth, make):
    make.user("hocvien")
    assert "Đăng nhập" in client.get("/sign-in").get_data(as_text=True)
    auth.login("hocvien")
    client.post("/language", data={"locale": "en"})
    page = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in page
    assert "Sign out" in page


def test_language_choice_is_kept_per_user(app, client, auth, make):
    make.user("hocvien")
    auth.login("hocvien")
    client.post("/language", data={"locale": "en"})
    other = app.test_client()
    other.post("/sign-in", data={"username": "hocvien", "password": "secret-pass-1"})
    assert "Sign out" in other.get("/").get_data(as_text=True)


def test_friendly_404_in_the_users_language(client):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.get_data(as_text=True)
    client.post("/language", data={"locale": "en"})
    assert "Page not found" in client.get("/khong-co-trang-nay").get_data(as_text=True)


def test_too_large_upload_gets_a_friendly_413(app, client, make):
    make.user("hocvien")
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/sign-in", data={"username": "x" * (limit + 1), "password": "y"})
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.get_data(as_text=True)


def test_friendly_500_page(app):
    from lms import create_app

    failing = create_app({**app.config, "TESTING": False, "PROPAGATE_EXCEPTIONS": False,
                          "SECRET_KEY": secrets.token_urlsafe(48)})

    @failing.route("/boom")
    def boom():
        raise RuntimeError("boom")

    response = failing.test_client().get("/boom")
    assert response.status_code == 500
    assert "Lỗi hệ thống" in response.get_data(as_text=True)


def test_links_follow_where_the_app_is_mounted_though_each_worker_remembers_them(client, auth, make):
    """Template links and Bootstrap's tags are built once per worker, for each mount point (a reverse proxy may
    serve the app under a path): the same page under /lms links under /lms, and at the root links at the root."""
    make.user("hv")
    auth.login("hv")
    at_root = client.get("/").text
    mounted = client.get("/", environ_overrides={"SCRIPT_NAME": "/lms"}).text
    again_at_root = client.get("/").text

    assert 'href="/lms/notifications/' in mounted or 'href="/lms/notifications"' in mounted
    assert 'src="/lms/bootstrap/static/' in mounted
    assert 'href="/lms/static/' in mounted
    for page in (at_root, again_at_root):
        assert 'href="/notifications' in page
        assert 'src="/bootstrap/static/' in page
        assert "/lms/" not in page
