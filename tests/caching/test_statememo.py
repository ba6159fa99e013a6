"""statememo.remember: values reused per thread while SQLite's data stamp holds."""
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from peewee import PostgresqlDatabase

from feedserver.caching import statememo
from feedserver.caching.statememo import current, remember
from feedserver.db import database

NOW = datetime(2024, 5, 6, 23, 46, tzinfo=UTC)


class Counter:
    """compute() for remember(): counts its calls, returns (call number, valid_until)."""

    def __init__(self, valid_until=None):
        self.calls, self.valid_until = 0, valid_until

    def __call__(self):
        self.calls += 1
        return self.calls, self.valid_until


@pytest.fixture
def ctx(app):
    """An app context with the SQLite database bound and a scratch table."""
    with app.app_context():
        database.execute_sql("CREATE TABLE IF NOT EXISTS memo_scratch (x INTEGER)")
        yield app


def db_path(app):
    return app.config["DATABASE_URL"][len("sqlite:///"):]


def commit_elsewhere(app):
    """Commit a row through another connection to the same file."""
    other = sqlite3.connect(db_path(app))
    try:
        other.execute("INSERT INTO memo_scratch (x) VALUES (1)")
        other.commit()
    finally:
        other.close()


def test_reuses_value_while_nothing_changes(ctx):
    compute = Counter()
    assert remember("k", NOW, compute) == 1
    assert remember("k", NOW, compute) == 1
    assert remember("k", NOW + timedelta(days=1), compute) == 1
    assert compute.calls == 1


def test_keys_are_separate(ctx):
    first, second = Counter(), Counter()
    remember("a", NOW, first)
    remember("b", NOW, second)
    remember("a", NOW, first)
    assert (first.calls, second.calls) == (1, 1)


def test_reads_do_not_move_the_stamp(ctx):
    compute = Counter()
    remember("k", NOW, compute)
    database.execute_sql("SELECT count(*) FROM memo_scratch").fetchone()
    assert remember("k", NOW, compute) == 1


def test_commit_from_another_connection_recomputes(ctx):
    compute = Counter()
    assert remember("k", NOW, compute) == 1
    commit_elsewhere(ctx)
    assert remember("k", NOW, compute) == 2
    assert remember("k", NOW, compute) == 2  # then reused again under the new stamp
    assert compute.calls == 2


def test_write_on_this_connection_recomputes(ctx):
    compute = Counter()
    assert remember("k", NOW, compute) == 1
    database.execute_sql("INSERT INTO memo_scratch (x) VALUES (2)")
    assert remember("k", NOW, compute) == 2


def test_write_inside_open_transaction_recomputes(ctx):
    compute = Counter()
    with database.atomic():
        assert remember("k", NOW, compute) == 1
        database.execute_sql("UPDATE memo_scratch SET x = x + 1")
        database.execute_sql("INSERT INTO memo_scratch (x) VALUES (3)")
        assert remember("k", NOW, compute) == 2


def test_reopened_connection_gets_a_fresh_memo(ctx):
    compute = Counter()
    remember("k", NOW, compute)
    database.close()
    database.connect()
    assert remember("k", NOW, compute) == 2


def test_valid_until_expires_at_the_given_time(ctx):
    until = NOW + timedelta(minutes=5)
    compute = Counter(valid_until=until)
    assert remember("k", NOW, compute) == 1
    assert remember("k", until - timedelta(microseconds=1), compute) == 1
    assert remember("k", until, compute) == 2  # expired exactly at valid_until
    assert compute.calls == 2


def test_memo_passed_in_is_used(ctx):
    memo = current()
    compute = Counter()
    remember("k", NOW, compute, memo=memo)
    assert remember("k", NOW, compute, memo=memo) == 1
    assert "k" in memo.entries
    assert current() is memo  # same stamp: same memo


def test_current_needs_a_new_memo_after_a_commit_elsewhere(ctx):
    memo = current()
    commit_elsewhere(ctx)
    assert current() is not memo


def test_memo_none_always_computes(ctx):
    compute = Counter()
    assert remember("k", NOW, compute, memo=None) == 1
    assert remember("k", NOW, compute, memo=None) == 2


def test_off_sqlite_current_is_none_and_every_call_computes(ctx):
    sqlite_db = database.obj
    database.initialize(PostgresqlDatabase("never-connected"))  # is_sqlite looks at the type only
    try:
        assert current() is None
        compute = Counter()
        assert remember("k", NOW, compute) == 1
        assert remember("k", NOW, compute) == 2
    finally:
        database.initialize(sqlite_db)


def test_memo_emptied_when_it_passes_its_entry_bound(ctx, monkeypatch):
    monkeypatch.setattr(statememo, "MAX_ENTRIES", 2)
    memo = current()
    for key in ("a", "b"):
        remember(key, NOW, Counter(), memo=memo)
    remember("c", NOW, Counter(), memo=memo)
    assert list(memo.entries) == ["c"]


def test_memo_emptied_when_it_passes_its_byte_bound(ctx, monkeypatch):
    monkeypatch.setattr(statememo, "MAX_BYTES", 100)
    memo = current()
    remember("a", NOW, Counter(), size=60, memo=memo)
    remember("b", NOW, Counter(), size=60, memo=memo)
    assert list(memo.entries) == ["b"] and sum(memo.sizes) == 60
