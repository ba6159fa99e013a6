"""The WSGI hook that counts feed polls and widget loads, in front of the feed fast path.

It sees every answer, from the fast path or from Flask, after ProxyFix has set the client's
address. A poll costs a path check, one memo lookup of its User-Agent, one keyed hash and a few
dictionary additions under a lock; nothing touches the database (tally.py writes in batches).
"""
from feedserver.audience.referrers import referrer_host
from feedserver.caching.fastpath import FEED_PATH
from feedserver.caching.render import is_navigation
from feedserver.clients import client_key

WIDGET_PATHS = ("/embed/latest", "/widget/latest.json")


class CountingMiddleware:
    """Count subscription-feed polls (200 and 304) and widget loads from other sites."""

    def __init__(self, wsgi_app, tally):
        self.wsgi_app, self.tally = wsgi_app, tally

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/feeds/"):
            if environ.get("QUERY_STRING") or FEED_PATH.match(path) is None or is_navigation(environ):
                return self.wsgi_app(environ, start_response)
            return self.wsgi_app(environ, self._poll_counter(environ, path, start_response))
        if path in WIDGET_PATHS:
            host = referrer_host(environ.get("HTTP_REFERER"), environ.get("HTTP_HOST"))
            if host is not None:
                self.tally.widget(host)
        return self.wsgi_app(environ, start_response)

    def _poll_counter(self, environ, path, start_response):
        tally = self.tally

        def counted(status, headers, exc_info=None):
            code = status[:3]
            if code in ("200", "304"):
                address = environ.get("REMOTE_ADDR") or ""
                # IPv4 as it is (parsing costs more than the rest of the count); IPv6 per /64.
                tally.poll(path, code, client_key(address) if ":" in address else address,
                           environ.get("HTTP_USER_AGENT", ""))
            return start_response(status, headers, exc_info)
        return counted
