"""The request observer: an id, one log line and the request metrics for every answer.

It wraps the WSGI app inside ProxyFix (so the client address is the trusted one) and outside
the feed fast path (so its answers count too). Flask names the matched URL rule in the
environ; the fast path names its own; anything else is "<unmatched>".
"""
import logging
import re
import uuid
from time import perf_counter

from flask import request

from feedserver.observability import metrics

ROUTE_KEY = metrics.ROUTE_KEY
ID_KEY = "feedserver.request_id"
UNMATCHED = "<unmatched>"
# nginx's $request_id is 32 hex digits; other proxies send UUIDs. Anything else is replaced.
GOOD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
log = logging.getLogger("feedserver.requests")


def request_id(environ):
    """Return the proxy's X-Request-ID when it is well-formed, else a new one."""
    given = environ.get("HTTP_X_REQUEST_ID", "")
    return given if GOOD_ID.fullmatch(given) else uuid.uuid4().hex


class RequestObserver:
    """WSGI middleware: X-Request-ID on every answer, then a log line and the metrics."""

    def __init__(self, wsgi_app, log_requests=True, count=True):
        self.wsgi_app = wsgi_app
        self.log_requests = log_requests
        self.count = count

    def __call__(self, environ, start_response):
        started = perf_counter()
        rid = environ[ID_KEY] = request_id(environ)
        seen = []

        def observed(status, headers, exc_info=None):
            seen.append(status)
            # A new list: the fast path keeps the one it was given, for later answers.
            return start_response(status, [*headers, ("X-Request-ID", rid)], exc_info)

        try:
            body = self.wsgi_app(environ, observed)
        except BaseException:
            self._done(environ, "500", started)
            raise
        return Observed(body, lambda: self._done(environ, seen[-1][:3] if seen else "500", started))

    def _done(self, environ, status, started):
        elapsed = perf_counter() - started
        route = environ.get(ROUTE_KEY) or UNMATCHED
        if self.count:
            metrics.http_requests.labels(route, status).inc()
            metrics.http_duration.labels(route).observe(elapsed)
            if status == "304":
                metrics.not_modified.labels(route).inc()
        if self.log_requests:
            log.info("%s %s %s %.1fms id=%s route=%s client=%s", environ.get("REQUEST_METHOD"),
                     environ.get("PATH_INFO"), status, elapsed * 1000, environ[ID_KEY], route,
                     environ.get("REMOTE_ADDR", ""), extra={
                         "request_id": environ[ID_KEY], "route": route, "status": int(status),
                         "duration_ms": round(elapsed * 1000, 2),
                         "client": environ.get("REMOTE_ADDR", "")})


class Observed:
    """The body as the app gave it; closing it (the server does, once sent) ends the request."""

    __slots__ = ("body", "ended")

    def __init__(self, body, ended):
        self.body, self.ended = body, ended

    def __iter__(self):
        return iter(self.body)

    def close(self):
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            self.ended()


def name_route():
    """Before each Flask request: put the matched URL rule where the observer reads it."""
    if request.url_rule is not None:
        request.environ[ROUTE_KEY] = request.url_rule.rule
