"""A validated response cache in front of Flask for plain subscription-feed polls.

Readers poll /feeds/all.rss and /feeds/category/<slug>.atom around the clock. Flask
renders each once per data state; later polls are answered here from the stored
response after one query confirms the state is unchanged (on SQLite, while the file
reports no commit, none: statememo.py), so every instance stays coherent with the
database while skipping Flask's per-request machinery.
"""
import re
from typing import NamedTuple

from flask import request

from feedserver.caching.lru import ByteLRU
from feedserver.caching.render import is_navigation
from feedserver.caching.statememo import remember
from feedserver.caching.validators import BODY_HEADERS, still_fresh
from feedserver.db import database, is_sqlite
from feedserver.models import utcnow
from feedserver.observability import metrics
from feedserver.syndication.source import Scope, category_state, feed_state

FEED_PATH = re.compile(r"^/feeds/(?:all|category/([A-Za-z0-9_-]{1,64}))\.(?:rss|atom|json)$")
TOKEN_KEY = "feedserver.feed_token"
STATE_KEY = "feedserver.feed_state"
MAX_BYTES = 8 * 1024 * 1024  # per worker
# What an entry costs beyond its body: the key (whose Accept header a client chooses), the
# headers and the objects. Counting it bounds the entries too (at most MAX_BYTES / 1 KiB).
ENTRY_OVERHEAD = 1024
# The URL rules of the feeds served here (web/feeds.py), named for the request metrics.
ROUTES = ("/feeds/all.<any(rss, atom, json):fmt>", "/feeds/category/<slug>.<any(rss, atom, json):fmt>")
HIT = metrics.cache_lookups.labels("fastpath", "hit")
MISS = metrics.cache_lookups.labels("fastpath", "miss")


class FeedFastPath:
    """WSGI middleware: serve unchanged feeds from memory, else let Flask render and keep it."""

    def __init__(self, wsgi_app, flask_app):
        self.wsgi_app = wsgi_app
        self.flask_app = flask_app
        self.kept = ByteLRU(MAX_BYTES)  # bodies are mostly shared with the render cache
        self.on_poll = None  # on_poll(environ, "200" or "304") for each poll answered here (audience)
        self.count = flask_app.config.get("METRICS_ENABLED", True)

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD")
        match = FEED_PATH.match(environ.get("PATH_INFO", ""))
        if match is None or method not in ("GET", "HEAD") or environ.get("QUERY_STRING"):
            return self.wsgi_app(environ, start_response)
        key = self._key(environ)
        try:
            found = self._state(match.group(1))
        except Exception:  # noqa: BLE001 - let Flask answer (503 page, 404 ...)
            return self._render(environ, start_response, key)
        # The view reuses the state read here: one state query per cold request, not two.
        environ[STATE_KEY] = (match.group(1), found)
        state = found if match.group(1) is None else found[1]
        token = state.token if state else None
        entry = self.kept.get(key)
        if token is None or entry is None or entry.token != token:
            if self.count:
                MISS.inc()
            return self._render(environ, start_response, key)
        if self.count:
            HIT.inc()
        environ[metrics.ROUTE_KEY] = ROUTES[match.group(1) is not None]
        return self._serve(environ, start_response, entry, method == "HEAD")

    def _key(self, environ):
        accept_encoding = environ.get("HTTP_ACCEPT_ENCODING", "")
        gzip_ok = "gzip" in accept_encoding and "gzip;q=0" not in accept_encoding.replace(" ", "")
        # A navigation gets the HTML page, a reader the feed: never one for the other.
        return (environ.get("PATH_INFO"), environ.get("HTTP_HOST", ""), environ.get("wsgi.url_scheme"),
                gzip_ok, environ.get("HTTP_ACCEPT", ""), is_navigation(environ))

    def _state(self, slug):
        """Return the site's State, or a category's (Category, State), in at most one query."""
        now = utcnow()
        try:
            return remember(("feed", slug), now, lambda: _read_state(slug, now))
        finally:
            if not is_sqlite():
                database.close()  # hand pooled connections back at once

    def _render(self, environ, start_response, key):
        """Let Flask answer, and keep a 200 it made for a known state."""
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        body = b"".join(self.wsgi_app(environ, capture))
        token = environ.get(TOKEN_KEY)
        if (token and captured.get("status", "").startswith("200") and environ["REQUEST_METHOD"] == "GET"
                and shareable(captured["headers"])):
            entry = Kept.of(token, captured["headers"], body)
            self.kept.keep(key, entry, len(body) + len(key[4]) + ENTRY_OVERHEAD)
        return [body]

    def _serve(self, environ, start_response, entry, head):
        fresh = still_fresh(environ, entry.etag, entry.modified)
        if self.on_poll is not None:
            self.on_poll(environ, "304" if fresh else "200")
        if fresh:
            start_response("304 NOT MODIFIED", list(entry.not_modified))
            return []
        start_response("200 OK", list(entry.headers))
        return [] if head else [entry.body]


def shareable(headers):
    """Tell whether a response may be replayed to anyone: public, and setting no cookie."""
    names = {name.lower(): value for name, value in headers}
    cache_control = names.get("cache-control", "").lower()
    return ("set-cookie" not in names and "public" in cache_control
            and "private" not in cache_control and "no-store" not in cache_control)


class Kept(NamedTuple):
    """A kept response with its validators and its 304 headers, found once."""

    token: str
    headers: list
    body: bytes
    etag: str | None
    modified: str | None
    not_modified: list

    @classmethod
    def of(cls, token, headers, body):
        etag = next((v for k, v in headers if k == "ETag"), None)
        modified = next((v for k, v in headers if k == "Last-Modified"), None)
        not_modified = [(k, v) for k, v in headers if k not in BODY_HEADERS]
        return cls(token, headers, body, etag, modified, not_modified)


def _read_state(slug, now):
    """Return (what _state gives, when it next moves by itself) for the site or a category."""
    if slug is None:
        state = feed_state(Scope(), now)
        return state, state.next_due
    found = category_state(slug, now)
    return found, found[1].next_due if found[1] else None


def handed_state(slug):
    """Return the state the fast path read for this request's feed, or None."""
    handed = request.environ.get(STATE_KEY)
    return handed[1] if handed is not None and handed[0] == slug else None



def init_app(app):
    """Install the fast path unless per-client feed rate limits need every request in Flask."""
    if app.config.get("FEED_FAST_PATH", True) and not app.config.get("RATE_LIMIT_FEEDS"):
        app.wsgi_app = app.extensions["feedserver.fastpath"] = FeedFastPath(app.wsgi_app, app)
