"""A bare Flask app rendering one Jinja template of a given size: the yardstick for the lesson page.

Served by gunicorn from bench/throughput.py with BENCH_BARE_BYTES set to the size of the lesson page.
"""
from __future__ import annotations

import os

from flask import Flask

TEMPLATE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main><h1>{{ title }}</h1>
{% for paragraph in paragraphs %}<p>{{ paragraph }}</p>
{% endfor %}</main></body></html>
"""
SENTENCE = ("Nội dung bài học về quan điểm, đường lối của Đảng, chính sách, pháp luật của Nhà nước "
            "và liên hệ thực tiễn ở địa phương. ")


def _paragraphs(size: int) -> list[str]:
    """Paragraphs whose rendered page is `size` bytes long (UTF-8), give or take a few bytes."""
    frame = len(TEMPLATE.replace("{{ title }}", "Bài học").encode()) * 1
    paragraphs, used = [], frame
    while used < size:
        text = SENTENCE * 4
        room = size - used - len("<p></p>\n")
        encoded = text.encode()
        if len(encoded) > room:
            text = encoded[:max(room, 0)].decode("utf-8", "ignore")
        paragraphs.append(text)
        used += len(text.encode()) + len("<p></p>\n")
    return paragraphs


app = Flask(__name__)
_template = app.jinja_env.from_string(TEMPLATE)
_context = {"title": "Bài học", "paragraphs": _paragraphs(int(os.environ.get("BENCH_BARE_BYTES", "20000")))}


@app.route("/page")
def page():
    return _template.render(**_context)
