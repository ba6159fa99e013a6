"""Feed routes: site, category and search feeds in three formats, with RFC 5005 archives."""
from math import ceil

from flask import Blueprint, abort, current_app, g, request, url_for
from werkzeug.exceptions import BadRequest

from feedserver.caching.fastpath import handed_state
from feedserver.caching.render import RenderCache, feed_response
from feedserver.models import newest_first_page, utcnow
from feedserver.search.query import parse_query
from feedserver.syndication import formats as syndication
from feedserver.syndication.source import (
    Scope,
    category_state,
    describe,
    feed_state,
    items_from_rows,
    load_items,
    with_category,
)
from feedserver.web.feed_page import page_renderer
from feedserver.web.urls import base_url
from feedserver.websub.topics import hub_urls

bp = Blueprint("feeds", __name__)
SERIALISERS = {"rss": syndication.to_rss, "atom": syndication.to_atom, "json": syndication.to_json}
FMT = "<any(rss, atom, json):fmt>"
MAX_FEED_BYTES = 1_000_000
ARCHIVE_MAX_AGE = 86400


@bp.record_once
def _make_cache(state):
    # One cache per app: a state token means nothing to another database.
    state.app.extensions["feedserver.feeds"] = RenderCache(state.app.config["FEED_CACHE_BYTES"])


@bp.get(f"/feeds/all.{FMT}")
def site(fmt):
    return _subscription(Scope(), fmt, "feeds.site", {}, handed_state(None))


@bp.get(f"/feeds/category/<slug>.{FMT}")
def category(slug, fmt):
    scope, state = _category(slug, handed_state(slug))
    return _subscription(scope, fmt, "feeds.category", {"slug": slug}, state)


@bp.get(f"/feeds/search.{FMT}")
def search(fmt):
    field, q = _search_args()
    return _subscription(Scope(field=field, q=q), fmt, "feeds.search", {"field": field, "q": q})


@bp.get(f"/feeds/category/<slug>/search.{FMT}")
def category_search(slug, fmt):
    """Serve a search within one board: the matches /board/<slug>/?field=&q= lists, in its order."""
    field, q = _search_args()
    scope, _ = _category(slug)
    return _subscription(Scope(category=scope.category, field=field, q=q), fmt,
                         "feeds.category_search", {"slug": slug, "field": field, "q": q})


def _search_args():
    return parse_query(request.args, current_app.config["MAX_QUERY_LENGTH"], required=True)


@bp.get(f"/feeds/archive/all/<int:page>.{FMT}")
def site_archive(page, fmt):
    return _archive(Scope(), fmt, page, "feeds.site", {})


@bp.get(f"/feeds/archive/category/<slug>/<int:page>.{FMT}")
def category_archive(slug, page, fmt):
    scope, state = _category(slug)
    return _archive(scope, fmt, page, "feeds.category", {"slug": slug}, state)


def _category(slug, handed=None):
    """Return the scope and state of a category feed, or 404."""
    found, state = handed or category_state(slug, g.setdefault("feed_now", utcnow()))
    if found is None:
        abort(404, description="없는 게시판의 피드입니다.")
    return Scope(category=found), state


def parse_limit(raw, default):
    """Return ?limit= clamped to 1..100; non-numbers are a 400."""
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest("limit은 1부터 100 사이의 숫자여야 합니다.") from None
    return min(100, max(1, value))


def _urls(fmt, endpoint, values, base):
    """Return the links a feed document needs."""
    board = ("board.category", {"slug": values["slug"]}) if "slug" in values else ("board.index", {})
    board_args = {k: v for k, v in values.items() if k in ("field", "q")}
    self_path = url_for(endpoint, fmt=fmt, **values)
    return {
        "id": base + url_for(endpoint, fmt="atom", **values),
        "self": base + self_path,
        "link": base + url_for(board[0], **board[1], **board_args),
        "stylesheet": url_for("static", filename="feed.xsl") if fmt != "json" else None,
        "hubs": hub_urls(base),
    }


def _links(base, self_url):
    """Return the WebSub discovery headers: each hub, then exactly one self."""
    return [("Link", f'<{hub}>; rel="hub"') for hub in hub_urls(base)] + [
        ("Link", f'<{self_url}>; rel="self"')]


def _subscription(scope, fmt, endpoint, values, state=None):
    config = current_app.config
    limit = parse_limit(request.args.get("limit"), config["FEED_ITEMS"])
    now, base = g.setdefault("feed_now", utcnow()), base_url()
    state = state or feed_state(scope, now)
    key = ("sub", fmt, limit, scope.state_key, scope.field, scope.q, state.token, base)
    # One canonical URL for the Link header, the document's self link and the hub's topic.
    self_url = base + url_for(endpoint, fmt=fmt, **values,
                              **({"limit": limit} if limit != config["FEED_ITEMS"] else {}))

    def build(count):
        # Links are built only when a body must be rendered: a 304 or a cached
        # body costs one query.
        urls = {**_urls(fmt, endpoint, values, base), "self": self_url}
        pages = 0 if scope.q else _archive_pages(state)
        archive = {"prev": base + _archive_url(scope, pages, fmt)} if pages else {}
        items = load_items(scope.releases(now).limit(count), base)
        return describe(scope, items, state, urls, config, links=archive)

    def render():
        return _cached(key, fmt, build, limit)

    etag = f"{fmt}-{limit}-{scope.state_key}-{state.token}"
    request.environ["feedserver.feed_token"] = state.token  # for the fast path (fastpath.py)
    page = page_renderer(current_app.extensions["feedserver.feeds"], key, build, limit,
                         fmt, endpoint, values)
    return feed_response(fmt, etag, state.last_modified, render, config["FEED_MAX_AGE"],
                         headers=_links(base, self_url), page=page)


def _archive(scope, fmt, page, endpoint, values, state=None):
    config = current_app.config
    now, base = g.setdefault("feed_now", utcnow()), base_url()
    state = state or feed_state(scope, now)
    pages = _archive_pages(state)
    if page < 1 or page > pages:
        abort(404, description="없는 보관 피드입니다.")
    size = config["FEED_ARCHIVE_SIZE"]
    links = {"current": base + url_for(endpoint, fmt=fmt, **values),
             "prev": base + _archive_url(scope, page - 1, fmt) if page > 1 else None,
             "next": base + _archive_url(scope, page + 1, fmt) if page < pages else None}
    urls = _urls(fmt, endpoint, values, base)
    urls["self"] = base + _archive_url(scope, page, fmt)
    key = ("arc", fmt, page, scope.state_key, state.token, base)

    def render():
        def build(count):
            # Page k holds oldest-first positions (k-1)*size .. k*size-1.
            end = min(page * size, state.count)
            rows = newest_first_page(with_category(scope.releases(now)), state.count - end,
                                     end - (page - 1) * size, state.count)
            items = items_from_rows(rows, base)[:count]
            return describe(scope, items, state, urls, config, links=links, is_archive=True)
        return _cached(key, fmt, build, size)

    # Full pages never change unless a release is withdrawn; the last one grows.
    max_age = ARCHIVE_MAX_AGE if page < pages else config["FEED_MAX_AGE"]
    etag = f"{fmt}-arc{page}-{scope.state_key}-{state.token}"
    return feed_response(fmt, etag, state.last_modified, render, max_age,
                         headers=_links(base, urls["self"]))


def _archive_pages(state):
    """Return the number of archive documents of a scope."""
    return ceil(state.count / current_app.config["FEED_ARCHIVE_SIZE"])


def _archive_url(scope, page, fmt):
    if scope.category is not None:
        return url_for("feeds.category_archive", slug=scope.category.slug, page=page, fmt=fmt)
    return url_for("feeds.site_archive", page=page, fmt=fmt)


def _cached(key, fmt, build, count):
    """Return the cached rendering for key, building it (under 1 MB) when missing."""
    cache = current_app.extensions["feedserver.feeds"]
    entry = cache.get(key)
    if entry is not None:
        return entry
    body = SERIALISERS[fmt](build(count))
    while len(body) > MAX_FEED_BYTES and count > 1:
        count //= 2
        body = SERIALISERS[fmt](build(count))
    return cache.put(key, body)
