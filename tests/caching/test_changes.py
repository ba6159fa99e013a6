"""PostgreSQL's change count: memos hold until a notified write, and turn off when unsure."""
import time
from datetime import UTC, datetime

import psycopg
import pytest

from feedserver.caching import changes
from feedserver.caching.statememo import current, remember
from feedserver.db import database, libpq_url

NOW = datetime(2024, 5, 6, 23, 46, tzinfo=UTC)
pytestmark = pytest.mark.backends("postgresql")


class Counter:
    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.calls, None


@pytest.fixture
def pg_app(backend, databases, tmp_path):
    app = databases.build_app(tmp_path, databases.backend_url(backend, tmp_path))
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
