"""Where polls and widget loads are counted: the feed fast path's hook, and Flask for the rest.

The fast path (caching/fastpath.py) answers warm polls before Flask and calls fast_poll; the
polls Flask answers (a feed rendered after a change, or every poll when the fast path is off)
are counted after the response. Either way the client's address is the one ProxyFix believed.
A poll costs a few dictionary lookups, and a keyed hash for a poller new today; nothing touches
the database (tally.py writes in batches).
"""
from flask import request

from feedserver.audience.referrers import referrer_host

FEED_ENDPOINTS = {"feeds.site", "feeds.category"}  # subscription feeds, not searches or archives
WIDGET_ENDPOINTS = {"widget.embed", "widget.latest_json"}


def count_response(tally, response):
    """Count a subscription-feed poll or a widget load that Flask answered."""
    endpoint = request.endpoint
    if endpoint in FEED_ENDPOINTS:
        code = str(response.status_code)
        if code in ("200", "304") and not request.query_string:
            tally.poll(request.environ, code)
    elif endpoint in WIDGET_ENDPOINTS:
        host = referrer_host(request.referrer, request.host)
        if host is not None:
            tally.widget(host)
    return response
