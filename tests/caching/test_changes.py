"""PostgreSQL's change count: memos hold until a notified write, and turn off when unsure."""
import time
from datetime import UTC, datetime

import psycopg
import pytest

from feedserver.caching import changes
from feedserver.caching.statememo import current, remember
from feedserver.db import database, libpq_url

NOW = datetime(2024, 5, 6, 23, 46, tzinfo=UTC)
# Writes are seen within 100 ms: measured alone, not beside other tests competing for the CPU.
pytestmark = [pytest.mark.backends("postgresql"), pytest.mark.alone]


class Counter:
    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.calls, None


@pytest.fixture
def pg_app(backend, databases, tmp_path):
    app = databases.build_app(tmp_path, databases.fresh_url(backend, tmp_path))
    yield app
    databases.close_database()


def _live(url, timeout=5.0):
    ends = time.monotonic() + timeout
    while changes.stamp(url) is None:
        assert time.monotonic() < ends, "the listener never went live"
        time.sleep(0.01)
    return changes.stamp(url)


def _settled(url):
    """Wait until the setup's own writes have been notified: the count stops moving."""
    stamp = _live(url)
    while True:
        time.sleep(0.3)
        if changes.stamp(url) == stamp:
            return stamp
        stamp = _live(url)


def _elsewhere(url, sql):
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute(sql)


def test_memo_holds_until_a_write_through_another_connection_is_notified(pg_app):
    url = pg_app.config["DATABASE_URL"]
    with pg_app.app_context():
        _settled(url)
        compute = Counter()
        assert remember("k", NOW, compute) == 1
        assert remember("k", NOW, compute) == 1  # no query: the memo holds
        started = time.monotonic()
        _elsewhere(url, "INSERT INTO category (slug, name, description, sort_order) "
                        "VALUES ('elsewhere', '다른 곳', '', 9)")
        while remember("k", NOW, compute) == 1:
            assert time.monotonic() - started < 0.1, "a write was not seen within 100 ms"
            time.sleep(0.002)
        assert compute.calls == 2


def test_without_the_triggers_every_call_reads_the_database(pg_app):
    url = pg_app.config["DATABASE_URL"]
    with pg_app.app_context():
        _live(url)
        _elsewhere(url, "DROP FUNCTION feedserver_changed() CASCADE")
        ends = time.monotonic() + changes.STALE_AFTER + changes.HEARTBEAT + 0.5
        while current() is not None:
            assert time.monotonic() < ends, "the memo stayed on without triggers"
            time.sleep(0.01)
        compute = Counter()
        assert [remember("k", NOW, compute) for _ in range(3)] == [1, 2, 3]


def test_a_lost_listener_turns_the_memo_off_until_it_is_back(pg_app):
    url = pg_app.config["DATABASE_URL"]
    with pg_app.app_context():
        before = _live(url)
        _elsewhere(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        f"WHERE application_name = '{changes.APPLICATION}' AND datname = current_database()")
        ends = time.monotonic() + 1.0
        while changes.stamp(url) == before:
            assert time.monotonic() < ends, "a killed listener still vouched for the memo"
            time.sleep(0.005)
        # Back after a reconnect, with a count that moved: nothing read while it was away is reused.
        after = _live(url, timeout=changes.RECONNECT_SECONDS + 5)
        assert after != before
        database.close()


def test_a_warm_poll_and_board_page_run_no_query_while_the_listener_is_live(pg_app, make_category, make_release):
    from playhouse.test_utils import count_queries
    url = pg_app.config["DATABASE_URL"]
    with pg_app.app_context():
        make_release(make_category())
    client = pg_app.test_client()
    _settled(url)
    etag = client.get("/feeds/category/news.atom").headers["ETag"]
    assert client.get("/board/news/").status_code == 200
    with count_queries() as counter:
        assert client.get("/feeds/category/news.atom", headers={"If-None-Match": etag}).status_code == 304
        assert client.get("/feeds/category/news.atom").status_code == 200
        assert client.get("/board/news/").status_code == 200
    assert counter.count == 0, [r.msg for r in counter.get_queries()]


def _views_moved(url, before, timeout=0.1):
    started = time.monotonic()
    while changes.stamp(url)[1] == before[1]:
        assert time.monotonic() - started < timeout, "a view written elsewhere was not seen within 100 ms"
        time.sleep(0.002)
    return changes.stamp(url)


def test_a_view_count_leaves_the_state_memo_and_drops_filled_counts(pg_app, make_category, make_release):
    url = pg_app.config["DATABASE_URL"]
    with pg_app.app_context():
        release = make_release(make_category())
        before = _settled(url)
        state, filled = Counter(), Counter()
        assert remember("state", NOW, state) == 1 and remember("page", NOW, filled, views=True) == 1
        _elsewhere(url, f'UPDATE "release" SET view_count = view_count + 1 WHERE id = {release.id}')
        after = _views_moved(url, before)
        assert after[0] == before[0]  # what pages show did not change
        assert remember("state", NOW, state) == 1  # no query for the state token
        assert remember("page", NOW, filled, views=True) == 2  # the counts are read again
        _elsewhere(url, f"UPDATE \"release\" SET title = '고친 제목' WHERE id = {release.id}")
        started = time.monotonic()
        while remember("state", NOW, state) == 1:
            assert time.monotonic() - started < 0.1, "an edit was not seen within 100 ms"
            time.sleep(0.002)


def test_the_content_trigger_covers_every_release_column_but_the_view_count(pg_app):
    """A migration that adds a release column must run quiet_views() again, or edits of it go unseen."""
    with pg_app.app_context():
        columns = {name for (name,) in database.execute_sql(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = 'release'").fetchall()}
        watched = {name for (name,) in database.execute_sql(
            "SELECT a.attname FROM pg_trigger t JOIN pg_attribute a "
            "ON a.attrelid = t.tgrelid AND a.attnum = ANY(t.tgattr::int2[]) "
            "WHERE t.tgname = 'release_changed'").fetchall()}
    assert watched == columns - {"view_count"}


def test_a_new_readers_view_costs_the_next_reader_no_state_query(pg_app, make_category, make_release):
    from playhouse.test_utils import count_queries
    url = pg_app.config["DATABASE_URL"]
    with pg_app.app_context():
        public_id = make_release(make_category()).public_id
    client = pg_app.test_client()
    _settled(url)
    path = f"/releases/{public_id}"
    assert client.get(path, headers={"User-Agent": "Mozilla/5.0 reader-0"}).status_code == 200
    for n in range(1, 4):
        with count_queries() as counter:
            assert client.get(path, headers={"User-Agent": f"Mozilla/5.0 reader-{n}"}).status_code == 200
        statements = [str(r.msg[0]) for r in counter.get_queries()]
        # With the per-address cap (as shipped): one statement remembers the reader, moves the
        # address's agents and adds the view within the cap; no state token, no counts read.
        assert len(statements) == 1 and "INSERT INTO \"audience_agents\"" in statements[0], statements


def test_a_scheduled_release_coming_due_moves_the_memo_without_a_write(pg_app, make_category, make_release):
    """No write tells anyone a scheduled release's time has come: the state carries its time."""
    import feedparser
    from datetime import timedelta

    from feedserver.models import utcnow
    url = pg_app.config["DATABASE_URL"]
    with pg_app.app_context():
        news = make_category()
        make_release(news, title="이미 공개")
        due = make_release(news, title="예약 공개", status="scheduled",
                           published_at=utcnow() + timedelta(seconds=2))
    client = pg_app.test_client()
    _settled(url)
    titles = [e.title for e in feedparser.parse(client.get("/feeds/category/news.atom").data).entries]
    assert titles == ["이미 공개"]
    time.sleep(max(0.0, (due.published_at - utcnow()).total_seconds()) + 0.05)
    titles = [e.title for e in feedparser.parse(client.get("/feeds/category/news.atom").data).entries]
    assert titles == ["예약 공개", "이미 공개"]


def test_a_stream_of_notifications_costs_a_heartbeat_per_interval_not_one_per_notification(pg_app):
    """Every view notifies every process: each must count them all without a query each."""
    url = pg_app.config["DATABASE_URL"]

    class Counted(changes.Listener):
        beats = 0

        def _beat(self, conn):
            Counted.beats += 1
            super()._beat(conn)

    listener = Counted(url)
    ends = time.monotonic() + 5
    while listener.stamp() is None:
        assert time.monotonic() < ends, "the listener never went live"
        time.sleep(0.01)
    time.sleep(changes.HEARTBEAT)  # past the notifications of the listener's own start
    before, beats, started = listener.views, Counted.beats, time.monotonic()
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        for _ in range(300):  # one commit each, as readers' views arrive
            conn.execute(f"SELECT pg_notify('{changes.CHANNEL}', '{changes.VIEWS}')")
    ends = time.monotonic() + 5
    while listener.views < before + 300:
        assert time.monotonic() < ends, f"counted {listener.views - before} of 300 notifications"
        time.sleep(0.005)
    elapsed = time.monotonic() - started
    assert Counted.beats - beats <= elapsed / changes.HEARTBEAT + 2
