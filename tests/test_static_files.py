"""Static files for a phone on a slow link: fingerprinted, precompressed, cached for a year, served before
Flask (no session, no database); pages compressed too; signed-in pages never cached."""
from __future__ import annotations

import gzip
import re

import brotli

from lms.assets import build_assets, hashed_name, signature
from lms.config import ROOT

LINKED = re.compile(r'(?:href|src)="(/(?:bootstrap/)?static/[^"]+)"')
YEAR = "public, max-age=31536000, immutable"


def linked_static_urls(client) -> list[str]:
    return LINKED.findall(client.get("/sign-in").get_data(as_text=True))


def test_pages_link_fingerprinted_names_of_our_files_and_bootstraps(client):
    urls = linked_static_urls(client)
    assert any(re.fullmatch(r"/static/css/app\.[0-9a-f]{12}\.css", u) for u in urls), urls
    assert any(re.fullmatch(r"/bootstrap/static/css/bootstrap\.min\.[0-9a-f]{12}\.css", u) for u in urls), urls
    assert any(re.fullmatch(r"/bootstrap/static/js/bootstrap\.min\.[0-9a-f]{12}\.js", u) for u in urls), urls


def test_a_fingerprinted_file_is_cached_for_a_year_and_sent_compressed(client):
    url = next(u for u in linked_static_urls(client) if "/static/css/app." in u)
    source = (ROOT / "static" / "css" / "app.css").read_bytes()

    as_brotli = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert as_brotli.status_code == 200
    assert as_brotli.headers["Cache-Control"] == YEAR
    assert as_brotli.headers["Content-Encoding"] == "br"
    assert brotli.decompress(as_brotli.get_data()) == source

    as_gzip = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert as_gzip.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(as_gzip.get_data()) == source

    plain = client.get(url)
    assert "Content-Encoding" not in plain.headers
    assert plain.get_data() == source


def test_bootstrap_is_compressed_to_a_fraction(client):
    url = next(u for u in linked_static_urls(client) if "bootstrap.min." in u and u.endswith(".css"))
    response = client.get(url, headers={"Accept-Encoding": "br"})
    assert response.headers["Cache-Control"] == YEAR
    assert int(response.headers["Content-Length"]) < 40_000  # 232 KB uncompressed


def test_static_files_reach_neither_session_nor_database(client, auth, make, statements):
    make.user("hocvien")
    auth.login("hocvien")
    urls = linked_static_urls(client)
    with statements() as seen:
        responses = [client.get(url) for url in urls]
    assert seen == []
    for response in responses:
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
        assert "no-store" not in response.headers["Cache-Control"]
        assert response.headers["Cache-Control"] == YEAR


def test_unfingerprinted_name_is_still_served_but_cached_briefly(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=60"


def test_pages_are_compressed_and_signed_in_pages_are_not_stored(client, auth, make):
    make.user("hocvien")
    signed_out = client.get("/sign-in", headers={"Accept-Encoding": "br, gzip"})
    assert signed_out.headers["Content-Encoding"] == "br"
    assert "Đăng nhập" in brotli.decompress(signed_out.get_data()).decode()
    assert "Accept-Encoding" in signed_out.headers["Vary"]

    auth.login("hocvien")
    page = client.get("/my/curriculum", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200
    assert page.headers["Content-Encoding"] == "gzip"
    assert page.headers["Cache-Control"] == "no-store"
    assert "</html>" in gzip.decompress(page.get_data()).decode()


def test_a_streamed_csv_download_keeps_streaming_uncompressed(client, auth, make):
    unit = make.unit("Tỉnh ủy Hà Tĩnh")
    make.admin("tinh.admin", scope=unit)
    auth.login("tinh.admin")
    response = client.get("/dashboards/people.csv", headers={"Accept-Encoding": "br, gzip"})
    assert response.status_code == 200
    assert response.is_streamed
    assert "Content-Encoding" not in response.headers
    assert response.get_data().startswith(b"\xef\xbb\xbf")


def test_a_build_names_files_by_content_and_a_changed_file_gives_a_new_build(tmp_path):
    source = tmp_path / "src"
    (source / "css").mkdir(parents=True)
    (source / "css" / "site.css").write_text("body { color: #111; }\n" * 50)
    sources = {"static": (source, ["css/site.css"])}
    first = signature(sources)
    manifest = build_assets(sources, tmp_path / "out" / first)

    hashed = manifest["static"]["css/site.css"]
    assert hashed == hashed_name("css/site.css", (source / "css" / "site.css").read_bytes())
    assert re.fullmatch(r"css/site\.[0-9a-f]{12}\.css", hashed)
    built = tmp_path / "out" / first / "static"
    assert (built / hashed).read_bytes() == (source / "css" / "site.css").read_bytes()
    assert (built / (hashed + ".br")).exists()
    assert (built / (hashed + ".gz")).exists()

    (source / "css" / "site.css").write_text("body { color: #222; }\n" * 50)
    assert signature(sources) != first
    again = build_assets(sources, tmp_path / "out" / signature(sources))
    assert again["static"]["css/site.css"] != hashed
