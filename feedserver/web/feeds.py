"""Feed routes: site, category and search feeds in three formats, with RFC 5005 archives."""
from flask import Blueprint, abort, current_app, g, request, url_for
from werkzeug.exceptions import BadRequest

from feedserver.caching.fastpath import handed_state
from feedserver.caching.lru import ByteLRU
from feedserver.caching.render import RenderCache, feed_response
from feedserver.models import utcnow
from feedserver.observability import metrics
from feedserver.search.query import parse_query
from feedserver.syndication import archive as archives
from feedserver.syndication import formats as syndication
from feedserver.syndication.source import (
    Scope,
    category_state,
    describe,
    feed_state,
    item_bytes,
    load_items,
)
from feedserver.web.feed_page import page_renderer
from feedserver.web.urls import base_url
from feedserver.websub.topics import hub_urls

bp = Blueprint("feeds", __name__)
SERIALISERS = {"rss": syndication.to_rss, "atom": syndication.to_atom, "json": syndication.to_json}
FMT = "<any(rss, atom, json):fmt>"
MAX_FEED_BYTES = 1_000_000
ARCHIVE_MAX_AGE = 86400
MISSING = "없는 보관 피드입니다."
OLD_ARCHIVE = ("번호로 된 보관 피드는 더 이상 제공하지 않습니다. 보관 피드는 이제 발행 월별 문서입니다. "
               "구독 피드(/feeds/all.atom 등)의 prev-archive 링크에서 다시 시작하세요.")


@bp.record_once
def _make_cache(state):
    # One cache per app: a state token means nothing to another database.
    state.app.extensions["feedserver.feeds"] = RenderCache(state.app.config["FEED_CACHE_BYTES"])
    # Archive plans per (scope, document, state token): a state change costs one re-plan per
    # document asked for, and an unchanged document keeps its digest, ETag and body.
    # Entries cost 128 to 256: at most 16,384 of them.
    state.app.extensions["feedserver.archive_plans"] = ByteLRU(2 * 1024 * 1024)


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


@bp.get(f"/feeds/archive/all/<key>.{FMT}")
def site_archive(key, fmt):
    return _archive(Scope(), fmt, key, "feeds.site", {})


@bp.get(f"/feeds/archive/category/<slug>/<key>.{FMT}")
def category_archive(slug, key, fmt):
    scope, state = _category(slug)
    return _archive(scope, fmt, key, "feeds.category", {"slug": slug}, state)


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
        newest = None if scope.q else _newest_archive(scope, state, now)
        archive = {"prev": base + _archive_url(scope, newest, fmt)} if newest else {}
        items = load_items(scope.releases(now).limit(count), base)
        return describe(scope, items, state.last_modified, urls, config, links=archive)

    def render():
        return _cached(key, fmt, build, limit)

    etag = f"{fmt}-{limit}-{scope.state_key}-{state.token}"
    request.environ["feedserver.feed_token"] = state.token  # for the fast path (fastpath.py)
    page = page_renderer(current_app.extensions["feedserver.feeds"], key, build, limit,
                         fmt, endpoint, values)
    return feed_response(fmt, etag, state.last_modified, render, config["FEED_MAX_AGE"],
                         headers=_links(base, self_url), page=page)


def _archive(scope, fmt, slug, endpoint, values, state=None):
    config = current_app.config
    key = archives.DocKey.parse(slug)
    if key is None:
        # Numbered documents (/archive/all/3.rss) counted over the visible releases and shifted
        # with every withdrawal, so no number maps to one document now: gone, say where to start.
        abort(410 if slug.isdigit() else 404, description=OLD_ARCHIVE if slug.isdigit() else MISSING)
    now, base = g.setdefault("feed_now", utcnow()), base_url()
    state = state or feed_state(scope, now)
    plan = _plan(scope, key, state, now)
    if plan is None:
        abort(404, description=MISSING)
    links = {"current": base + url_for(endpoint, fmt=fmt, **values),
             "prev": base + _archive_url(scope, plan.prev, fmt) if plan.prev else None,
             "next": base + _archive_url(scope, plan.next, fmt) if plan.next else None}
    urls = {**_urls(fmt, endpoint, values, base), "hubs": ()}  # archives are no WebSub topics
    urls["self"] = base + _archive_url(scope, key, fmt)

    def build(item_limit):
        items = load_items(archives.releases(scope, plan, now), base)
        return describe(scope, items, plan.last_modified, urls, config, links=links,
                        is_archive=True, item_limit=item_limit)
    cache_key = ("arc", fmt, scope.state_key, key, plan.digest, base)

    def render():
        return _cached(cache_key, fmt, build, item_bytes(config), every_item=True)

    # A person who opens an archive document in a browser gets the Korean page too.
    document = ("feeds.category_archive" if scope.category is not None else "feeds.site_archive",
                {**values, "key": key.slug})
    page = page_renderer(current_app.extensions["feedserver.feeds"], cache_key, build,
                         item_bytes(config), fmt, *document)
    # A document of a month that has ended and has a newer neighbour gains nothing more.
    closed = plan.next is not None and plan.month_end <= now
    etag = f"{fmt}-arc-{scope.state_key}-{key.slug}-{plan.digest}"
    # ETag only: a withdrawal can lower a document's newest time, so a Last-Modified made of its
    # releases could go back and answer If-Modified-Since with a stale 304.
    response = feed_response(fmt, etag, None, render,
                             ARCHIVE_MAX_AGE if closed else config["FEED_MAX_AGE"],
                             headers=[("Link", f'<{urls["self"]}>; rel="self"')], page=page)
    del response.headers["Last-Modified"]  # werkzeug writes "now" for None
    return response


def _plan(scope, key, state, now):
    """Return the archive plan for this state, planning it once per state and instance."""
    plans = current_app.extensions["feedserver.archive_plans"]
    memo_key = (scope.state_key, key, state.token)
    found = plans.get(memo_key)
    if found is None:
        found = (archives.plan(scope, key, now, current_app.config["FEED_ARCHIVE_SIZE"]),)
        plans.keep(memo_key, found, 256)
    return found[0]


def _newest_archive(scope, state, now):
    """Return the key of the scope's newest archive document (planned once per state)."""
    plans = current_app.extensions["feedserver.archive_plans"]
    memo_key = (scope.state_key, "newest", state.token)
    found = plans.get(memo_key)
    if found is None:
        found = (archives.newest(scope, now, current_app.config["FEED_ARCHIVE_SIZE"], state.newest),)
        plans.keep(memo_key, found, 128)
    return found[0]


def _archive_url(scope, key, fmt):
    if scope.category is not None:
        return url_for("feeds.category_archive", slug=scope.category.slug, key=key.slug, fmt=fmt)
    return url_for("feeds.site_archive", key=key.slug, fmt=fmt)


def _cached(key, fmt, build, count, every_item=False):
    """Return the cached rendering for key, building it (under 1 MB) when missing.

    A subscription feed halves its item count to fit; an archive document keeps every item
    (a backfill must be exact) and halves the body bytes each item carries instead.
    """
    cache = current_app.extensions["feedserver.feeds"]
    entry = cache.get(key)
    metrics.cache_lookups.labels("render", "miss" if entry is None else "hit").inc()
    if entry is not None:
        return entry
    body = SERIALISERS[fmt](build(count))
    while len(body) > MAX_FEED_BYTES and count > (256 if every_item else 1):
        count //= 2
        body = SERIALISERS[fmt](build(count))
    return cache.put(key, body)
