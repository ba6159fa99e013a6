"""Wake idle workers the moment a job is queued: PostgreSQL's LISTEN/NOTIFY.

outbox.wake_workers() sends NOTIFY in the transaction that queues a job, so PostgreSQL
delivers it when the job becomes visible. Other databases have no such signal; their workers
poll every WEBSUB_POLL_SECONDS.
"""
import logging
import threading

import psycopg

from feedserver.db import libpq_url
from feedserver.websub.outbox import CHANNEL

log = logging.getLogger(__name__)
RECONNECT_SECONDS = 2.0


def listen(url, wake, stopping):
    """Start a thread that sets `wake` on every notification until `stopping` is set."""
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    thread = threading.Thread(target=_loop, args=(url, wake, stopping), name="outbox-listen",
                              daemon=True)
    thread.start()
    return thread


def _loop(url, wake, stopping):
    while not stopping.is_set():
        try:
            with psycopg.connect(libpq_url(url), autocommit=True) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                wake.set()  # anything queued while we were not listening
                while not stopping.is_set():
                    for _ in conn.notifies(timeout=1.0, stop_after=1):
                        wake.set()
        except Exception as error:  # noqa: BLE001 - a lost database: poll until it returns
            log.warning("outbox LISTEN connection lost (%s); retrying", error)
            stopping.wait(RECONNECT_SECONDS)

