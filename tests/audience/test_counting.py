"""Audience counting through the real WSGI app: aggregator subscribers, direct pollers, polls
and 304s, honest release views, referrer classes and widget hosts, on every database."""
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest

from feedserver.audience import store
from feedserver.audience import tally as tally_module
from feedserver.audience.agents import aggregator, is_robot
from feedserver.audience.referrers import classify
from feedserver.models import (
    AudienceAgents,
    AudienceSalt,
    AudienceSeen,
    FeedAggregator,
    FeedAudience,
    Release,
    ReleaseAudience,
    WidgetHost,
)

# Real User-Agents as each service documents them (Inoreader's fetcher page; Buttondown's table).
FEEDLY = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; {n} subscribers; )"
INOREADER = "Inoreader/1.0 (+http://www.inoreader.com/feed-fetcher; {n} subscribers; )"
INOREADER_COMPAT = "Mozilla/5.0 (compatible; inoreader.com; {n} subscribers)"
NEWSBLUR = ("NewsBlur Feed Fetcher - {n} subscribers - https://www.newsblur.com/site/7704055/rendezvous "
            "(\"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/14.0.1 Safari/605.1.15\")")
FEEDBIN = "Feedbin feed-id:1697787 - {n} subscribers"
OLD_READER = "Mozilla/5.0 (compatible; theoldreader.com; {n} subscribers; feed-id=cead6c3a837650eeefd8fe4a)"
BAZQUX = "Mozilla/5.0 (compatible; BazQux/2.4; +https://bazqux.com/fetcher; {n} subscribers)"
BROWSER = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/131.0.0.0 Safari/537.36")
PHONE = ("Mozilla/5.0 (Linux; Android 14; SM-S918N) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/131.0.0.0 Mobile Safari/537.36")
THUNDERBIRD = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0"


@pytest.mark.parametrize(("agent", "expected"), [
    (FEEDLY.format(n=462), ("Feedly", 462)), (INOREADER.format(n=3), ("Inoreader", 3)),
    (INOREADER_COMPAT.format(n=114), ("Inoreader", 114)), (NEWSBLUR.format(n=27), ("NewsBlur", 27)),
    (FEEDBIN.format(n=102), ("Feedbin", 102)), (OLD_READER.format(n=1), ("The Old Reader", 1)),
    (BAZQUX.format(n=1), ("BazQux", 1)),
    ("Dreamwidth Studios (webmaster@dreamwidth.org; for https://www.dreamwidth.org/; 2 readers)",
     ("Dreamwidth", 2)),
    (BROWSER, None), (THUNDERBIRD, None), ("Feedly/1.0 (+http://www.feedly.com/fetcher.html; like FeedFetcher-Google)", None),
])
def test_user_agents_report_their_subscribers(agent, expected):
    assert aggregator(agent) == (tuple(expected) if expected else None)


@pytest.mark.parametrize("agent", [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; Yeti/1.1; +https://naver.me/spd)", "facebookexternalhit/1.1",
    "Mozilla/5.0 (compatible; Daum/4.1; +http://cs.daum.net/faq/15/4118.html?faqId=28966)",
    "curl/8.5.0", "python-requests/2.32.3", "", FEEDLY.format(n=5), "kakaotalk-scrap/1.0"])
def test_robots_and_fetchers_are_known(agent):
    assert is_robot(agent) or aggregator(agent) is not None


@pytest.mark.parametrize("agent", [BROWSER, PHONE, THUNDERBIRD])
def test_readers_are_not_robots(agent):
    assert not is_robot(agent)


@pytest.mark.parametrize(("referrer", "source"), [
    ("https://search.naver.com/search.naver?query=x", "search"), ("https://www.google.com/", "search"),
    ("https://n.news.naver.com/article/1", "portal"), ("https://v.daum.net/v/1", "portal"),
    ("https://talk.kakao.com/", "messenger"), ("https://t.co/abc", "messenger"),
    ("https://feedly.com/i/entry/1", "feeds"), ("https://press.example/embed/latest?limit=5", "widget"),
    ("https://press.example/board/press/", "internal"), ("https://blog.example.org/post", "other"),
    ("", "direct"), (None, "direct"), ("not a url", "direct")])
def test_referrers_fall_into_classes(referrer, source):
    assert classify(referrer, "press.example") == source


def flush(app):
    with app.app_context():
        app.extensions["feedserver.audience"].flush()


def today(app):
    return app.extensions["feedserver.audience"].clock.today()


def poll(client, path, agent, address="127.0.0.1", **headers):
    return client.get(path, headers={"User-Agent": agent, **headers},
                      environ_base={"REMOTE_ADDR": address})


def test_aggregators_and_direct_pollers_sum_per_feed(db_app, make_category, make_release):
    with db_app.app_context():
        make_release(make_category(slug="news"))
    flush(db_app)  # the day's salt, as a worker's flusher loads it when it starts
    client = db_app.test_client()
    for agent in (FEEDLY.format(n=40), FEEDLY.format(n=42), INOREADER.format(n=3),
                  NEWSBLUR.format(n=27), FEEDBIN.format(n=102)):
        assert poll(client, "/feeds/all.rss", agent).status_code == 200
    assert poll(client, "/feeds/category/news.atom", FEEDLY.format(n=7)).status_code == 200
    etag = None
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.1"):  # two direct pollers, one twice
        answer = poll(client, "/feeds/all.rss", THUNDERBIRD, address, **({"If-None-Match": etag} if etag else {}))
        etag = answer.headers["ETag"]
    poll(client, "/feeds/all.rss", "Mozilla/5.0 (compatible; Googlebot/2.1)")  # a poll, no poller
    poll(client, "/feeds/all.rss?x=1", THUNDERBIRD, "10.0.0.9")  # not a subscription feed
    flush(db_app)
    with db_app.app_context():
        day = today(db_app)
        figures = {(a.feed, a.aggregator): a.subscribers for a in FeedAggregator.select()}
        assert figures == {("/feeds/all.rss", "Feedly"): 42, ("/feeds/all.rss", "Inoreader"): 3,
                           ("/feeds/all.rss", "NewsBlur"): 27, ("/feeds/all.rss", "Feedbin"): 102,
                           ("/feeds/category/news.atom", "Feedly"): 7}
        site = FeedAudience.get(FeedAudience.day == day, FeedAudience.feed == "/feeds/all.rss")
        assert (site.polls, site.not_modified, site.direct) == (9, 2, 2)


def test_a_later_batch_keeps_the_latest_figure_and_adds_polls(db_app, make_category, make_release):
    with db_app.app_context():
        make_release(make_category())
    client = db_app.test_client()
    poll(client, "/feeds/all.atom", FEEDLY.format(n=10))
    flush(db_app)
    poll(client, "/feeds/all.atom", FEEDLY.format(n=12))
    flush(db_app)
    with db_app.app_context():
        assert [a.subscribers for a in FeedAggregator.select()] == [12]
        assert [f.polls for f in FeedAudience.select()] == [2]


def test_reloads_count_once_robots_never_and_no_cookie(db_app, make_category, make_release):
    with db_app.app_context():
        release = make_release(make_category())
    client = db_app.test_client()
    url = f"/releases/{release.public_id}"
    for _ in range(20):  # a loop of reloads from one client
        answer = client.get(url, headers={"User-Agent": BROWSER})
        assert answer.status_code == 200 and "Set-Cookie" not in answer.headers
    for agent in ("Mozilla/5.0 (compatible; Googlebot/2.1)", FEEDLY.format(n=5), "curl/8.5.0", ""):
        client.get(url, headers={"User-Agent": agent})
    client.get(url, headers={"User-Agent": PHONE, "Referer": "https://search.naver.com/?q=1"})
    client.get(url, headers={"User-Agent": BROWSER}, environ_base={"REMOTE_ADDR": "10.1.1.1"})
    flush(db_app)
    with db_app.app_context():
        assert Release.get_by_id(release.id).view_count == 3
        sources = {r.source: r.views for r in ReleaseAudience.select()}
        assert sources == {"direct": 2, "search": 1}


def test_rotating_user_agents_from_one_address_are_capped(db_app, make_category, make_release):
    db_app.config["AUDIENCE_AGENTS_PER_ADDRESS"] = 3
    with db_app.app_context():
        release = make_release(make_category())
    client = db_app.test_client()
    for n in range(10):
        client.get(f"/releases/{release.public_id}", headers={"User-Agent": f"{BROWSER} v{n}"})
    with db_app.app_context():
        assert Release.get_by_id(release.id).view_count == 3


def test_forwarded_for_is_believed_only_from_configured_proxies(tmp_path, databases, make_category,
                                                                make_release):
    """PROXY_FIX_HOPS=0: a client's own X-Forwarded-For changes nothing; =1: nginx's last entry counts."""
    for hops, expected in ((0, 1), (1, 2)):
        app = databases.build_app(tmp_path / str(hops), "sqlite:///" + str(tmp_path / f"{hops}.sqlite3"),
                                  PROXY_FIX_HOPS=hops)
        with app.app_context():
            release = make_release(make_category())
        client = app.test_client()
        for forwarded in ("1.1.1.1", "2.2.2.2", "2.2.2.2", "9.9.9.9, 2.2.2.2"):  # the last: spoofed left part
            client.get(f"/releases/{release.public_id}",
                       headers={"User-Agent": BROWSER, "X-Forwarded-For": forwarded})
        with app.app_context():
            assert Release.get_by_id(release.id).view_count == expected
        databases.close_database()


def test_widget_hosts_are_counted_by_referrer_host(app):
    client = app.test_client()
    for referrer in ("https://www.gg.go.kr/page", "https://www.gg.go.kr/other", "https://city.example/"):
        client.get("/embed/latest", headers={"Referer": referrer})
    client.get("/widget/latest.json", headers={"Referer": "https://city.example/news"})
    client.get("/embed/latest")  # the builder's own preview, or no Referer: no host
    flush(app)
    with app.app_context():
        assert {w.host: w.loads for w in WidgetHost.select()} == {"www.gg.go.kr": 2, "city.example": 2}


def test_a_day_rollover_drops_raw_hashes_and_keeps_aggregates(db_app, make_category, make_release):
    with db_app.app_context():
        release = make_release(make_category())
    client = db_app.test_client()
    flush(db_app)
    client.get(f"/releases/{release.public_id}", headers={"User-Agent": BROWSER})
    poll(client, "/feeds/all.rss", THUNDERBIRD)
    flush(db_app)
    day = today(db_app)
    with db_app.app_context():
        assert AudienceSeen.select().count() == 2 and AudienceSalt.select().where(
            AudienceSalt.day == day).exists()
        store.roll_over(day + timedelta(days=1), keep_days=400)
        assert AudienceSeen.select().count() == 0 and AudienceAgents.select().count() == 0
        assert not AudienceSalt.select().where(AudienceSalt.day <= day).exists()
        assert FeedAudience.select().count() == 1 and ReleaseAudience.select().count() == 1
        store.roll_over(day + timedelta(days=401), keep_days=400)
        assert FeedAudience.select().count() == 0 and ReleaseAudience.select().count() == 0


def test_the_next_day_the_same_reader_counts_again(app, make_category, make_release):
    with app.app_context():
        release = make_release(make_category())
    tally = app.extensions["feedserver.audience"]
    client = app.test_client()
    client.get(f"/releases/{release.public_id}", headers={"User-Agent": BROWSER})
    tomorrow = tally.clock.today() + timedelta(days=1)
    tally.clock.day, tally.clock.ends = tomorrow, float("inf")
    client.get(f"/releases/{release.public_id}", headers={"User-Agent": BROWSER})
    client.get(f"/releases/{release.public_id}", headers={"User-Agent": BROWSER})
    with app.app_context():
        assert Release.get_by_id(release.id).view_count == 2
        salts = [s.salt for s in AudienceSalt.select().order_by(AudienceSalt.day)]
        assert len(salts) == 2 and salts[0] != salts[1]  # a new key each day
        assert isinstance(AudienceSalt.get().day, date)


def test_hostile_clients_cannot_grow_memory_or_tables(app):
    """Giant or ever-new User-Agents are not remembered; invented widget hosts stop at a bound."""
    client = app.test_client()
    tally = app.extensions["feedserver.audience"]
    flush(app)
    for n in range(50):
        assert poll(client, "/feeds/all.rss", f"Reader/{n} " + "x" * 5000).status_code == 200
    assert all(len(agent) <= tally_module.AGENT_LENGTH for agent in tally.agents)
    for n in range(tally_module.WIDGET_HOSTS + 50):
        client.get("/embed/latest", headers={"Referer": f"https://site{n}.example/"})
    assert len(tally.batch.widget_hosts) == tally_module.WIDGET_HOSTS
    flush(app)
    with app.app_context():
        assert WidgetHost.select().count() == tally_module.WIDGET_HOSTS
        assert FeedAudience.get().direct == 50  # each giant agent is still a distinct reader


def test_only_answered_polls_of_real_feeds_count(app, make_category, make_release):
    with app.app_context():
        make_release(make_category(slug="news"))
    client = app.test_client()
    assert poll(client, "/feeds/category/nosuch.rss", FEEDLY.format(n=9)).status_code == 404
    assert poll(client, "/feeds/all.xml", FEEDLY.format(n=9)).status_code == 404
    navigation = poll(client, "/feeds/all.rss", BROWSER, **{"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"})
    assert navigation.status_code == 200 and navigation.mimetype == "text/html"  # a person reading
    flush(app)
    with app.app_context():
        assert FeedAudience.select().count() == 0 and FeedAggregator.select().count() == 0


def test_a_batch_from_before_midnight_leaves_no_hashes_of_that_day(app, make_category, make_release):
    with app.app_context():
        make_release(make_category())
    tally = app.extensions["feedserver.audience"]
    flush(app)
    poll(app.test_client(), "/feeds/all.rss", THUNDERBIRD)  # counted yesterday, written today
    day = tally.clock.today()
    with app.app_context():
        store.roll_over(day + timedelta(days=1), keep_days=400)
        tally.salts.rolled = day + timedelta(days=1)  # this process rolled over already today
        store.write(tally.take(), day + timedelta(days=1), tally.salts)
        assert AudienceSeen.select().count() == 0
        assert FeedAudience.get(FeedAudience.day == day).direct == 1  # its count was kept


def test_polls_count_once_with_or_without_the_fast_path(tmp_path, databases, make_category, make_release):
    """Flask counts what the fast path does not answer; neither counts a poll twice."""
    for fast in (True, False):
        app = databases.build_app(tmp_path / str(fast), "sqlite:///" + str(tmp_path / f"{fast}.sqlite3"),
                                  FEED_FAST_PATH=fast)
        assert ("feedserver.fastpath" in app.extensions) is fast
        with app.app_context():
            make_release(make_category())
        client = app.test_client()
        flush(app)
        etag = poll(client, "/feeds/all.atom", THUNDERBIRD).headers["ETag"]
        for _ in range(4):
            poll(client, "/feeds/all.atom", THUNDERBIRD, **{"If-None-Match": etag})
        poll(client, "/feeds/all.atom", FEEDBIN.format(n=8))
        flush(app)
        with app.app_context():
            row = FeedAudience.get()
            assert (row.polls, row.not_modified, row.direct) == (6, 4, 1)
            assert FeedAggregator.get().subscribers == 8
        databases.close_database()


@pytest.mark.backends("postgresql")
def test_postgres_counts_a_first_view_in_one_statement_within_the_cap(backend, databases, tmp_path, make_category,
                                                                     make_release):
    """Remembering the reader, the cap and the count are one statement there: same answers."""
    from datetime import date

    from playhouse.test_utils import count_queries

    from feedserver.models import AudienceSeen, Release
    app = databases.build_app(tmp_path, databases.fresh_url(backend, tmp_path))
    with app.app_context():
        release = make_release(make_category())
        day, scope = date(2026, 12, 1), f"release:{release.id}"
        with count_queries() as statements:
            first = [AudienceSeen.count_first(day, scope, f"v{n}", "addr", 2, release.id) for n in range(3)]
        assert first == [release.view_count + 1, release.view_count + 2, False]  # the third is over the cap
        assert statements.count == 3  # one round trip each, the cap included
        assert AudienceSeen.count_first(day, scope, "v0", "addr", 2, release.id) is False  # a reload
        assert AudienceSeen.count_first(day, scope, "w", "other", 0, release.id) == release.view_count + 3
        assert Release.get_by_id(release.id).view_count == release.view_count + 3
    databases.close_database()


@pytest.mark.backends("postgresql")
def test_agents_from_one_address_arriving_at_once_count_at_most_the_cap(backend, databases, tmp_path,
                                                                        make_category, make_release):
    """Eight User-Agents of one address at the same instant, each on its own open connection."""
    import threading
    from datetime import date

    from feedserver.db import database
    from feedserver.models import AudienceSeen, Release
    app = databases.build_app(tmp_path, databases.fresh_url(backend, tmp_path))
    with app.app_context():
        release = make_release(make_category())
    start, counted = threading.Barrier(8), []

    def reader(n):
        with app.app_context():
            database.execute_sql("SELECT 1")  # connected before the start: the statements overlap
            start.wait()
            counted.append(AudienceSeen.count_first(date(2026, 12, 1), f"release:{release.id}", f"agent{n}",
                                                    "one-address", 3, release.id) is not False)
    threads = [threading.Thread(target=reader, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        added = Release.get_by_id(release.id).view_count - release.view_count
    assert sum(counted) == added <= 3
    databases.close_database()


@pytest.mark.backends("sqlite", "postgresql", "mysql")
def test_0022_fills_the_agents_counter_from_the_readers_already_seen(backend, tmp_path, databases):
    """An upgrade in the middle of a day keeps the cap of the readers seen before it."""
    from feedserver.db import database
    app, runner = databases.app_at_migration(backend, tmp_path, "0021_pg_quiet_views")
    day = date(2026, 12, 1)
    try:
        with app.app_context():
            for visitor, address in (("v1", "a"), ("v2", "a"), ("v3", "b")):
                database.execute_sql(
                    "INSERT INTO audience_seen (day, scope, visitor, address) VALUES (%s, 'release:1', %s, %s)"
                    .replace("%s", database.obj.param), (day, visitor, address))
            assert runner.up("0022_audience_agents") == ["0022_audience_agents"]
            assert {(a, n) for a, n in AudienceAgents.select(AudienceAgents.address, AudienceAgents.agents)
                    .where(AudienceAgents.scope == "release:1").tuples()} == {("a", 2), ("b", 1)}
            assert runner.down() == ["0022_audience_agents"]
            assert "audience_agents" not in database.obj.get_tables()
    finally:
        databases.close_database()


def test_rotating_agents_arriving_at_once_count_exactly_the_cap(db_app, make_category, make_release):
    """Forty User-Agents from one address, eight at a time: exactly the cap counts, on every database
    (MariaDB counted its readers in a second statement and could count fewer)."""
    cap = 5
    db_app.config["AUDIENCE_AGENTS_PER_ADDRESS"] = cap
    with db_app.app_context():
        category = make_category()
        releases = [make_release(category) for _ in range(3)]

    def view(release, n):
        return db_app.test_client().get(f"/releases/{release.public_id}",
                                        headers={"User-Agent": f"{BROWSER} rotating/{n}"}).status_code

    for release in releases:
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda n, release=release: view(release, n), range(40)))
        assert set(statuses) == {200}
    with db_app.app_context():
        assert [Release.get_by_id(r.id).view_count for r in releases] == [cap] * len(releases)
