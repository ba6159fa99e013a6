"""PostgreSQL: a second GIN over the newest releases' tokens, so a common word's count stops early.

A search counts its matches up to the 1,000 its list shows. For a word in one release of
twenty, GIN over a million releases decodes and intersects posting lists of some fifty
thousand entries (11 ms) before it hands over the first candidate; a partial GIN over the
newest 50,000 ids holds a twentieth of them (0.3 ms). Any 1,000 verified matches settle the
count, whichever releases they are, so the newest ids are asked first and the whole index only
when they hold fewer.

The bound is a constant in the index's predicate and in the query (SQL, not a parameter), so the
planner can prove that the one implies the other. `refresh` moves it on as releases are added
(`feedserver migrate`, and the worker every few minutes); a process reads it again within
BOUND_SECONDS, and until then asks the whole index, which is slower but as exact.
"""
import logging
import re
import threading
import time

from feedserver.db import database, is_postgres

log = logging.getLogger(__name__)

NAME = "release_search_recent"
# Releases (by id) the partial index holds after a refresh; it is rebuilt once it holds twice as many.
WINDOW = 50_000
BOUND_SECONDS = 60
# Any constant: it only keeps two processes from building the index at once.
_LOCK_KEY = 0x5EA2C4
_PREDICATE = re.compile(r"\(?release_id > '?(\d+)'?(?:::bigint)?\)?")
_cached = {"bound": None, "read_at": -BOUND_SECONDS, "db": None}
_lock = threading.Lock()


def bound():
    """Return the id above which the partial index holds every release, or None (no such index)."""
    now = time.monotonic()
    with _lock:
        fresh = _cached["db"] is database.obj and now - _cached["read_at"] < BOUND_SECONDS
        if fresh:
            return _cached["bound"]
    found = read_bound(database.obj) if is_postgres() else None
    with _lock:
        _cached.update(bound=found, read_at=now, db=database.obj)
    return found


def read_bound(db):
    """Read the partial index's bound from the catalogue (None: no valid index)."""
    row = db.execute_sql(
        "SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i "
        "WHERE i.indexrelid = to_regclass(%s) AND i.indisvalid", (NAME,)).fetchone()
    match = row and row[0] and _PREDICATE.fullmatch(row[0])
    return int(match.group(1)) if match else None


def forget():
    """Make the next bound() read the catalogue (after a refresh in this process, and in tests)."""
    with _lock:
        _cached.update(read_at=-BOUND_SECONDS)


def refresh(db=None, window=None, concurrently=True):
    """Build the partial index over the newest `window` ids (WINDOW) once the table has twice that
    past its bound (or past none); return the new bound, or None when nothing was done."""
    db, window = db or database.obj, window or WINDOW
    if not is_postgres(db):
        return None
    top = db.execute_sql("SELECT max(release_id) FROM release_search").fetchone()[0] or 0
    if top - (read_bound(db) or 0) <= 2 * window:
        return None
    if not db.execute_sql("SELECT pg_try_advisory_lock(%s)", (_LOCK_KEY,)).fetchone()[0]:
        return None  # another process is at it
    try:
        return _rebuild(db, top - window, " CONCURRENTLY" if concurrently else "")
    finally:
        db.execute_sql("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))


def _rebuild(db, new_bound, how):
    """Build the index under a new name, then swap it in: searches never go without one."""
    db.execute_sql(f"DROP INDEX{how} IF EXISTS {NAME}_next")  # left invalid by a build that died
    db.execute_sql(f"CREATE INDEX{how} {NAME}_next ON release_search USING GIN (tsv) "
                   f"WHERE release_id > {int(new_bound)}")
    db.execute_sql(f"DROP INDEX{how} IF EXISTS {NAME}")
    db.execute_sql(f"ALTER INDEX {NAME}_next RENAME TO {NAME}")
    forget()
    log.info("search: the index of recent releases now starts after release %d", new_bound)
    return new_bound
