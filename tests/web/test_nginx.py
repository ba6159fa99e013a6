"""The shipped deploy/nginx.conf in front of a real gunicorn: micro-cache, Vary, forwarded host, 304."""
import gzip
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import feedparser
import pytest

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@pytest.fixture
def behind_nginx(app, tmp_path, monkeypatch, servers):
    """Start gunicorn as shipped (trusting one proxy) and the shipped nginx.conf in front of it."""
    if not Path(NGINX).exists():
        pytest.skip("nginx not installed (apt-get install nginx-light)")
    sys.path.insert(0, str(ROOT / "bench"))
    from nginx import render  # the shipped file with this test's ports and paths
    monkeypatch.setenv("FEEDSERVER_PROXY_FIX_HOPS", "1")
    web, web_url = servers.gunicorn(app, tmp_path, "web")
    prefix, port = tmp_path / "nginx", servers.free_port()
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "tmp" / kind).mkdir(parents=True)
    conf = prefix / "nginx.conf"
    conf.write_text(render(int(web_url.rsplit(":", 1)[1]), port, prefix / "cache", prefix=prefix))
    proxy = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log"),
                              "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/board/", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        proxy.terminate()
        proxy.wait(10)
        web.terminate()
        web.wait(10)


def get(url, headers=None):
    """Return (status, headers, raw body) without raising on 304."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_shipped_nginx_caches_feeds_by_their_headers(app, behind_nginx, make_category, make_release):
    with app.app_context():
        make_release(make_category(), title="nginx 뒤의 소식")
    feed = behind_nginx + "/feeds/all.atom"
    host = {"Host": "press.example.go.kr"}
    _, first, zipped = get(feed, {**host, "Accept-Encoding": "gzip"})
    _, second, again = get(feed, {**host, "Accept-Encoding": "gzip"})
    assert (first["X-Cache-Status"], second["X-Cache-Status"]) == ("MISS", "HIT") and again == zipped
    assert second["Content-Encoding"] == "gzip" and "Accept-Encoding" in second["Vary"]
    # Vary keeps the identity body apart from the gzip one.
    _, plain_headers, plain = get(feed, host)
    assert plain_headers.get("Content-Encoding") is None and plain == gzip.decompress(zipped)
    parsed = feedparser.parse(plain)
    assert [e.title for e in parsed.entries] == ["nginx 뒤의 소식"]
    # nginx passes on the Host it was asked for: links name the public host. (X-Forwarded-Proto
    # behind TLS goes through ProxyFix: tests/test_security.py.)
    assert parsed.feed.id.startswith("http://press.example.go.kr/") or \
        any(link.href.startswith("http://press.example.go.kr/") for link in parsed.feed.links)
    status, not_modified, body = get(feed, {**host, "If-None-Match": second["ETag"]})
    assert status == 304 and body == b"" and not_modified["ETag"] == second["ETag"]


def test_shipped_nginx_does_not_cache_the_board_or_admin(app, behind_nginx, make_category, make_release):
    with app.app_context():
        category = make_category()
    for path in ("/board/", "/admin/login"):
        _, headers, _ = get(behind_nginx + path)
        assert headers.get("X-Cache-Status") is None, path
    _, admin, _ = get(behind_nginx + "/admin/login")
    assert "no-store" in admin["Cache-Control"]
    # A write shows on the board through nginx at once.
    with app.app_context():
        make_release(category, title="방금 쓴 소식")
    assert "방금 쓴 소식" in get(behind_nginx + "/board/")[2].decode()


def signed_in_opener(base, username):
    """Return a urllib opener holding a session cookie, signed in through nginx's front door."""
    import http.cookiejar
    import urllib.parse

    import lxml.html
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    form = lxml.html.fromstring(opener.open(base + "/admin/login", timeout=5).read())
    token = form.xpath("//input[@name='csrf_token']/@value")[0]
    data = urllib.parse.urlencode({"csrf_token": token, "username": username,
                                   "password": "correct horse battery"}).encode()
    with opener.open(base + "/admin/login", data=data, timeout=5) as response:
        assert response.url.endswith("/admin/"), response.url
    return opener


def fetch(opener, url, headers):
    from urllib.parse import quote
    request = urllib.request.Request(quote(url, safe=":/?=&%"), headers=headers)
    try:
        with opener.open(request, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_signed_in_crawl_through_nginx_leaves_nothing_per_user(app, behind_nginx, crawl):

    from feedserver.models import Category
    with app.app_context():
        Category.create(slug="press", name="보도자료")
    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
    urls = [url for group in crawl.seed_public_board(app).values() for url in group]
    for name in (crawl.ADMIN_NAME, crawl.EDITOR_NAME):
        opener = signed_in_opener(behind_nginx, name)
        for url in urls:
            for headers, label in crawl.VARIANTS:
                status, answer, _ = fetch(opener, behind_nginx + url, headers)
                assert status < 500 and not answer.get("Set-Cookie"), (url, label, status)
    anonymous = urllib.request.build_opener()
    found, hits = [], 0
    for url in urls:
        for headers, label in crawl.VARIANTS:
            for _ in range(2):
                _, answer, raw = fetch(anonymous, behind_nginx + url, headers)
                hits += answer.get("X-Cache-Status") == "HIT"
                found += crawl.leaks(f"{url} ({label})", answer, crawl.body_text(answer, raw))
    assert not found, found
    assert hits > len(urls)  # the micro-cache did answer, and held nothing per user


def test_nginx_keeps_one_copy_per_encoding_whatever_the_header_says(app, behind_nginx, make_category, make_release):
    """A client cannot make nginx miss by spelling Accept-Encoding differently."""
    with app.app_context():
        make_release(make_category(), title="한 벌만 보관")
    feed = behind_nginx + "/feeds/all.atom"
    first = get(feed, {"Accept-Encoding": "gzip"})[1]["X-Cache-Status"]
    spellings = ["gzip, deflate, br", "br;q=1, gzip;q=0.8", "GZIP", "x-made-up, gzip"]
    statuses = [get(feed, {"Accept-Encoding": value})[1]["X-Cache-Status"] for value in spellings]
    assert first == "MISS" and statuses == ["HIT"] * len(spellings)
    _, plain, body = get(feed, {"Accept-Encoding": "identity"})
    assert plain.get("Content-Encoding") is None and body.startswith(b"<?xml")


def test_a_cookie_from_the_app_is_never_stored_by_nginx(app, behind_nginx):
    """Even if a cached route answered with Set-Cookie, nginx neither keeps nor forwards it."""
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    cached = text[text.index("location ~ ^/(feeds/"):]
    cached = cached[:cached.index("}")]
    ignored = [line for line in cached.splitlines() if "proxy_ignore_headers" in line]
    assert not any("Set-Cookie" in line for line in ignored), ignored
    assert "proxy_hide_header Set-Cookie;" in cached and 'proxy_set_header Cookie "";' in cached


NAVIGATE = {"Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Site": "none",
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Encoding": "gzip, deflate, br"}
READER = {"Accept": "application/atom+xml,application/rss+xml,application/xml;q=0.9,*/*;q=0.1",
          "Accept-Encoding": "gzip, deflate"}
# A browser without Fetch Metadata: the same Accept as the navigation, and it gets feed.xsl.
OLD_BROWSER = {key: NAVIGATE[key] for key in ("Accept", "Accept-Encoding")}


def test_nginx_keeps_the_feed_page_and_the_feed_apart(app, behind_nginx, make_category, make_release):
    """A navigation then a reader fetch, and the reverse: each gets its own variant, twice.

    An older browser sends the navigation's Accept without Sec-Fetch-*: it must get the XML
    that feed.xsl styles, not the page nginx may hold for the same Accept class."""
    with app.app_context():
        make_release(make_category(), title="페이지와 피드는 따로")
    readers_first, pages_first = behind_nginx + "/feeds/all.atom", behind_nginx + "/feeds/all.rss"
    seen = {}
    orders = ((pages_first, (NAVIGATE, READER, OLD_BROWSER)), (readers_first, (READER, OLD_BROWSER, NAVIGATE)))
    for url, order in orders:
        for _ in range(2):
            for headers in order:
                _, answer, raw = get(url, headers)
                raw = gzip.decompress(raw) if answer.get("Content-Encoding") == "gzip" else raw
                kind = {id(NAVIGATE): "page", id(READER): "feed", id(OLD_BROWSER): "xsl"}[id(headers)]
                seen.setdefault((url, kind), []).append((answer["X-Cache-Status"], answer["ETag"], raw))
                if kind == "page":
                    assert answer["Content-Type"] == "text/html; charset=utf-8", url
                    assert "구독용 피드" in raw.decode() and answer["ETag"].endswith('-html"')
                else:
                    assert answer["Content-Type"].startswith("application/") and raw.startswith(b"<?xml")
                    assert (answer["Content-Type"] == "application/xml; charset=utf-8") == (kind == "xsl")
                    assert feedparser.parse(raw).entries[0].title == "페이지와 피드는 따로"
    for (url, kind), answers in seen.items():
        assert [a[0] for a in answers] == ["MISS", "HIT"], (url, kind)
        assert answers[0][1:] == answers[1][1:], (url, kind)
    # A reader's ETag gets a 304 for the feed, never for the page (and the reverse).
    feed_etag = seen[(readers_first, "feed")][0][1]
    assert get(readers_first, {**READER, "If-None-Match": feed_etag})[0] == 304
    assert get(readers_first, {**NAVIGATE, "If-None-Match": feed_etag})[0] == 200
    # Only a real navigation counts: frames and fetch() get the feed.
    for headers in ({"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"},
                    {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe"}):
        assert get(pages_first, headers)[2].startswith(b"<?xml")


def test_nginx_sends_its_request_id_and_never_a_cached_one(app, behind_nginx, make_category, make_release):
    """Every answer carries nginx's own $request_id, the micro-cached feed's included."""
    with app.app_context():
        make_release(make_category(), title="요청 번호")
    ids = []
    paths = ["/board/", "/feeds/all.atom", "/feeds/all.atom", "/feeds/all.atom", "/static/feed.xsl",
             "/static/feed.xsl"]
    for path in paths:
        status, headers, _ = get(behind_nginx + path)
        assert status == 200
        [given] = headers.get_all("X-Request-ID")
        assert re.fullmatch(r"[0-9a-f]{32}", given)
        ids.append(given)
    assert len(set(ids)) == len(paths)


@pytest.fixture
def metrics_token(monkeypatch, tmp_path):
    """Let the app answer /metrics to a bearer token, and give /readyz its attachment folder."""
    monkeypatch.setenv("FEEDSERVER_METRICS_TOKEN", "token-the-public-must-not-use")
    (tmp_path / "attachments").mkdir(exist_ok=True)


def test_nginx_keeps_health_uncached_and_refuses_metrics(app, metrics_token, behind_nginx):
    """/readyz always asks the app; /metrics is refused at the door even with the app's token."""
    for _ in range(3):
        status, headers, body = get(behind_nginx + "/readyz")
        assert (status, headers["Cache-Control"]) == (200, "no-store")
        assert "X-Cache-Status" not in headers and b"ready" in body
    status, _, body = get(behind_nginx + "/metrics", {"Authorization": "Bearer token-the-public-must-not-use"})
    assert status == 404 and b"feedserver_" not in body
