"""Printed papers (certificates, rosters, attendance sheets): an HTML page rendered to an A4 PDF by WeasyPrint.

The page is an ordinary template, usually extending `printing/paper.html` (A4, no navigation, the serif
font stack of `css/paper.css`), so the browser's print dialog and the PDF download show the same paper.

Everything the page links to is read from this installation's own static files (by their plain or
fingerprinted name) or from `data:` URLs; any other address stops the rendering with `PrintingError`, so a
PDF never waits on the network (deployments are often on closed intranets) and never leaks a request.
Fonts are the system's (fontconfig): Debian's `fonts-dejavu-core` covers Vietnamese, and WeasyPrint needs
Pango (`libpango-1.0-0`, `libpangoft2-1.0-0`, `libharfbuzz-subset0`); README's set-up names them.
"""
from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Response, current_app

# WeasyPrint logs each of its steps at INFO: ten lines per paper that tell an operator nothing.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

A4_POINTS = (595.28, 841.89)  # 210 × 297 mm at 72 points per inch


class PrintingError(RuntimeError):
    """The page asked for something that cannot be printed from local files."""


def _static_roots() -> list[Path]:
    """Where a static URL's file lies: the fingerprinted build (lms.assets) first, then the sources."""
    roots = []
    build = current_app.extensions.get("lms.assets")
    if build is not None:
        roots.append(Path(build) / "static")
    roots.append(Path(current_app.static_folder))
    return roots


def _local_fetcher():
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    prefix = f"{current_app.static_url_path.rstrip('/')}/"
    roots = _static_roots()

    class LocalFiles(URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols=("data",), fail_on_errors=True)

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = unquote(urlsplit(url).path)
            if path.startswith(prefix):
                name = path.removeprefix(prefix)
                for root in roots:
                    file = (root / name).resolve()
                    if file.is_relative_to(root.resolve()) and file.is_file():
                        return URLFetcherResponse(url, file.read_bytes(), {"Content-Type": _mime_type(name)})
            raise FatalURLFetchingError(f"not a local static file: {url}")

    return LocalFiles()


def _mime_type(name: str) -> str:
    import mimetypes

    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def render_pdf(html: str) -> bytes:
    """The HTML page as PDF bytes (inside an app context); links resolve against `LMS_BASE_URL`."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    base_url = current_app.config["LMS_BASE_URL"].rstrip("/") + "/"
    try:
        return HTML(string=html, base_url=base_url, url_fetcher=_local_fetcher()).write_pdf()
    except FatalURLFetchingError as refused:
        raise PrintingError(f"{refused}: {refused.__cause__}") from None


def pdf_response(pdf: bytes, filename: str) -> Response:
    """A PDF download; the name should be plain ASCII (browsers differ on the rest)."""
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
