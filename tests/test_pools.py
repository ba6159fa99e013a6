"""Server connection pools: no liveness round trip for a connection just used, none handed out dead."""
import time

import pytest

from feedserver.db import is_postgres, make_database

pytestmark = pytest.mark.backends("postgresql", "mysql")


@pytest.fixture
def pool(backend, databases):
    db = make_database(databases.SERVER_URLS[backend], pool_size=2)
    yield db
    db.close_all()


@pytest.fixture
def admin(backend, databases):
    """A connection of its own, outside the pool under test."""
    db = make_database(databases.SERVER_URLS[backend], pool_size=1)
    db.connect()
    yield db
    db.close_all()


def _session(db):
    """Return this connection's server session id."""
    sql = "SELECT pg_backend_pid()" if is_postgres(db) else "SELECT CONNECTION_ID()"
    return db.execute_sql(sql).fetchone()[0]


def _kill(admin, session):
    """End a session from outside, as a server restart or an idle timeout would, and wait for it."""
    if is_postgres(admin):
        admin.execute_sql("SELECT pg_terminate_backend(%s)", (session,))
        alive = "SELECT count(*) FROM pg_stat_activity WHERE pid = %s"
    else:
        admin.execute_sql(f"KILL {int(session)}")
        alive = "SELECT count(*) FROM information_schema.PROCESSLIST WHERE ID = %s"
    ends = time.monotonic() + 5
    while admin.execute_sql(alive, (session,)).fetchone()[0]:
        assert time.monotonic() < ends, "the killed session lingered"
        time.sleep(0.01)


def _round_trips_seen(pool, admin, session):
    """Return what the server saw of a session last: its last statement, or its pings so far."""
    if is_postgres(pool):
        return admin.execute_sql("SELECT query FROM pg_stat_activity WHERE pid = %s", (session,)).fetchone()[0]
    # COM_PING is an admin command; reading the status is not one.
    return pool.execute_sql("SHOW SESSION STATUS LIKE 'Com_admin_commands'").fetchone()[1]


def test_a_connection_checked_in_a_moment_ago_is_reused_without_a_round_trip(pool, admin):
    pool.connect()
    session = _session(pool)
    before = _round_trips_seen(pool, admin, session)
    pool.close()
    pool.connect()  # peewee's own pool sends SELECT 1 (PostgreSQL) or a ping (MariaDB) here
    assert _round_trips_seen(pool, admin, session) == before
    assert _session(pool) == session
    pool.close()


@pytest.mark.parametrize("idle", [False, True])
def test_a_connection_killed_in_the_pool_is_never_handed_out(pool, admin, idle):
    if idle:
        pool.ping_idle_seconds = 0  # as if it had sat in the pool past the ping threshold
    pool.connect()
    session = _session(pool)
    pool.close()
    _kill(admin, session)
    pool.connect()
    if not idle:
        # Checked in a moment ago, it is used without a ping: its first statement may find it
        # dead, and the pool then drops it at check-in rather than handing it out again.
        try:
            _session(pool)
        except Exception:  # noqa: BLE001 - the driver's own error for a closed connection
            pool.close()
            pool.connect()
    assert _session(pool) != session
    pool.close()


def test_a_connection_that_died_in_use_is_dropped_at_check_in(pool, admin):
    pool.connect()
    session = _session(pool)
    _kill(admin, session)
    with pytest.raises(Exception):
        _session(pool)
    pool.close()
    pool.connect()
    assert _session(pool) != session
    pool.close()
