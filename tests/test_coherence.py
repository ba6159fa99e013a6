"""Two app instances on one database never serve content older than the last write."""
import json
import time
import urllib.request

import feedparser
import lxml.html
import pytest

# A 100 ms bound, measured: not beside other tests competing for the CPU.
pytestmark = pytest.mark.alone


def _get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.read()


def _publish(url, token, title):
    body = json.dumps({"title": title, "category": "press", "body": "<p>본문</p>",
                       "status": "published"}).encode()
    request = urllib.request.Request(url + "/api/v1/releases", data=body, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 201


BOUND_SECONDS = 0.1


def _within(since, read, expected):
    """Read until the expected value shows; fail if that takes longer than the bound."""
    while (got := read()) != expected:
        assert time.monotonic() - since < BOUND_SECONDS, f"still {got!r} after {BOUND_SECONDS} s"
        time.sleep(0.005)


def _rss_title(url):
    rss = feedparser.parse(_get(url + "/feeds/all.rss", {"Accept-Encoding": "identity"}))
    assert rss.bozo == 0
    return rss.entries[0].title


def test_write_through_a_is_read_at_once_through_b(staff_db_app, tmp_path, servers):
    app = staff_db_app
    a, url_a = servers.gunicorn(app, tmp_path, "a")
    b, url_b = servers.gunicorn(app, tmp_path, "b")
    try:
        token = app.config["TEST_TOKENS"]["editor"]
        _publish(url_a, token, "첫 보도자료")
        for _ in range(3):  # warm every cache of instance B, in both workers
            for path in ("/feeds/all.rss", "/feeds/category/press.json", "/board/press/"):
                _get(url_b + path)
        for n in range(5):
            title = f"인스턴스 A에서 쓴 보도자료 {n}"
            _publish(url_a, token, title)
            published = time.monotonic()
            # SQLite: at once (data_version). PostgreSQL: once LISTEN/NOTIFY has told B's
            # workers, a few milliseconds; the bound we promise is 100 ms.
            _within(published, lambda: json.loads(_get(url_b + "/feeds/category/press.json"))["items"][0]["title"], title)
            _within(published, lambda: _rss_title(url_b), title)
            _within(published, lambda: lxml.html.fromstring(_get(url_b + "/board/press/")).xpath(
                "string(//td[@class='col-title']/a)"), title)
            search = url_b + "/board/press/?field=title&q=" + urllib.request.quote(f"보도자료 {n}")
            _within(published, lambda search=search: lxml.html.fromstring(_get(search)).xpath(
                "string(//td[@class='col-title']/a)"), title)
    finally:
        for process in (a, b):
            process.terminate()
            process.wait(10)
