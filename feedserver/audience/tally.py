"""Counters kept in this worker's memory and handed to the database in batches by one thread.

The poll path only adds to dictionaries under a lock; a daemon thread writes them out every
AUDIENCE_FLUSH_SECONDS, sooner when AUDIENCE_FLUSH_EVENTS have gathered, and at exit. Writes
are additive (and latest-wins for aggregator figures), so any number of workers and instances
sum correctly in the database.
"""
import atexit
import logging
import os
import threading
import time
from collections import Counter

from feedserver.audience.agents import aggregator, is_robot
from feedserver.audience.visitors import Clock, Salts, digest

log = logging.getLogger(__name__)
AGENT_MEMO = 4096  # User-Agent -> (aggregator, robot): a handful of strings make most polls


class Batch:
    """What was counted since the last flush."""

    def __init__(self):
        self.polls, self.not_modified = Counter(), Counter()  # (day, feed)
        self.latest = {}  # (day, feed, aggregator) -> (subscribers, when)
        self.pollers = set()  # (day, feed, visitor hash)
        self.views = Counter()  # (day, release id, source)
        self.widget_hosts = Counter()  # (day, host)
        self.events = 0


class Tally:
    """Per-process counters with a background flusher; flush_to is the database writer."""

    def __init__(self, flush_to, seconds=10.0, events=1000, clock=None):
        self.flush_to, self.seconds, self.max_events = flush_to, seconds, events
        self.clock, self.salts = clock or Clock(), Salts()
        self.batch, self.lock = Batch(), threading.Lock()
        self.agents = {}
        self.wake = threading.Event()
        self.pid = None

    def _agent(self, user_agent):
        known = self.agents.get(user_agent)
        if known is None:
            if len(self.agents) >= AGENT_MEMO:
                self.agents.clear()
            known = self.agents[user_agent] = (aggregator(user_agent), is_robot(user_agent))
        return known

    def poll(self, feed, status, address, user_agent):
        """Count one answered poll of a feed (status '200' or '304')."""
        day = self.clock.today()
        reported, robot = self._agent(user_agent)
        visitor = None
        if reported is None and not robot:
            salt = self.salts.cached(day)
            visitor = digest(salt, address, user_agent) if salt is not None else None
        with self.lock:
            batch = self.batch
            batch.polls[day, feed] += 1
            if status == "304":
                batch.not_modified[day, feed] += 1
            if reported is not None:
                batch.latest[day, feed, reported.name] = (reported.subscribers, time.time())
            elif visitor is not None:
                batch.pollers.add((day, feed, visitor))
            batch.events += 1
            due = batch.events >= self.max_events
        self._started(due)

    def view(self, day, release_id, source):
        """Count one honest view of a release by its referrer class."""
        self._add("views", (day, release_id, source))

    def widget(self, host):
        """Count one load of the widget on another site."""
        self._add("widget_hosts", (self.clock.today(), host))

    def _add(self, name, key):
        with self.lock:
            getattr(self.batch, name)[key] += 1
            self.batch.events += 1
            due = self.batch.events >= self.max_events
        self._started(due)

    def _started(self, due):
        """Start this process's flusher on first use (after a fork too); wake it when full."""
        if self.pid != os.getpid():
            self._start()
        if due:
            self.wake.set()

    def _start(self):
        with self.lock:
            if self.pid == os.getpid():
                return
            self.pid = os.getpid()
        if self.seconds > 0:
            threading.Thread(target=self._run, name="audience-flush", daemon=True).start()
        atexit.register(self._last_flush)

    def _run(self):
        first = True  # at once: the salts of the day come with the first (empty) flush
        while True:
            if not first:
                self.wake.wait(self.seconds)
                self.wake.clear()
            first = False
            try:
                self.flush()
            except Exception:
                log.warning("audience counters not written yet", exc_info=True)

    def _last_flush(self):
        try:
            self.flush()
        except Exception:
            log.warning("audience counters lost at exit", exc_info=True)

    def take(self):
        """Hand over the batch gathered so far and start a new one."""
        with self.lock:
            batch, self.batch = self.batch, Batch()
        return batch

    def flush(self):
        """Write what was gathered; on failure put it back for the next try."""
        batch = self.take()
        try:
            self.flush_to(batch, self.clock.today(), self.salts)
        except Exception:
            self._restore(batch)
            raise

    def _restore(self, batch):
        with self.lock:
            mine = self.batch
            mine.polls.update(batch.polls)
            mine.not_modified.update(batch.not_modified)
            for key, value in batch.latest.items():
                if key not in mine.latest or mine.latest[key][1] < value[1]:
                    mine.latest[key] = value
            mine.pollers |= batch.pollers
            mine.views.update(batch.views)
            mine.widget_hosts.update(batch.widget_hosts)
            mine.events += batch.events

