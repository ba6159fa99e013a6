"""The latest-releases widget for other sites: script tag, iframe, JSON and the builder page."""
import hashlib
import json
from dataclasses import replace

from flask import (
    Blueprint,
    current_app,
    make_response,
    render_template,
    request,
    send_from_directory,
    url_for,
)

from feedserver.caching.validators import conditional, still_fresh
from feedserver.dates import list_date, to_kst
from feedserver.models import Category, Release, utcnow
from feedserver.syndication.formats import Feed, to_json
from feedserver.syndication.source import Scope, feed_state, to_item
from feedserver.web.security import allow_framing
from feedserver.web.urls import absolute, base_url
from feedserver.web.widget_options import (
    MAX_LIMIT,
    WidgetArgError,
    embed_query,
    iframe_snippet,
    lenient_args,
    parse_args,
    script_snippet,
)

bp = Blueprint("widget", __name__)

JSON_SCHEMA = "widget-2"  # change when the document's shape changes, to renew ETags
JSON_CACHE = "public, max-age=300, stale-while-revalidate=600"
EMBED_CACHE = "public, max-age=60, stale-while-revalidate=300"
SCRIPT_MAX_AGE = 3600


def latest(category, limit):
    """Return the newest visible releases, with their categories, of one board or all."""
    query = Release.visible().join(Category).switch(Release).select(Release, Category)
    if category is not None:
        query = query.where(Release.category == category)
    return list(query.limit(limit))


def board_url(category):
    """Return the board list a widget links to."""
    if category is None:
        return absolute("board.index")
    return absolute("board.category", slug=category.slug)


def widget_title(category):
    return category.name if category else current_app.config["SITE_NAME"]


def when(instant, now):
    """Say when in Korean: 방금 전, N분 전, N시간 전 within a day, then 2024.09.26."""
    seconds = (now - instant).total_seconds()
    if seconds < 60:
        return "방금 전"
    if seconds < 3600:
        return f"{int(seconds // 60)}분 전"
    if seconds < 86400:
        return f"{int(seconds // 3600)}시간 전"
    return list_date(instant)


def widget_items(releases):
    """Describe releases as feed items without bodies: a widget shows titles and summaries."""
    base = base_url()
    return [replace(to_item(release, (), base), content_html="") for release in releases]


def widget_feed(args, releases):
    """Describe the releases as a small feed; the JSON Feed writer serialises it."""
    board, title = board_url(args.category), widget_title(args.category)
    items = widget_items(releases)
    return Feed(id=board, title=title, link=board, description=f"{title} 최신 보도자료입니다.",
                self_url=absolute("widget.latest_json", category=args.slug or None,
                                  limit=args.limit),
                updated=max((item.updated for item in items), default=to_kst(utcnow())),
                items=tuple(items))


def _public(response, cache_control):
    """Make a response cacheable by anyone and answer conditional GETs."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = cache_control
    response.vary.add("Accept-Encoding")
    if not response.get_etag()[0]:
        response.add_etag()
    return conditional(response, request.environ)


@bp.get("/widget/latest.json")
def latest_json():
    try:
        args = parse_args(request.args)
    except WidgetArgError as error:
        body = json.dumps({"error": {"status": error.status, "message": error.message}},
                          ensure_ascii=False)
        return _short_error(body, error.status, "application/json")
    # FeedState's version and the newest due release: a scheduled release coming due
    # or any write changes the ETag, and a revalidation needs no item query.
    state = feed_state(Scope(args.category))
    tag = f"{JSON_SCHEMA}|{state.token}|{args.limit}|{absolute('board.index')}"
    response = current_app.response_class(content_type="application/feed+json; charset=utf-8")
    response.set_etag(hashlib.sha256(tag.encode()).hexdigest()[:32])
    response.last_modified = state.last_modified
    if not still_fresh(request.environ, response.get_etag()[0], state.last_modified):
        response.set_data(_rendered(("widget", args.slug, tag), args).body)
    return _public(response, JSON_CACHE)


def _rendered(key, args):
    """Return the widget document for this state, rendered once per state (feeds' render cache)."""
    cache = current_app.extensions["feedserver.feeds"]
    entry = cache.get(key)
    if entry is None:
        entry = cache.put(key, to_json(widget_feed(args, latest(args.category, args.limit))))
    return entry


@bp.get("/embed/latest")
@allow_framing
def embed():
    try:
        args = parse_args(request.args)
    except WidgetArgError as error:
        html = render_template("widget/embed_error.html", error=error,
                               board=absolute("board.index"))
        return _short_error(html, error.status, "text/html")
    now = utcnow()
    releases = latest(args.category, args.limit)
    items = [(item, when(release.published_at, now))
             for item, release in zip(widget_items(releases), releases, strict=True)]
    html = render_template("widget/embed.html", args=args, items=items,
                           title=widget_title(args.category), board=board_url(args.category))
    return _public(make_response(html), EMBED_CACHE)


def _short_error(body, status, mimetype):
    response = current_app.response_class(body, status=status, mimetype=mimetype)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


@bp.get("/widget.js")
def script():
    response = send_from_directory(current_app.static_folder, "widget.js",
                                   max_age=SCRIPT_MAX_AGE, conditional=True)
    # Korean host pages are often EUC-KR: name the charset so our messages survive.
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/widget")
def builder():
    args = lenient_args(request.args)
    categories = list(Category.ordered())
    urls = {"script": absolute("widget.script"), "embed": absolute("widget.embed"),
            "resize": absolute("static", filename="embed-resize.js")}
    embed_url = absolute("widget.embed", **embed_query(args))
    titles = {"": widget_title(None), **{c.slug: c.name for c in categories}}
    return render_template(
        "widget/builder.html", args=args, categories=categories, urls=urls, titles=titles,
        max_limit=MAX_LIMIT, embed_url=embed_url,
        origin=absolute("board.index").removesuffix(url_for("board.index")),
        script_snippet=script_snippet(urls["script"], args),
        iframe_snippet=iframe_snippet(embed_url, urls["resize"], widget_title(args.category)),
    )
