"""User Markdown becomes safe HTML: none of these vectors survive render_markdown, which every save uses."""
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from lms.markup import ALLOWED_TAGS, render_markdown

VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=/static/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<img src=x onerror=alert(1)>",
    "<img src=/static/a.png onerror=alert(1)>",
    '<IMG SRC="javascript:alert(1)">',
    "<img src=\"jav&#x09;ascript:alert(1)\">",
    "<svg onload=alert(1)><circle r=10></circle></svg>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="  javascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="DATA:text/html,<script>alert(1)</script>">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="VbScRiPt:msgbox(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    "[click](vbscript:msgbox(1))",
    "[click]( javascript:alert(1) )",
    "[a][ref]\n\n[ref]: javascript:alert(1)",
    "![x](javascript:alert(1))",
    "![x](https://evil.example/track.png)",
    "![x](//evil.example/track.png)",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    '![x](/static/a.png" onerror="alert(1))',
    '![x](/media/a.png "title" onload="alert(1)")',
    "<p style=\"background:url(javascript:alert(1))\">x</p>",
    '<div style="position:fixed;top:0">x</div>',
    "<style>body{display:none}</style>",
    '<span style="color:red">x</span>',
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="x.swf"></object>',
    '<embed src="x.swf">',
    '<form action="/sign-out" method="post"><input type="submit" value="go"></form>',
    '<input autofocus onfocus=alert(1)>',
    '<button formaction="javascript:alert(1)">x</button>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<base href="https://evil.example/">',
    "<!-- <script>alert(1)</script> -->",
    "<!--[if IE]><script>alert(1)</script><![endif]-->",
    '<a href="/x" onclick="alert(1)" onmouseover="alert(1)">x</a>',
    '<details open ontoggle=alert(1)>',
    '<video><source onerror="alert(1)"></video>',
    '<audio src=x onerror=alert(1)>',
    '<body onload=alert(1)>',
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    '<td onclick="alert(1)">x</td>',
    '<a href="https://example.org" target="_blank" rel="opener">x</a>',
    "<img src=/static/a.png srcset=\"https://evil.example/a.png 2x\">",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "<code class=\"x onload\" onclick=alert(1)>x</code>",
    '<abbr title="x" onmouseover=alert(1)>x</abbr>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><script>alert(1)</script></template>",
    '<a href="\x01javascript:alert(1)">x</a>',
    "<<script>script>alert(1)<</script>/script>",
]

SAFE_SCHEMES = {"http", "https", "mailto", ""}


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.comments = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_comment(self, data):
        self.comments.append(data)


def _problems(html: str) -> list[str]:
    parser = _Collector()
    parser.feed(html)
    problems = [f"comment {c!r}" for c in parser.comments]
    for tag, attrs in parser.tags:
        if tag not in ALLOWED_TAGS:
            problems.append(f"tag <{tag}>")
        for name, value in attrs.items():
            value = value or ""
            if name.startswith("on") or name in ("style", "srcset", "formaction", "background", "target"):
                problems.append(f"attribute {name} on <{tag}>")
            if name == "href":
                scheme = urlsplit(value.strip()).scheme.lower()
                if scheme not in SAFE_SCHEMES or ":" in value.split("/")[0] and scheme not in SAFE_SCHEMES:
                    problems.append(f"href {value!r}")
            if name == "src" and not (value.startswith(("/static/", "/media/")) and "//" not in value):
                problems.append(f"img src {value!r}")
        if tag == "a" and "href" in attrs and attrs.get("rel") != "noopener noreferrer":
            problems.append(f"link without rel=noopener noreferrer: {attrs}")
    lowered = html.lower()
    for raw in ("<script", "<iframe", "<object", "<embed", "<form", "<input", "<meta", "<style", "<svg", "<link",
                "<base", "javascript:", "vbscript:", "data:text"):
        # Escaped as text (&lt;script) is harmless; only markup or an attribute value would be a problem.
        if raw in lowered:
            problems.append(f"raw {raw}")
    return problems


@pytest.mark.parametrize("vector", VECTORS)
def test_no_vector_survives(vector):
    html = render_markdown(vector)
    assert _problems(html) == [], html


def test_the_checker_itself_catches_dangerous_html():
    assert _problems('<a href="javascript:alert(1)">x</a>')
    assert _problems('<img src="https://evil.example/x.png">')
    assert _problems("<p onclick=x>y</p>")
    assert _problems('<a href="/x">no rel</a>')


def test_links_get_noopener_noreferrer_and_bare_urls_become_links():
    html = render_markdown("[Cổng](https://dangcongsan.vn) và https://chinhphu.vn")
    assert html.count('rel="noopener noreferrer"') == 2
    assert 'href="https://dangcongsan.vn"' in html


def test_images_only_from_our_own_storage():
    assert '<img alt="sơ đồ" src="/static/img/so-do.png">' in render_markdown("![sơ đồ](/static/img/so-do.png)")
    assert 'src="/media/' in render_markdown("![ảnh](/media/2025/anh.jpg)")
    assert "src" not in render_markdown("![ảnh](https://example.org/anh.jpg)")


def test_the_allowed_markdown_still_works():
    html = render_markdown(
        "## Mục tiêu\n\n- một\n- **hai**\n\n> trích\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\n`mã`\n\n1. x\n2. y"
    )
    for piece in ("<h2>Mục tiêu</h2>", "<li><strong>hai</strong></li>", "<blockquote>", "<table>", "<th>A</th>",
                  "<td>2</td>", "<code>mã</code>", "<ol>"):
        assert piece in html
