"""The latest-releases widget for other sites: script tag, iframe, JSON and the builder page."""
import hashlib
import json
import re
from dataclasses import dataclass

from flask import (Blueprint, current_app, make_response, render_template, request,
                   send_from_directory, url_for)
from markupsafe import escape
from werkzeug.http import is_resource_modified

from .dates import iso_kst, list_date
from .feedsource import Scope, feed_state
from .models import Category, Release, utcnow
from .security import allow_framing

bp = Blueprint("widget", __name__)

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
JSON_SCHEMA = "widget-1"  # change when the document's shape changes, to renew ETags
DEFAULT_LIMIT, MAX_LIMIT = 5, 20
THEMES = ("auto", "light", "dark")
FLAGS = {"show_date": True, "show_summary": False, "new_tab": False}
JSON_CACHE = "public, max-age=300, stale-while-revalidate=600"
EMBED_CACHE = "public, max-age=60, stale-while-revalidate=300"
SCRIPT_MAX_AGE = 3600
_DIGITS = re.compile(r"[0-9]{1,5}")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


class WidgetArgError(Exception):
    """A query argument the JSON and iframe routes refuse (400 or 404)."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class WidgetArgs:
    category: Category | None = None
    limit: int = DEFAULT_LIMIT
    theme: str = "auto"
    show_date: bool = True
    show_summary: bool = False
    new_tab: bool = False

    @property
    def slug(self):
        return self.category.slug if self.category else ""


def parse_args(args):
    """Read category, limit, theme and flags strictly; raise WidgetArgError on bad input."""
    limit = args.get("limit", "").strip() or str(DEFAULT_LIMIT)
    if not _DIGITS.fullmatch(limit) or not 1 <= int(limit) <= MAX_LIMIT:
        raise WidgetArgError(400, f"limit은 1부터 {MAX_LIMIT} 사이의 정수여야 합니다.")
    theme = args.get("theme", "").strip() or "auto"
    if theme not in THEMES:
        raise WidgetArgError(400, "theme은 auto, light, dark 중 하나여야 합니다.")
    flags = {name: _parse_flag(args.get(name), name, default) for name, default in FLAGS.items()}
    return WidgetArgs(_category(args.get("category", "").strip()), int(limit), theme, **flags)


def _parse_flag(value, name, default):
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise WidgetArgError(400, f"{name}은 1 또는 0이어야 합니다.")


def _category(slug):
    if not slug:
        return None
    category = Category.get_or_none(Category.slug == slug[:64])
    if category is None:
        raise WidgetArgError(404, "없는 게시판입니다.")
    return category


def lenient_args(args):
    """Read the builder's arguments, using the nearest valid value for anything bad."""
    digits = re.sub(r"[^0-9]", "", args.get("limit", "")) or str(DEFAULT_LIMIT)
    limit = min(MAX_LIMIT, max(1, int(digits[:5])))
    theme = args.get("theme") if args.get("theme") in THEMES else "auto"
    slug = args.get("category", "")
    category = Category.get_or_none(Category.slug == slug[:64]) if slug else None
    # A checkbox follows a hidden "0" of the same name: the last value wins.
    flags = {name: (args.getlist(name) or ["1" if default else "0"])[-1].lower() in _TRUE
             for name, default in FLAGS.items()}
    return WidgetArgs(category, limit, theme, **flags)


def latest(category, limit):
    """Return the newest visible releases, with their categories, of one board or all."""
    query = Release.visible().join(Category).switch(Release).select(Release, Category)
    if category is not None:
        query = query.where(Release.category == category)
    return list(query.limit(limit))


def absolute(endpoint, **values):
    """Return an absolute URL, on BASE_URL when it is configured."""
    base = current_app.config.get("BASE_URL", "").rstrip("/")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


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


def describe(release):
    """Describe one release as a JSON Feed item."""
    return {"id": release.feed_id, "url": absolute("board.release", public_id=release.public_id),
            "title": release.title, "summary": release.summary, "content_text": release.summary,
            "date_published": iso_kst(release.published_at), "tags": [release.category.name]}


def feed_document(args, releases):
    """Describe the releases as a small JSON Feed 1.1 document."""
    return {"version": JSON_FEED_VERSION, "title": widget_title(args.category),
            "home_page_url": board_url(args.category),
            "feed_url": absolute("widget.latest_json", category=args.slug or None,
                                 limit=args.limit),
            "language": "ko", "items": [describe(release) for release in releases]}


def _public(response, cache_control):
    """Make a response cacheable by anyone and answer conditional GETs."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = cache_control
    response.vary.add("Accept-Encoding")
    if not response.get_etag()[0]:
        response.add_etag()
    return response.make_conditional(request)


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
    if is_resource_modified(request.environ, etag=response.get_etag()[0],
                            last_modified=state.last_modified):
        doc = feed_document(args, latest(args.category, args.limit))
        response.set_data(json.dumps(doc, ensure_ascii=False, separators=(",", ":")))
    return _public(response, JSON_CACHE)


@bp.get("/embed/latest")
@allow_framing
def embed():
    try:
        args = parse_args(request.args)
    except WidgetArgError as error:
        html = render_template("widget/embed_error.html", error=error, board=absolute("board.index"))
        return _short_error(html, error.status, "text/html")
    now = utcnow()
    items = [(describe(release), when(release.published_at, now))
             for release in latest(args.category, args.limit)]
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


def embed_query(args):
    """Return the iframe query arguments that differ from the defaults."""
    query = {"category": args.slug or None, "limit": args.limit,
             "theme": None if args.theme == "auto" else args.theme}
    for name, default in FLAGS.items():
        if getattr(args, name) != default:
            query[name] = int(getattr(args, name))
    return query


def script_snippet(script_url, args):
    """Return the script tag a webmaster pastes; builder.js writes the same text."""
    attrs = [("src", script_url)]
    attrs += [("data-category", args.slug)] if args.slug else []
    attrs += [("data-limit", str(args.limit))]
    attrs += [("data-theme", args.theme)] if args.theme != "auto" else []
    for name, default in FLAGS.items():
        if getattr(args, name) != default:
            attrs.append(("data-" + name.replace("_", "-"), str(getattr(args, name)).lower()))
    return "<script " + "".join(f'{k}="{escape(v)}" ' for k, v in attrs) + "async></script>"


def iframe_snippet(embed_url, resize_url, title):
    """Return the iframe and its optional height helper; builder.js writes the same text."""
    return (f'<iframe src="{escape(embed_url)}" title="{escape(title)} 최신 보도자료" '
            f'width="100%" height="360" loading="lazy" class="feedserver-embed"></iframe>\n'
            f'<script src="{escape(resize_url)}" async></script>')
