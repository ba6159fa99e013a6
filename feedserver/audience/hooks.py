"""The WSGI hook that counts feed polls and widget loads, in front of the feed fast path.

It sees every answer, from the fast path or from Flask, after ProxyFix has set the client's
address. A poll costs a path check, one memo lookup of its User-Agent, one keyed hash and a few
dictionary additions under a lock; nothing touches the database (tally.py writes in batches).
"""
from feedserver.audience.referrers import referrer_host
from feedserver.caching.fastpath import FEED_PATH
from feedserver.clients import client_key

WIDGET_PATHS = ("/embed/latest", "/widget/latest.json")


class CountingMiddleware:
    """Count subscription-feed polls (200 and 304) and widget loads from other sites."""

    def __init__(self, wsgi_app, tally):
        self.wsgi_app, self.tally = wsgi_app, tally
        self.feeds = {}  # path -> is it a subscription feed (a few hundred paths at most)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path[:7] != "/feeds/":
            if path in WIDGET_PATHS:
                self._widget(environ)
            return self.wsgi_app(environ, start_response)
        feed = self.feeds.get(path)
        if feed is None:
            feed = self._is_feed(path)
        # Navigations get the feed's HTML page (caching.render.is_navigation): a person, not a poll.
        if not feed or environ.get("QUERY_STRING") or (
                environ.get("HTTP_SEC_FETCH_MODE") == "navigate"
                and environ.get("HTTP_SEC_FETCH_DEST") == "document"):
            return self.wsgi_app(environ, start_response)
        poll = self.tally.poll

        def counted(status, headers, exc_info=None):
            code = status[:3]
            if code == "200" or code == "304":
                address = environ.get("REMOTE_ADDR") or ""
                # IPv4 as it is (parsing costs more than the rest of the count); IPv6 per /64.
                poll(path, code, client_key(address) if ":" in address else address,
                     environ.get("HTTP_USER_AGENT", ""))
            return start_response(status, headers, exc_info)
        return self.wsgi_app(environ, counted)

    def _widget(self, environ):
        host = referrer_host(environ.get("HTTP_REFERER"), environ.get("HTTP_HOST"))
        if host is not None:
            self.tally.widget(host)

    def _is_feed(self, path):
        known = self.feeds.get(path)
        if known is None:
            known = FEED_PATH.match(path) is not None
            if len(self.feeds) < 1024:  # any path may be asked: keep only the first ones
                self.feeds[path] = known
        return known
