"""A time budget for one board search, enforced inside the database.

A one-letter word has no index to use: it is found by reading releases newest first, and
a letter that only old releases hold reads the whole board (2.5 s at 300,000 releases), for
anyone who asks. So a search may spend SEARCH_TIME_BUDGET_MS of database time. The database
itself stops a statement that runs past the deadline: SQLite through a progress handler on
the connection, PostgreSQL by a transaction-local statement_timeout, MariaDB by
max_statement_time. The search then answers with what its narrower windows found, marked
partial.
"""
import sqlite3
import time
from contextlib import contextmanager

from flask import current_app, has_app_context
from peewee import DatabaseError

from feedserver.db import database, is_mysql, is_postgres
from feedserver.observability import metrics

# SQLite asks the handler every this many virtual-machine steps: tens of microseconds apart.
SQLITE_CHECK_STEPS = 1000
MYSQL_TIMEOUT_CODES = {1969, 3024}  # MariaDB max_statement_time, MySQL max_execution_time
POSTGRES_CANCELED = "57014"  # query_canceled, what statement_timeout raises


class Found(list):
    """Matching ids, newest first; `partial` when the time budget cut the search short."""

    partial = False
    total = None  # how many match (up to a cap), where the list holds only the newest of them


class _Spent(Exception):
    """The budget ran out between two statements."""


def budget_ms():
    """Return the configured budget of one search in milliseconds (0: unlimited)."""
    return current_app.config.get("SEARCH_TIME_BUDGET_MS", 0) if has_app_context() else 0


def within_budget(search, ms):
    """Run a search generator: it yields what it found so far before each costly statement
    and returns its whole answer. Past `ms` milliseconds (0: never) the last yield is kept."""
    started = time.perf_counter()
    found = _run(search, ms)
    metrics.search_duration.labels(str(found.partial).lower()).observe(time.perf_counter() - started)
    return found


def _run(search, ms):
    deadline = time.monotonic() + ms / 1000 if ms and ms > 0 else None
    so_far = []
    try:
        with _limit(deadline) as arm:
            while True:
                arm()
                try:
                    so_far = next(search)
                except StopIteration as done:
                    return done.value if isinstance(done.value, Found) else Found(done.value)
    except _Spent:
        pass
    except (DatabaseError, sqlite3.OperationalError) as error:  # SQLite's fetches are not wrapped
        if not _timed_out(error):
            raise
    found = Found(so_far)
    found.partial = True
    return found


def _timed_out(error):
    """Tell whether a database error is a statement the budget stopped."""
    cause = getattr(error, "orig", error)  # peewee keeps the driver's exception here
    if getattr(cause, "sqlstate", None) == POSTGRES_CANCELED:
        return True
    code = cause.args[0] if cause.args else None
    return code in MYSQL_TIMEOUT_CODES or code == "interrupted"  # the last: SQLite


def _remaining_ms(deadline):
    """Return the whole milliseconds left before the deadline (at least 1: 0 means no limit
    to the databases), or raise _Spent."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise _Spent
    return max(1, int(left * 1000))


# A statement may run this share of its time limit past the deadline: re-arming the database
# costs a round trip, so the limit is set again only once what is left has shrunk by more.
ARM_DRIFT = 0.05


def _rearming(set_limit, deadline):
    """Return arm(): give the database what is left of the budget when it has drifted from the last."""
    armed = [None]

    def arm():
        ms = _remaining_ms(deadline)  # raises _Spent past the deadline, armed or not
        if armed[0] is None or ms < armed[0] * (1 - ARM_DRIFT):
            set_limit(ms)
            armed[0] = ms

    return arm


@contextmanager
def _limit(deadline):
    """Hold the database to the deadline; yield arm(), called before each step of the search."""
    if deadline is None:
        yield lambda: None
    elif is_postgres():
        with _postgres_limit(deadline) as arm:
            yield arm
    elif is_mysql():
        with _mysql_limit(deadline) as arm:
            yield arm
    else:
        with _sqlite_limit(deadline) as arm:
            yield arm


@contextmanager
def _sqlite_limit(deadline):
    """Interrupt whichever statement is running when the deadline passes."""
    connection = database.connection()
    connection.set_progress_handler(lambda: time.monotonic() > deadline, SQLITE_CHECK_STEPS)
    try:
        yield lambda: _remaining_ms(deadline)
    finally:
        connection.set_progress_handler(None, 0)


@contextmanager
def _postgres_limit(deadline):
    """Give each statement what is left of the budget, in a transaction that ends the setting.

    A cancelled statement aborts the transaction: atomic() rolls it (or its savepoint) back,
    so the connection goes back to the pool usable.
    """
    nested = database.in_transaction()
    # A search answers one reader within milliseconds: starting parallel workers costs more
    # (~15 ms here) than the statements they would share, and the planner chooses them for a
    # word its statistics do not know (it guesses 5,000 matches of none). Set with the first limit.
    parallel_off = ["max_parallel_workers_per_gather", "0"]

    def set_limit(ms):
        pairs = ["statement_timeout", str(ms), *parallel_off]
        parallel_off.clear()
        database.execute_sql("SELECT " + ", ".join(["set_config(%s, %s, true)"] * (len(pairs) // 2)), pairs)

    arm = _rearming(set_limit, deadline)

    with database.atomic():
        yield arm
        if nested:  # the caller's transaction goes on: give it its own settings back
            database.execute_sql("SET LOCAL statement_timeout TO DEFAULT")
            database.execute_sql("SET LOCAL max_parallel_workers_per_gather TO DEFAULT")


@contextmanager
def _mysql_limit(deadline):
    """Give each statement what is left of the budget; the pooled connection gets the default back."""
    mariadb = "MariaDB" in database.connection().get_server_info()
    # MariaDB counts seconds, MySQL milliseconds.
    name = "max_statement_time" if mariadb else "max_execution_time"

    arm = _rearming(lambda ms: database.execute_sql(f"SET SESSION {name} = {ms / 1000 if mariadb else ms}"),
                    deadline)

    try:
        yield arm
    finally:
        database.execute_sql(f"SET SESSION {name} = DEFAULT")
