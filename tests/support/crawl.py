"""Every public GET route of the app with sample URLs, and the request variants caches split on.

The privacy guard crawls these signed in and then anonymously: a public response must never
set a cookie or show who was signed in, whichever cache (fast path, render cache, page cache,
nginx) answers it. A new public route fails the guard until it has samples here.
"""
import gzip

from feedserver.admin.accounts import create_user
from feedserver.content import storage
from feedserver.models import Attachment, Category
from feedserver.web.security import PRIVATE_PREFIXES, under
from tests.support.releases import make_release

# Names that appear nowhere in public pages unless a session leaked into them.
ADMIN_NAME, EDITOR_NAME = "gwanrija7", "pyeonjip9"
# (Accept, Accept-Encoding) pairs: browsers, feed readers, JSON clients, odd encodings, and a
# browser navigation (Fetch Metadata), which gets the HTML page of a feed.
VARIANTS = [
    ({}, "plain"),
    ({"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
      "Accept-Encoding": "gzip, deflate, br, zstd"}, "browser"),
    ({"Accept": "application/rss+xml, application/atom+xml", "Accept-Encoding": "gzip"}, "reader"),
    ({"Accept": "application/json", "Accept-Encoding": "identity"}, "json"),
    ({"Accept": "*/*", "Accept-Encoding": "br;q=1.0, gzip;q=0.5"}, "odd"),
    ({"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
      "Accept-Encoding": "gzip, deflate, br, zstd", "Sec-Fetch-Dest": "document",
      "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Site": "none"}, "navigation"),
]
FORMATS = ("rss", "atom", "json")


def seed_public_board(app):
    """Add the signed-in users and a release with an attachment; return the sample URLs."""
    with app.app_context():
        create_user(ADMIN_NAME, "correct horse battery", "admin")
        create_user(EDITOR_NAME, "correct horse battery", "editor")
        press = Category.get(Category.slug == "press")
        older = make_release(press, title="경기도 지난 소식")
        release = make_release(press, title="경기도 새 소식", body="<p>첨부가 있는 본문</p>")
        stored_name, size, digest = storage.store_bytes(b"%PDF-1.4\n%%EOF\n")
        attachment = Attachment.create(release=release, filename="자료.pdf", content_type="application/pdf",
                                       size=size, sha256=digest, stored_name=stored_name)
        stored_name, size, digest = storage.store_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
        hwp = Attachment.create(release=release, filename="자료.hwp", content_type="application/x-hwp",
                                size=size, sha256=digest, stored_name=stored_name,
                                text="첨부 본문", text_state="readable")
        return sample_urls(release.public_id, attachment.id, older.public_id, hwp.id)


def feeds(path):
    return [f"{path}.{fmt}" for fmt in FORMATS]


def sample_urls(public_id, attachment_id, older_id, text_file_id=None):
    """Return {endpoint: [url, ...]} for every public GET endpoint."""
    viewed = [attachment_id] + ([text_file_id] if text_file_id else [])
    return {
        "static": ["/static/feed.xsl"],
        "board.home": ["/"],
        "board.index": ["/board/", "/board/?page=2", "/board/?field=title&q=경기도"],
        "board.category": ["/board/press/", "/board/press/?field=all&q=소식", "/board/nope/"],
        "board.release": [f"/releases/{public_id}", f"/releases/{older_id}", "/releases/zzzzzzzzzzzz"],
        "board.attachment": [f"/releases/{public_id}/files/{attachment_id}"],
        "board.attachment_view": [f"/releases/{public_id}/files/{i}/view" for i in viewed],
        "feeds.site": feeds("/feeds/all"),
        "feeds.category": feeds("/feeds/category/press") + ["/feeds/category/nope.rss"],
        "feeds.search": [f"/feeds/search.{fmt}?field=title&q=경기도" for fmt in FORMATS],
        "feeds.category_search": [f"/feeds/category/press/search.{fmt}?field=title&q=경기도" for fmt in FORMATS],
        "feeds.site_archive": feeds("/feeds/archive/all/2024-05"),
        "feeds.category_archive": feeds("/feeds/archive/category/press/2024-05"),
        "discovery.guide": ["/feeds/"],
        "discovery.opml": ["/feeds.opml"],
        "discovery.favicon": ["/favicon.ico"],
        "discovery.robots": ["/robots.txt"],
        "discovery.sitemap": ["/sitemap.xml"],
        "discovery.sitemap_page": ["/sitemaps/1.xml"],
        "discovery.news_sitemap": ["/sitemap-news.xml"],
        "widget.latest_json": ["/widget/latest.json", "/widget/latest.json?category=press&limit=3"],
        "widget.embed": ["/embed/latest", "/embed/latest?category=press"],
        "widget.script": ["/widget.js"],
        "widget.builder": ["/widget"],
        "health.healthz": ["/healthz"],
        "health.readyz": ["/readyz"],
        "metrics.metrics_view": ["/metrics"],
    }


def public_endpoints(app):
    """Return the endpoints of every GET route outside the per-user areas."""
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and not under(rule.rule, PRIVATE_PREFIXES)}


def body_text(headers, raw):
    """Return a response body as text, gunzipped when it came compressed."""
    if (headers.get("Content-Encoding") or "") == "gzip":
        raw = gzip.decompress(raw)
    return raw.decode("utf-8", "replace")


def leaks(url, headers, text):
    """Return what an anonymous response shows of someone else's session (empty: nothing)."""
    found = []
    if headers.get("Set-Cookie"):
        found.append(f"{url}: Set-Cookie {headers.get('Set-Cookie')[:40]}")
    if "cookie" in (headers.get("Vary") or "").lower():
        found.append(f"{url}: Vary: Cookie (the response read the session)")
    for marker in (ADMIN_NAME, EDITOR_NAME, 'href="/admin', "로그아웃"):
        if marker in text:
            found.append(f"{url}: body shows {marker!r}")
    return found
