"""How readers and crawlers find the feeds: alternates, 구독 안내, OPML, sitemaps, robots.txt."""
from datetime import timedelta
from math import ceil

from flask import Blueprint, Response, abort, current_app, render_template, url_for
from lxml import etree

from feedserver.models import Category, Release, utcnow
from feedserver.syndication.formats import to_opml
from feedserver.web.urls import base_url, remembered_url_for

bp = Blueprint("discovery", __name__)
FORMAT_NAMES = {"rss": ("RSS 2.0", "application/rss+xml"), "atom": ("Atom 1.0", "application/atom+xml"),
                "json": ("JSON Feed", "application/feed+json")}
SITEMAP_URLS = 50_000
# Bounds the OFFSET below every database's integer range (5 billion releases).
SITEMAP_MAX_PAGE = 100_000
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


def alternates(category=None, field="all", q=""):
    """Return <link rel=alternate> descriptions for a board page, with Korean titles.

    A search links the feed of that very search: within its board when it has one.
    """
    if q and category is not None:
        endpoint, values = "feeds.category_search", {"slug": category.slug, "field": field, "q": q}
        label = f'{category.name} "{q}" 검색'
    elif q:
        endpoint, values, label = "feeds.search", {"field": field, "q": q}, f'"{q}" 검색'
    elif category is not None:
        endpoint, values, label = "feeds.category", {"slug": category.slug}, category.name
    else:
        endpoint, values, label = "feeds.site", {}, "전체 보도자료"
    return feed_alternates(endpoint, values, label)


def feed_alternates(endpoint, values, label):
    """Return the three formats of one feed as <link rel=alternate> descriptions."""
    return [{"type": mime, "title": f"{label} ({name})", "name": name,
             "url": remembered_url_for(endpoint, fmt=fmt, **values)}
            for fmt, (name, mime) in FORMAT_NAMES.items()]


def feed_list():
    """Return (title, [(format name, absolute url)]) for the site and every category."""
    base = base_url()
    rows = [("전체 보도자료", "feeds.site", {})]
    rows += [(c.name, "feeds.category", {"slug": c.slug}) for c in Category.ordered()]
    return [(title, [(FORMAT_NAMES[f][0], base + url_for(e, fmt=f, **v)) for f in FORMAT_NAMES])
            for title, e, v in rows]


@bp.get("/feeds/")
def guide():
    return render_template("feeds/guide.html", feeds=feed_list(),
                           alternates=alternates(), opml_url=base_url() + url_for("discovery.opml"))


@bp.get("/feeds.opml")
def opml():
    base = base_url()
    outlines = [("전체 보도자료", base + url_for("feeds.site", fmt="rss"), base + url_for("board.index"))]
    outlines += [(c.name, base + url_for("feeds.category", slug=c.slug, fmt="rss"),
                  base + url_for("board.category", slug=c.slug)) for c in Category.ordered()]
    body = to_opml(f"{current_app.config['SITE_NAME']} 피드 모음", outlines)
    return Response(body, content_type="text/x-opml; charset=utf-8",
                    headers={"Content-Disposition": 'inline; filename="feedserver.opml"'})


@bp.get("/favicon.ico")
def favicon():
    # Browsers ask for /favicon.ico on pages that name no icon (feeds, JSON).
    return current_app.send_static_file("favicon.svg")


@bp.get("/robots.txt")
def robots():
    base = base_url()
    text = (f"User-agent: *\nDisallow: /admin/\nDisallow: /api/\n\n"
            f"Sitemap: {base}{url_for('discovery.sitemap')}\n"
            f"Sitemap: {base}{url_for('discovery.news_sitemap')}\n")
    return Response(text, content_type="text/plain; charset=utf-8")


def _board_urls(base):
    """Return the board list URLs that lead the first sitemap (they count towards its 50,000)."""
    return [base + url_for("board.index")] + [
        base + url_for("board.category", slug=c.slug) for c in Category.ordered()]


@bp.get("/sitemap.xml")
def sitemap():
    """Serve the sitemap index: one child sitemap per 50,000 URLs, the board lists included."""
    base, now = base_url(), utcnow()
    total = len(_board_urls(base)) + Release.visible(now).order_by().count()
    pages = max(1, ceil(total / SITEMAP_URLS))
    root = etree.Element(f"{{{SITEMAP_NS}}}sitemapindex", nsmap={None: SITEMAP_NS})
    for n in range(1, pages + 1):
        entry = etree.SubElement(root, f"{{{SITEMAP_NS}}}sitemap")
        etree.SubElement(entry, f"{{{SITEMAP_NS}}}loc").text = base + url_for("discovery.sitemap_page", page=n)
    return _xml(root)


@bp.get(f"/sitemaps/<int(min=1, max={SITEMAP_MAX_PAGE}):page>.xml")
def sitemap_page(page):
    base, now = base_url(), utcnow()
    # A sitemap holds at most 50,000 URLs (and 50 MB: ours are about 150 bytes each, 7.5 MB).
    # The board lists take the first places of page 1; releases fill the rest, in order.
    boards = _board_urls(base)
    first = 0 if page == 1 else (page - 1) * SITEMAP_URLS - len(boards)
    size = SITEMAP_URLS - len(boards) if page == 1 else SITEMAP_URLS
    rows = (Release.visible(now).select(Release.public_id, Release.updated_at, Release.published_at)
            .order_by(Release.published_at.asc(), Release.id.asc())
            .offset(first).limit(size).tuples())
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})
    for loc in boards if page == 1 else ():
        _url(root, loc)
    count = 0
    for public_id, updated_at, published_at in rows:
        _url(root, base + url_for("board.release", public_id=public_id),
             max(updated_at, published_at).strftime("%Y-%m-%dT%H:%M:%SZ"))
        count += 1
    if page > 1 and count == 0:
        abort(404, description="없는 사이트맵입니다.")
    return _xml(root)


@bp.get("/sitemap-news.xml")
def news_sitemap():
    """Serve a Google News sitemap of the last 48 hours."""
    base, now = base_url(), utcnow()
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS, "news": NEWS_NS})
    recent = list(Release.visible(now).where(Release.published_at >= now - timedelta(hours=48)).limit(1000))
    if not recent:
        # The sitemap schema wants at least one <url>: with no news in 48 hours, name the board
        # where the next release will appear (a plain URL, no news:news, valid in both schemas).
        _url(root, base + url_for("board.index"))
    site_name = current_app.config["SITE_NAME"]
    for release in recent:
        url = _url(root, base + url_for("board.release", public_id=release.public_id))
        news = etree.SubElement(url, f"{{{NEWS_NS}}}news")
        pub = etree.SubElement(news, f"{{{NEWS_NS}}}publication")
        etree.SubElement(pub, f"{{{NEWS_NS}}}name").text = site_name
        etree.SubElement(pub, f"{{{NEWS_NS}}}language").text = "ko"
        etree.SubElement(news, f"{{{NEWS_NS}}}publication_date").text = \
            release.published_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        etree.SubElement(news, f"{{{NEWS_NS}}}title").text = release.title
    return _xml(root)


def _url(root, loc, lastmod=None):
    url = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
    etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = loc
    if lastmod:
        etree.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = lastmod
    return url


def _xml(root):
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    response = Response(body, content_type="application/xml; charset=utf-8")
    response.cache_control.public = True
    response.cache_control.max_age = 600
    return response
