"""The shipped deploy/nginx.conf in front of a real gunicorn: micro-cache, Vary, forwarded host, 304."""
import gzip
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import feedparser
import pytest

from helpers import make_category, make_release
from test_coherence import _instance, _port

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@pytest.fixture
def behind_nginx(app, tmp_path, monkeypatch):
    """Start gunicorn as shipped (trusting one proxy) and the shipped nginx.conf in front of it."""
    if not Path(NGINX).exists():
        pytest.skip("nginx not installed (apt-get install nginx-light)")
    sys.path.insert(0, str(ROOT / "bench"))
    from nginx import render  # the shipped file with this test's ports and paths
    monkeypatch.setenv("FEEDSERVER_PROXY_FIX_HOPS", "1")
    web, web_url = _instance(app, tmp_path, "web")
    prefix, port = tmp_path / "nginx", _port()
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


def test_shipped_nginx_caches_feeds_by_their_headers(app, behind_nginx):
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


def test_shipped_nginx_does_not_cache_the_board_or_admin(app, behind_nginx):
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
