"""The request observer: an id, one log line and the request metrics for every answer.

It wraps the WSGI app inside ProxyFix (so the client address is the trusted one) and outside
the feed fast path (so its answers count too). Flask names the matched URL rule in the
environ; the fast path names its own; anything else is "<unmatched>".
"""
import itertools
import logging
import os
import re
from time import perf_counter

from flask import request

from feedserver.observability import metrics
from feedserver.observability.logs import scrub

ROUTE_KEY = metrics.ROUTE_KEY
ID_KEY = "feedserver.request_id"
UNMATCHED = "<unmatched>"
# nginx's $request_id is 32 hex digits; other proxies send UUIDs. Anything else is replaced.
GOOD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
# Made ids: a random prefix per process and a counter, unique without a system call per request.
_PREFIX, _SERIAL = os.urandom(10).hex(), itertools.count(1)


def _new_prefix():
    """Give a forked process (gunicorn with preload_app) its own prefix."""
    global _PREFIX, _SERIAL
    _PREFIX, _SERIAL = os.urandom(10).hex(), itertools.count(1)


os.register_at_fork(after_in_child=_new_prefix)
log = logging.getLogger("feedserver.requests")
LINE = "%s %s %s %.1fms id=%s route=%s client=%s"


def request_id(environ):
    """Return the proxy's X-Request-ID when it is well-formed, else a new one."""
    given = environ.get("HTTP_X_REQUEST_ID", "")
    if given and GOOD_ID.fullmatch(given):
        return given
    return f"{_PREFIX}{next(_SERIAL):012x}"


class RequestObserver:
    """WSGI middleware: X-Request-ID on every answer, then a log line and the metrics."""

    def __init__(self, wsgi_app, log_requests=True, count=True):
        self.wsgi_app = wsgi_app
        self.log_requests = log_requests
        self.count = count
        # Label children by (route, status): labels() costs more than the increment itself.
        self.children = {}

    def __call__(self, environ, start_response):
        exchange = Exchange(self, environ, start_response)
        try:
            exchange.body = self.wsgi_app(environ, exchange.start_response)
        except BaseException:
            self._done(environ, "500", exchange.started)
            raise
        wrapper = environ.get("wsgi.file_wrapper")
        if isinstance(wrapper, type) and isinstance(exchange.body, wrapper):
            # A file the server sends itself (sendfile): wrapping it would make it read the file
            # through Python, so this request is timed to the start of the sending.
            self._done(environ, exchange.status, exchange.started)
            return exchange.body
        return exchange

    def _done(self, environ, status, started):
        elapsed = perf_counter() - started
        route = environ.get(ROUTE_KEY) or UNMATCHED
        if self.count:
            requests, duration, not_modified = (self.children.get((route, status))
                                                or self._children(route, status))
            requests.inc()
            duration.observe(elapsed)
            if not_modified is not None:
                not_modified.inc()
        if self.log_requests and log.isEnabledFor(logging.INFO):
            log.handle(_line(environ, route, status, elapsed))

    def _children(self, route, status):
        children = (metrics.http_requests.labels(route, status), metrics.http_duration.labels(route),
                    metrics.not_modified.labels(route) if status == "304" else None)
        if len(self.children) < 10000:  # rules x statuses: bounded, but never without end
            self.children[(route, status)] = children
        return children


def _line(environ, route, status, elapsed):
    """Make the request's log record (by hand: finding the caller's frame would double its cost).

    Nothing in it is secret but the path might hold an e-mail address; the query string, which
    holds what people type, is left out.
    """
    path, client = scrub(environ.get("PATH_INFO", "")), environ.get("REMOTE_ADDR", "")
    if not path.isprintable():  # %0A in a URL must not start a forged line of its own
        path = path.encode("unicode_escape").decode("ascii")
    args = (environ.get("REQUEST_METHOD"), path, status, elapsed * 1000, environ[ID_KEY], route, client)
    extra = {"request_id": environ[ID_KEY], "route": route, "status": int(status),
             "duration_ms": round(elapsed * 1000, 2), "client": client, "scrubbed": True}
    return log.makeRecord(log.name, logging.INFO, __file__, 0, LINE, args, None, extra=extra)


class Exchange:
    """One request: the start_response the app calls, then the body the server iterates and closes.

    One object rather than closures: this runs on every request, the fast path's included.
    """

    __slots__ = ("body", "environ", "observer", "server_start", "started", "status")

    def __init__(self, observer, environ, server_start):
        self.observer, self.environ, self.server_start = observer, environ, server_start
        self.status, self.started, self.body = "500", perf_counter(), ()
        environ[ID_KEY] = request_id(environ)

    def start_response(self, status, headers, exc_info=None):
        self.status = status[:3]
        # A new list: the fast path keeps the one it was given, for later answers.
        return self.server_start(status, [*headers, ("X-Request-ID", self.environ[ID_KEY])], exc_info)

    def __iter__(self):
        return iter(self.body)

    def close(self):
        """The server closes the body once it is sent: the request ends here."""
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            self.observer._done(self.environ, self.status, self.started)


def name_route():
    """Before each Flask request: put the matched URL rule where the observer reads it."""
    if request.url_rule is not None:
        request.environ[ROUTE_KEY] = request.url_rule.rule
