"""Two gunicorn instances of two workers each, on one database: every count sums exactly."""
import time
import urllib.request

from feedserver.models import FeedAggregator, FeedAudience, Release, ReleaseAudience

FEEDLY = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 42 subscribers; )"
INOREADER = "Inoreader/1.0 (+http://www.inoreader.com/feed-fetcher; 3 subscribers; )"
THUNDERBIRD = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0"
NETNEWSWIRE = "NetNewsWire (RSS Reader; https://netnewswire.com/)"
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0.0.0 Safari/537.36"


def get(url, agent):
    request = urllib.request.Request(url, headers={"User-Agent": agent})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.status


def test_two_instances_of_two_workers_sum_correctly(db_app, servers, tmp_path, monkeypatch,
                                                     make_category, make_release):
    monkeypatch.setenv("FEEDSERVER_AUDIENCE_FLUSH_SECONDS", "1")
    with db_app.app_context():
        release = make_release(make_category())
    started = [servers.gunicorn(db_app, tmp_path, name) for name in ("first", "second")]
    (_, first), (_, second) = started
    try:
        time.sleep(1.5)  # each worker's flusher loads the day's salt when it starts
        for n in range(20):
            get(first + "/feeds/all.rss", FEEDLY)
            get(second + "/feeds/all.rss", INOREADER)
            get((first, second)[n % 2] + "/feeds/all.rss", THUNDERBIRD)  # one reader, both instances
        for base in (first, second, first):
            get(base + "/feeds/all.rss", NETNEWSWIRE)
        page = f"/releases/{release.public_id}"
        for n in range(12):  # one reader on both instances, then ten more readers
            get((first, second)[n % 2] + page, BROWSER)
        for n in range(10):
            get((first, second)[n % 2] + page, f"{BROWSER} Edg/131.0.{n}")
        expected = {"polls": 63, "direct": 2, "aggregators": {"Feedly": 42, "Inoreader": 3},
                    "views": 11, "daily views": 11}
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with db_app.app_context():
                found = _figures(release.id)
            if found == expected:
                break
            time.sleep(0.5)
        assert found == expected
    finally:
        for process, _ in started:
            process.terminate()
            process.wait(timeout=10)


def _figures(release_id):
    feed = FeedAudience.get_or_none(FeedAudience.feed == "/feeds/all.rss")
    return {"polls": feed and feed.polls, "direct": feed and feed.direct,
            "aggregators": {a.aggregator: a.subscribers for a in FeedAggregator.select()},
            "views": Release.get_by_id(release_id).view_count,
            "daily views": sum(r.views for r in ReleaseAudience.select())}
