"""Release bodies: pasted text, Word and Hangul HTML and the editor's HTML, cleaned with nh3.

clean_body is idempotent (clean_body(clean_body(x)) == clean_body(x)): the admin shows the
stored body for editing, and saving it again stores exactly the same bytes.
"""
import re
from html import escape

import nh3

from feedserver.content.clipboard import prepare
from feedserver.content.paragraphs import structure

# Structure a press release needs; everything else (forms, media, frames) goes.
TAGS = {
    "p", "br", "hr", "div", "blockquote", "pre", "code",
    "h1", "h2", "h3", "h4", "h5", "h6",
    "strong", "b", "em", "i", "u", "s", "sub", "sup", "small", "mark",
    "ul", "ol", "li", "dl", "dt", "dd",
    "table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td",
    "a", "img", "figure", "figcaption",
}
# Removed together with their content: their text is code or fallback, never prose.
DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template",
                     "noscript", "svg", "math", "frameset", "frame", "textarea", "select",
                     "xml", "head", "title"}
# Spans carry nothing once styles are gone, so they go (their text stays); so does `lang`.
ATTRIBUTES = {
    "*": set(),
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height", "title"},
    "td": {"colspan", "rowspan", "headers"},
    "th": {"colspan", "rowspan", "headers", "scope"},
    "col": {"span", "width"}, "colgroup": {"span"},
    "ol": {"start", "type"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
# The demo board marks synthetic text with this class; keep it so exports round-trip.
CLASSES = {"p": {"sample-notice"}}
HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9:-]*(\s[^<>]*)?/?>")
# An image whose unsafe src was removed shows nothing: drop it too.
IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")
UNUSABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
STYLED = re.compile(r"\sstyle\s*=", re.IGNORECASE)
MAX_PASSES = 4
# A release's own file, as the public page serves it or as the admin shows it while editing.
OWN_FILE = re.compile(r"^(?:/admin)?(/releases/[A-Za-z0-9]{1,32}/files/[0-9]{1,10})$")
IMAGE_URL = re.compile(r"^https?://[^\s/]", re.IGNORECASE)


def looks_like_html(text):
    """Tell whether text holds HTML tags rather than plain pasted text."""
    return bool(HTML_TAG.search(text or ""))


def text_to_html(text):
    """Turn pasted plain text into paragraphs, one per non-empty line, spaces collapsed."""
    lines = (" ".join(line.split()) for line in text.replace("\r\n", "\n").split("\n"))
    return structure(escape("\n".join(lines), quote=False))


def _attribute(element, attribute, value):
    """Keep an image only from our own release files (stored without /admin) or http(s)."""
    if element == "img" and attribute == "src":
        own = OWN_FILE.match(value.strip())
        if own:
            return own.group(1)
        return value if IMAGE_URL.match(value.strip()) else None
    return value


def clean_html(html):
    """Return html without scripts, handlers, inline styles, frames or unsafe URLs."""
    cleaned = nh3.clean(
        html or "", tags=TAGS, clean_content_tags=DROP_WITH_CONTENT, attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES, allowed_classes=CLASSES, strip_comments=True,
        link_rel="noopener noreferrer", attribute_filter=_attribute,
    )
    return IMG_WITHOUT_SRC.sub("", cleaned).strip()


def clean_body(raw):
    """Return the body as stored: lines become paragraphs, clipboard styles tags, HTML cleaned."""
    # Control characters mean nothing in HTML, and lxml (paragraphs, links) refuses them.
    raw = UNUSABLE.sub("", raw or "").strip()
    if not raw:
        return ""
    if not looks_like_html(raw):
        html = text_to_html(raw)
    else:  # only Word's and Hangul's styles need reading before they go
        html = prepare(raw) if STYLED.search(raw) else raw
    html = clean_html(html)
    # Paragraphs and links change the tree the sanitiser sees: clean again until nothing moves
    # (one more pass for ordinary bodies; misnested ones like <b><li> settle in two or three).
    for _ in range(MAX_PASSES):
        settled = clean_html(structure(html))
        if settled == html:
            break
        html = settled
    return html
