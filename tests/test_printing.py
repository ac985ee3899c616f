"""Printed papers: a template becomes an A4 PDF whose text can be read back, from local files only."""
from __future__ import annotations

import pytest
from flask import render_template_string

from lms.printing import A4_POINTS, PrintingError, pdf_response, render_pdf
from tests.pdfs import page_sizes, page_texts, qr_codes

PAPER = """{% extends "printing/paper.html" %}
{% block title %}Danh sách lớp{% endblock %}
{% block head %}<link rel="stylesheet" href="{{ stylesheet }}">{% endblock %}
{% block paper %}<h1>DANH SÁCH HỌC VIÊN</h1><p>Đồng chí Nguyễn Thị Hường, xã Hướng Hóa, tỉnh Quảng Trị</p>
{{ qr|safe }}{% endblock %}"""


def _paper(app, stylesheet: str | None = None, qr: str = "") -> bytes:
    from flask import url_for

    with app.test_request_context():
        html = render_template_string(PAPER, stylesheet=stylesheet or url_for("static", filename="css/paper.css"),
                                      qr=qr)
        return render_pdf(html)


def test_a_paper_is_an_a4_pdf_whose_vietnamese_text_reads_back(app):
    pdf = _paper(app)

    assert page_sizes(pdf) == [tuple(round(side, 1) for side in A4_POINTS)]
    text = page_texts(pdf)[0]
    assert "DANH SÁCH HỌC VIÊN" in text
    assert "Đồng chí Nguyễn Thị Hường, xã Hướng Hóa, tỉnh Quảng Trị" in text


def test_a_qr_code_drawn_on_the_paper_decodes_from_the_pdf(app):
    from lms.qr import qr_svg

    pdf = _paper(app, qr=qr_svg("http://localhost/verify/abc", title="QR"))

    assert qr_codes(pdf) == ["http://localhost/verify/abc"]


def test_stylesheets_are_read_from_the_fingerprinted_static_files(app):
    with app.test_request_context():
        from flask import url_for

        fingerprinted = url_for("static", filename="css/paper.css")
    assert fingerprinted != "/static/css/paper.css"

    assert page_texts(_paper(app, stylesheet=fingerprinted))[0]


@pytest.mark.parametrize("address", ["https://cdn.example.org/paper.css", "/static/css/no-such-file.css",
                                     "/static/../lms/config.py", "file:///etc/passwd"])
def test_anything_but_a_local_static_file_stops_the_printing(app, address):
    """No request leaves the machine (closed intranets), and a missing stylesheet is not printed around."""
    with pytest.raises(PrintingError):
        _paper(app, stylesheet=address)


def test_the_pdf_is_offered_as_a_download(app):
    with app.test_request_context():
        response = pdf_response(b"%PDF-1.7", "giay-chung-nhan.pdf")

    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="giay-chung-nhan.pdf"'
