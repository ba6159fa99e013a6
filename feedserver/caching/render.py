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


def is_browser():
    """Tell whether a person's browser (not a feed reader) asks for the document."""
    accept = request.accept_mimetypes
    readers = ("application/rss+xml", "application/atom+xml", "application/feed+json")
    return accept["text/html"] > 0 and not any(t in accept.values() for t in readers) \
        and "text/html" in accept.values()


def feed_response(fmt, etag, last_modified, render, max_age, headers=()):
    """Answer a feed request: 304 without rendering, else the (cached) body."""
    response = Response(status=304) if still_fresh(request.environ, etag, last_modified) else None
    if response is None:
        entry = render()
        gz = accepts_gzip()
        # Chromium shows application/rss+xml as bare text; as application/xml it
        # applies our XSL stylesheet, so people see a Korean page. Readers never ask
        # for text/html, so they keep the registered types.
        content_type = CONTENT_TYPES[fmt]
        if fmt != "json" and is_browser():
            content_type = "application/xml; charset=utf-8"
        response = Response(entry.gzipped if gz else entry.body, content_type=content_type)
        if gz:
            response.headers["Content-Encoding"] = "gzip"
    response.set_etag(etag, weak=True)  # weak: gzip and identity bodies are equivalent
    response.last_modified = last_modified
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    response.vary.add("Accept-Encoding")
    response.vary.add("Accept")
    response.headers["Access-Control-Allow-Origin"] = "*"
    for name, value in headers:
        response.headers.add(name, value)
    return response
