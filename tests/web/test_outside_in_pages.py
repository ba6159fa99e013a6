"""This round's page and search speed-ups, tried from outside over real HTTP against gunicorn.

Compiled query shapes, remembered links, rows filled from what was rendered and each worker's
memory of first views all keep state per process: several workers and many concurrent clients
must still get exactly the page a single request gets, a rotating User-Agent must not slip past
the cap per address, and hostile or junk searches must answer quickly and plainly.
"""
import random
import string
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import lxml.html
import pytest

from feedserver.models import Release

CAP = 5  # User-Agents per address counted per release and day


def get(url, user_agent="outside-in/1"):
    url = urllib.parse.quote(url, safe=":/?=&%")  # Korean words as a browser sends them
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def rows(html):
    """Return the board table's (번호, title, link) per row, as a reader's browser parses it."""
    tree = lxml.html.fromstring(html)
    return [(tr.findtext("td[@class='col-no']"), tr.xpath("string(td[@class='col-title']/a)").strip(),
             tr.xpath("string(td[@class='col-title']/a/@href)"))
            for tr in tree.xpath("//table[@class='board-table']/tbody/tr[td[@class='col-no']]")]


@pytest.fixture
def served(demo_app, tmp_path, servers):
    process, url = servers.gunicorn(demo_app, tmp_path, "pages", workers=3, env={
        "FEEDSERVER_PAGE_CACHE_BYTES": "0",  # every request renders from the database
        "FEEDSERVER_AUDIENCE_AGENTS_PER_ADDRESS": str(CAP)})
    yield demo_app, url
    process.terminate()
    process.wait(15)


def test_concurrent_clients_get_the_page_a_lone_request_gets(served):
    app, url = served
    paths = ["/board/", "/board/?page=7", "/board/governor/?page=94", "/board/?q=청년",
             "/board/?field=title&q=경기도&page=2", "/board/?q=도", "/board/?q=뷁",
             "/board/?start=2024-01-01&end=2024-06-30"]
    alone = {path: rows(get(url + path)[1]) for path in paths}
    assert all(alone[path] for path in paths if "뷁" not in path)
    work = [random.choice(paths) for _ in range(240)]
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda path: (path, get(url + path)), work))
    for path, (status, html) in answers:
        assert status == 200, path
        assert rows(html) == alone[path], path  # nothing of another request's page in this one


def test_reloads_and_rotating_user_agents_count_as_they_should_across_workers(served):
    app, url = served
    with app.app_context():
        release = Release.visible().offset(300).first()
        before = release.view_count
    page = f"{url}/releases/{release.public_id}"
    # One reader reloading, spread by the kernel over three workers: one view.
    for _ in range(30):
        assert get(page, "Mozilla/5.0 one reader")[0] == 200
    # One address rotating forty User-Agents, concurrently: at most CAP more.
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda n: get(page, f"Mozilla/5.0 rotating/{n}")[0], range(40)))
    assert set(statuses) == {200}
    with app.app_context():
        counted = Release.get_by_id(release.id).view_count - before
    assert counted == CAP  # the first reader is one of the CAP agents this address may count


def test_hostile_and_junk_searches_answer_plainly_and_quickly(served):
    app, url = served
    rng = random.Random(7)
    words = ["".join(rng.choice("가나다라마바사아자차카타파하") for _ in range(rng.randint(1, 6))) for _ in range(60)]
    words += ["%", "_", "'; DROP TABLE release; --", "a" * 100, "!!!", "<script>", "도 " * 30, "\u200b"]
    started = time.monotonic()
    for word in words:
        for field in ("all", "title", "body"):
            query = urllib.parse.urlencode({"q": word, "field": field,
                                            "_": "".join(rng.choices(string.ascii_letters, k=8))})
            status, html = get(f"{url}/board/?{query}")
            assert status in (200, 400), (word, status)
            assert "<script>" not in html.replace("&lt;script&gt;", "")
    took = time.monotonic() - started
    assert took < 60, took  # 204 searches, none of them a scan of the board
    # Junk parameters change nothing a reader sees.
    assert rows(get(url + "/board/?q=청년&utm_source=x&fbclid=y&_=1")[1]) == rows(get(url + "/board/?q=청년")[1])
