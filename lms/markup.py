"""The one path from user-written Markdown to HTML: markdown, then bleach with an allow-list.

Content is rendered once, when a revision or submission is saved, and the sanitised HTML is stored.
Templates show stored HTML through the `|trusted_html` filter, never `|safe` on raw user text.
"""
from __future__ import annotations

from functools import partial
from urllib.parse import urlsplit

import bleach
import markdown as md
from bleach.linkifier import LinkifyFilter
from markupsafe import Markup

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "del", "ins",
    "sub", "sup", "mark", "small", "abbr", "blockquote", "q", "cite", "ul", "ol", "li", "dl", "dt", "dd",
    "code", "pre", "kbd", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "a", "img",
    "figure", "figcaption", "span", "div",
})
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "rel"],
    "img": ["src", "alt", "title", "width", "height"],
    "abbr": ["title"],
    "th": ["scope", "colspan", "rowspan", "align"],
    "td": ["colspan", "rowspan", "align"],
    "ol": ["start"],
    "code": ["class"],
    "div": ["class"],
    "span": ["class"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
# Images only from the project's own storage.
IMAGE_PREFIXES = ("/static/", "/media/")
EXTENSIONS = ["tables", "fenced_code", "sane_lists", "def_list", "abbr", "footnotes"]


def _filter_img_src(value: str) -> bool:
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc and value.startswith(IMAGE_PREFIXES)


def _attribute_allowed(tag: str, name: str, value: str) -> bool:
    if tag == "img" and name == "src":
        return _filter_img_src(value)
    if name == "class":
        return all(c.startswith(("language-", "footnote", "footnote-ref", "footnote-backref")) for c in value.split())
    return name in ALLOWED_ATTRIBUTES.get(tag, ())


def _link_rel(attrs, new=False):
    if (None, "href") in attrs:
        attrs[(None, "rel")] = "noopener noreferrer"
    return attrs


_CLEANER = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=_attribute_allowed,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    # Every link, written or bare, gets rel="noopener noreferrer".
    filters=[partial(LinkifyFilter, callbacks=[_link_rel], skip_tags=["pre", "code"], parse_email=False)],
)


def render_markdown(text: str | None) -> str:
    """Markdown to sanitised HTML (a plain str, ready to store)."""
    html = md.markdown(text or "", extensions=EXTENSIONS, output_format="html")
    return _CLEANER.clean(html)


def trusted_html(stored: str | None) -> Markup:
    """Mark HTML that came out of render_markdown (and was stored) as safe to show."""
    return Markup(stored or "")


def register(app) -> None:
    app.add_template_filter(trusted_html, "trusted_html")
    app.add_template_filter(lambda text: Markup(render_markdown(text)), "markdown")
