"""Values read from SQLite, reused per thread while the database reports no commit since.

SQLite's PRAGMA data_version moves whenever another connection, in any process, commits
to the file, and a connection's total_changes counts its own writes. While both hold, a
state token or a page with its view counts is still what the database would answer, so
a feed poll or a board page skips its queries and stays coherent with every instance on
the file. A value that depends on the clock carries its own expiry (the next scheduled
release). On PostgreSQL a count of notified commits plays data_version's part while its
listener is live (changes.py), and a separate count of view-count writes governs only what
shows counts (filled pages): a reader's view leaves the state token standing. MariaDB has no
such signal: there every call computes.
"""
import threading

from feedserver.caching import changes
from feedserver.db import database, is_postgres, is_sqlite

MAX_ENTRIES = 256
MAX_BYTES = 2 * 1024 * 1024  # per thread: filled pages are kept here too

_local = threading.local()


class _Memo:
    """What one thread read under one data stamp; what shows view counts, under one views stamp too."""

    def __init__(self, connection, stamp, views=None):
        self.connection, self.stamp, self.views = connection, stamp, views
        self.entries, self.counted, self.sizes = {}, {}, [0, 0]

    def entries_for(self, views):
        return self.counted if views else self.entries

    def forget_counts(self, views):
        """Drop what shows view counts (read under an older views stamp)."""
        self.views, self.counted, self.sizes[1] = views, {}, 0

    def clear(self):
        self.entries, self.counted, self.sizes = {}, {}, [0, 0]


def current():
    """Return this thread's memo for the database's current stamp, or None off SQLite."""
    db = database.obj
    if is_postgres(db):
        return _postgres_memo(db)
    if not is_sqlite(type(db)):
        return None
    connection = db.connection()
    stamp = (db.execute_sql("PRAGMA data_version").fetchone()[0], connection.total_changes)
    memo = getattr(_local, "memo", None)
    # A reopened connection starts its data_version afresh: compare the object too.
    if memo is None or memo.connection is not connection or memo.stamp != stamp:
        memo = _local.memo = _Memo(connection, stamp)
    return memo


def _postgres_memo(db):
    stamps = changes.stamp(db.feedserver_url) if hasattr(db, "feedserver_url") else None
    if stamps is None:
        return None
    stamp, views = stamps
    memo = getattr(_local, "memo", None)
    if memo is None or memo.connection is not db or memo.stamp != stamp:
        memo = _local.memo = _Memo(db, stamp, views)
    elif memo.views != views:  # only view counts moved: the state token still holds
        memo.forget_counts(views)
    return memo


_READ = object()


def remember(key, now, compute, size=0, memo=_READ, views=False):
    """Return the value of compute() -> (value, valid_until or None), reused while unchanged.

    memo: what current() gave earlier in this request, to read the stamp once.
    views: the value shows view counts, so a view written since also makes it stale.
    """
    memo = current() if memo is _READ else memo
    if memo is None:
        return compute()[0]
    entries = memo.entries_for(views)
    hit = entries.get(key)
    if hit is not None and (hit[1] is None or now < hit[1]):
        return hit[0]
    value, valid_until = compute()
    if len(memo.entries) + len(memo.counted) >= MAX_ENTRIES or sum(memo.sizes) + size > MAX_BYTES:
        memo.clear()
        entries = memo.entries_for(views)
    entries[key] = (value, valid_until)
    memo.sizes[views] += size
    return value
