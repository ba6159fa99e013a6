"""Rendered board and release pages, reused while the database says nothing changed.

Every write bumps the site's feed state, so a page rendered for one state token is
right until the token moves; each request checks the token with one query (on SQLite,
while nothing was committed, none: statememo.py). View counts change on every read, so
pages are kept with markers where the counts go and the current counts are filled in,
fresh from the database, on every response.
"""
import re

from flask import current_app, g
from markupsafe import Markup

from feedserver.caching.lru import ByteLRU
from feedserver.caching.statememo import remember
from feedserver.db import database
from feedserver.observability import metrics
from feedserver.syndication.source import Scope, feed_state

MARK = re.compile(r"<!--views:(\d+)-->")


class PageCache(ByteLRU):
    """(token, html, meta) per request URL, bounded by the bytes of HTML it holds."""

    def get(self, key, token):
        """Return (html, meta) kept for key if it was rendered for this token."""
        entry = super().get(key)
        hit = entry is not None and entry[0] == token
        metrics.cache_lookups.labels("page", "hit" if hit else "miss").inc()
        return entry[1:] if hit else None

    def put(self, key, token, html, meta=None):
        self.keep(key, (token, html, meta), len(html))


def page_cache():
    """Return this app's page cache (per app: a token means nothing to another database)."""
    return current_app.extensions["feedserver.pages"]


def site_state(now, memo):
    """Return (token every write moves, when it next moves by itself) for the whole site."""
    def read():
        state = feed_state(Scope(), now)
        return (state.token, state.next_due), state.next_due
    return remember("site", now, read, memo=memo)


def views_marker(release):
    """Stand in for a view count in a template; fill_views puts the number there.

    The count the row was read with is noted: a page just rendered is filled from those
    rather than read again.
    """
    count = getattr(release, "view_count", None)
    if count is not None:
        g.setdefault("rendered_views", {})[int(release.id)] = count
    return Markup(f"<!--views:{int(release.id)}-->")


def rendered_views():
    """Return (and forget) the counts the rows of the page just rendered were read with."""
    return g.pop("rendered_views", None)


def filled_page(key, html, now, valid_until, memo, known=None):
    """Return html with its view counts, reused while the database reports no commit."""
    return remember(("page", key), now, lambda: (fill_views(html, known), valid_until),
                    size=len(html), memo=memo, views=True)


def fill_views(html, known=None):
    """Replace every view-count marker with its count: those known, the rest read now (one query)."""
    counts = dict(known or {})
    ids = sorted({int(i) for i in MARK.findall(html)} - set(counts))
    if ids:
        marks = ", ".join([database.param] * len(ids))
        table = database.quote[0] + "release" + database.quote[1]
        counts.update(database.execute_sql(
            f"SELECT id, view_count FROM {table} WHERE id IN ({marks})", ids).fetchall())
    return MARK.sub(lambda m: str(counts.get(int(m.group(1)), 0)), html)


def init_app(app):
    """Give the app its page cache and offer the marker to templates."""
    app.extensions["feedserver.pages"] = PageCache(app.config["PAGE_CACHE_BYTES"])
    app.jinja_env.globals["views"] = views_marker
