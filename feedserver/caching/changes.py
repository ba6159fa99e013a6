"""PostgreSQL's stand-in for SQLite's data_version: a per-process count of notified commits.

Migration 0019 makes every write to releases, boards, files and feed states notify the channel
`feedserver_changed`; since migration 0021 an UPDATE of nothing but a release's view count says
"views" instead. One thread per process LISTENs and counts both. While it is live, a memo
(statememo.py) stays valid until the count moves (filled view counts: until either moves), so a
warm poll costs no query and a reader's view does not make the next request read the state; a write
through any instance reaches every other within the notification's delivery, a few
milliseconds (the bound we promise is 100 ms, tests/test_coherence.py). The listener proves
itself live with a round trip every HEARTBEAT seconds; if it has not for STALE_AFTER seconds
(a lost or silently dropped connection), stamp() is None and every request reads the database,
as on MariaDB.
"""
import logging
import os
import threading
import time

import psycopg

from feedserver.db import libpq_url, local_writes

log = logging.getLogger(__name__)
CHANNEL = "feedserver_changed"
VIEWS = "views"  # the payload of a view-count-only UPDATE (migration 0021)
APPLICATION = "feedserver-changes"  # how the listener shows in pg_stat_activity
HEARTBEAT = 0.25
STALE_AFTER = 1.0
RECONNECT_SECONDS = 1.0
TRIGGERS_PRESENT = "SELECT 1 FROM pg_proc WHERE proname = 'feedserver_changed'"


class Listener:
    """One process's LISTEN connection and its count of notifications."""

    def __init__(self, url):
        self.url, self.pid = url, os.getpid()
        self.count, self.views, self.live_until = 0, 0, 0.0
        self.thread = threading.Thread(target=self._run, name="changes-listen", daemon=True)
        self.thread.start()

    def stamp(self):
        """Return (content count, view count) while the listener is live, else None."""
        return (self.count, self.views) if time.monotonic() < self.live_until else None

    def _bump(self, payload=""):
        if payload == VIEWS:
            self.views += 1
        else:
            self.count += 1

    def _run(self):
        while True:
            try:
                self._listen()
            except Exception as error:  # noqa: BLE001 - a lost connection: memo off until back
                self.live_until = 0.0
                log.warning("LISTEN %s lost (%s); reconnecting", CHANNEL, error)
                time.sleep(RECONNECT_SECONDS)

    def _beat(self, conn):
        """Prove the connection live with a round trip, for STALE_AFTER seconds from now.

        Live only while the triggers' function exists (migration 0019 applied, schema not
        dropped): without it no write would ever move the count.
        """
        beat = time.monotonic()
        self.live_until = beat + STALE_AFTER if conn.execute(TRIGGERS_PRESENT).fetchone() else 0.0

    def _listen(self):
        with psycopg.connect(libpq_url(self.url), autocommit=True, application_name=APPLICATION) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            self._bump()  # whatever was written while nobody listened
            self._bump(VIEWS)
            while True:
                self._beat(conn)
                # Every notification until the next heartbeat is due (those that came during the
                # heartbeat first: psycopg's backlog). Not one heartbeat per notification: under
                # a view per request, every process then sent a query per view of any process.
                for notify in conn.notifies(timeout=HEARTBEAT):
                    self._bump(notify.payload)


_listeners = {}
_lock = threading.Lock()


def stamp(url):
    """Return this process's change counts for a PostgreSQL URL, or None while not known to be live.

    ((content count, local content writes), (view count, local view writes)).
    """
    listener = _listeners.get(url)
    if listener is None or listener.pid != os.getpid():  # first call, or a forked worker
        with _lock:
            listener = _listeners.get(url)
            if listener is None or listener.pid != os.getpid():
                listener = _listeners[url] = Listener(url)
    counts = listener.stamp()
    if counts is None:
        return None
    # This process's own writes count at once; other processes' arrive as notifications.
    content, views = local_writes()
    return (counts[0], content), (counts[1], views)

