"""Release bodies: pasted text becomes paragraphs, HTML is cleaned with nh3."""
import re
from html import escape

import nh3

# Structure a press release needs; everything else (forms, media, frames) goes.
TAGS = {
    "p", "br", "hr", "div", "span", "blockquote", "pre", "code",
    "h1", "h2", "h3", "h4", "h5", "h6",
    "strong", "b", "em", "i", "u", "s", "sub", "sup", "small", "mark",
    "ul", "ol", "li", "dl", "dt", "dd",
    "table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td",
    "a", "img", "figure", "figcaption",
}
# Removed together with their content: their text is code or fallback, never prose.
DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template",
                     "noscript", "svg", "math", "frameset", "frame", "textarea", "select"}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height", "title"},
    "td": {"colspan", "rowspan", "headers"},
    "th": {"colspan", "rowspan", "headers", "scope"},
    "col": {"span"}, "colgroup": {"span"},
    "ol": {"start", "type"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
# The demo board marks synthetic text with this class; keep it so exports round-trip.
CLASSES = {"p": {"sample-notice"}}
HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>")
# An image whose unsafe src was removed shows nothing: drop it too.
IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")


def looks_like_html(text):
    """Tell whether text holds HTML tags rather than plain pasted text."""
    return bool(HTML_TAG.search(text or ""))


def text_to_html(text):
    """Turn pasted plain text into paragraphs, one per non-empty line."""
    lines = (" ".join(line.split()) for line in text.replace("\r\n", "\n").split("\n"))
    return "\n".join(f"<p>{escape(line, quote=False)}</p>" for line in lines if line)


def clean_html(html):
    """Return html without scripts, handlers, inline styles, frames or unsafe URLs."""
    cleaned = nh3.clean(
        html or "", tags=TAGS, clean_content_tags=DROP_WITH_CONTENT, attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES, allowed_classes=CLASSES, strip_comments=True,
        link_rel="noopener noreferrer",
    )
    return IMG_WITHOUT_SRC.sub("", cleaned).strip()


def clean_body(raw):
    """Return the body as stored: plain text becomes paragraphs, HTML is cleaned."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    if not looks_like_html(raw):
        return clean_html(text_to_html(raw))
    cleaned = clean_html(raw)
    # Stored bodies always carry a tag, so the next save reads them as HTML, not text.
    return cleaned if not cleaned or looks_like_html(cleaned) else f"<p>{cleaned}</p>"
