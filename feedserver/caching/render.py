"""Rendered-document cache and conditional HTTP responses for feeds."""
import gzip
from dataclasses import dataclass

from flask import Response, request

from feedserver.caching.lru import ByteLRU
from feedserver.caching.validators import still_fresh

CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}
# What a feed response depends on besides the URL: every cache in front keeps these apart.
VARY = ("Accept-Encoding", "Accept", "Sec-Fetch-Dest", "Sec-Fetch-Mode")


@dataclass(frozen=True)
class Rendered:
    body: bytes
    gzipped: bytes


class RenderCache(ByteLRU):
    """Rendered documents with their gzip form, bounded by the bytes of both."""

    def put(self, key, body):
        """Store a body (and its gzip form, made once) under key; return the entry."""
        # mtime=0 keeps the gzip bytes identical for identical content.
        entry = Rendered(body, gzip.compress(body, compresslevel=6, mtime=0))
        self.keep(key, entry, len(entry.body) + len(entry.gzipped))
        return entry


def accepts_gzip():
    """Tell whether the client accepts gzip (q=0 means no)."""
    return request.accept_encodings["gzip"] > 0


def is_navigation(environ):
    """Tell whether a browser navigates to the URL (a person clicked a link or typed it).

    Fetch Metadata says so exactly: readers, fetch() and <link> prefetches send no
    `Sec-Fetch-Mode: navigate` with `Sec-Fetch-Dest: document`. nginx forwards just this
    (deploy/nginx.conf) and keys its cache on it; the fast path keys on it too.
    """
    return (environ.get("HTTP_SEC_FETCH_MODE") == "navigate"
            and environ.get("HTTP_SEC_FETCH_DEST") == "document")


def is_browser():
    """Tell whether an older browser (no Fetch Metadata) asks for the document: it gets XSL.

    Browsers that navigate with Sec-Fetch-* get the HTML page instead (feed_response); this
    Accept test is for those that still apply feed.xsl. Readers never ask for text/html.
    """
    accept = request.accept_mimetypes
    readers = ("application/rss+xml", "application/atom+xml", "application/feed+json")
    return accept["text/html"] > 0 and not any(t in accept.values() for t in readers) \
        and "text/html" in accept.values()


def feed_response(fmt, etag, last_modified, render, max_age, headers=(), page=None):
    """Answer a feed request: 304 without rendering, else the (cached) body.

    page: when given, a browser navigation gets the Korean HTML page it renders (a
    Rendered entry) under its own ETag; everyone else gets the feed bytes as before.
    """
    html = page is not None and is_navigation(request.environ)
    if html:
        etag, render = f"{etag}-html", page
    response = Response(status=304) if still_fresh(request.environ, etag, last_modified) else None
    if response is None:
        entry = render()
        gz = accepts_gzip()
        response = Response(entry.gzipped if gz else entry.body, content_type=_content_type(fmt, html))
        if gz:
            response.headers["Content-Encoding"] = "gzip"
    response.set_etag(etag, weak=True)  # weak: gzip and identity bodies are equivalent
    response.last_modified = last_modified
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    for name in VARY:
        response.vary.add(name)
    response.headers["Access-Control-Allow-Origin"] = "*"
    for name, value in headers:
        response.headers.add(name, value)
    return response


def _content_type(fmt, html):
    if html:
        return "text/html; charset=utf-8"
    # Older browsers show application/rss+xml as bare text; as application/xml they
    # apply our XSL stylesheet. Readers never ask for text/html: they keep the registered types.
    if fmt != "json" and is_browser():
        return "application/xml; charset=utf-8"
    return CONTENT_TYPES[fmt]
