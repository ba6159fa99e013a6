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
from feedserver.clients import client_key

log = logging.getLogger(__name__)
AGENT_MEMO = 4096  # User-Agent -> (aggregator, reader): a handful of strings make most polls
AGENT_LENGTH = 512  # longer User-Agents are read by their start and not remembered
WIDGET_HOSTS = 1000  # distinct widget host sites per batch: Referers are the client's to invent
SEEN_MEMO = 200_000  # per-process hashes of today's pollers (about 10 MB at most)


class Batch:
    """What was counted since the last flush."""

    def __init__(self):
        self.feeds = {}  # (day, feed) -> [polls, 304s]
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
        self.seen = None  # where first views are remembered (seen.py), set by init_app
        # Pollers this process hashed today, by Python's own per-process keyed hash: a poller
        # seen before costs a set lookup instead of a BLAKE2b (most polls are repeats).
        self.hashed, self.hashed_day = set(), None
        self.wake = threading.Event()
        self.running = False
        os.register_at_fork(after_in_child=self._forked)

    def _forked(self):
        self.running, self.batch, self.lock = False, Batch(), threading.Lock()
        self.hashed, self.wake = set(), threading.Event()  # the parent's pollers are not in a child's batch

    def _agent(self, user_agent):
        """Return (Reported or None, is a reader), remembered per User-Agent string."""
        reported = aggregator(user_agent[:AGENT_LENGTH])
        known = (reported, reported is None and not is_robot(user_agent[:AGENT_LENGTH]))
        if len(user_agent) <= AGENT_LENGTH:  # a client's own giant strings must not fill memory
            if len(self.agents) >= AGENT_MEMO:
                self.agents.clear()
            self.agents[user_agent] = known
        return known

    def poll(self, environ, status):
        """Count one poll of a feed answered with status '200' or '304' (the fast path's hook).

        The hot path, in one call: dictionary lookups and a lock; a BLAKE2b only for a poller
        this process has not seen today (a set keyed by Python's per-process hash tells).
        """
        if (environ.get("HTTP_SEC_FETCH_MODE") == "navigate"
                and environ.get("HTTP_SEC_FETCH_DEST") == "document"):
            return  # the feed's HTML page for a person (caching.render.is_navigation)
        feed, user_agent = environ["PATH_INFO"], environ.get("HTTP_USER_AGENT", "")
        address = environ.get("REMOTE_ADDR") or ""
        if ":" in address:
            address = client_key(address)  # IPv6 per /64; IPv4 as it is (parsing costs more)
        clock = self.clock
        day = clock.day if time.time() < clock.ends else clock.today()
        reported, reader = self.agents.get(user_agent) or self._agent(user_agent)
        visitor = None
        if reader:
            if day != self.hashed_day:
                self.hashed, self.hashed_day = set(), day
            local = hash((feed, address, user_agent))
            if local not in self.hashed:
                visitor = self._visitor(day, address, user_agent, local)
        with self.lock:
            batch = self.batch
            counts = batch.feeds.get((day, feed))
            if counts is None:
                counts = batch.feeds[day, feed] = [0, 0]
            counts[0] += 1
            if status == "304":
                counts[1] += 1
            if reported is not None:
                batch.latest[day, feed, reported.name] = (reported.subscribers, time.time())
            elif visitor is not None:
                batch.pollers.add((day, feed, visitor))
            batch.events += 1
            due = batch.events >= self.max_events
        if due or not self.running:
            self._started(due)

    def _visitor(self, day, address, user_agent, local):
        """Return a new poller's keyed hash (and remember them for today), or None without a salt."""
        salt = self.salts.cached(day)
        if salt is None:
            return None  # before the flusher's first round: counted as a poll only
        if len(self.hashed) >= SEEN_MEMO:
            self.hashed.clear()
        self.hashed.add(local)
        return digest(salt, address, user_agent)

    def view(self, day, release_id, source):
        """Count one honest view of a release by its referrer class."""
        self._add("views", (day, release_id, source))

    def widget(self, host):
        """Count one load of the widget on another site (a bounded number of sites per batch)."""
        key = (self.clock.today(), host)
        hosts = self.batch.widget_hosts
        if key in hosts or len(hosts) < WIDGET_HOSTS:
            self._add("widget_hosts", key)

    def _add(self, name, key):
        with self.lock:
            getattr(self.batch, name)[key] += 1
            self.batch.events += 1
            due = self.batch.events >= self.max_events
        self._started(due)

    def _started(self, due):
        """Start this process's flusher on first use (after a fork too); wake it when full."""
        if not self.running:
            self._start()
        if due:
            self.wake.set()

    def _start(self):
        with self.lock:
            if self.running:
                return
            self.running = True
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
            for key, (polls, not_modified) in batch.feeds.items():
                counts = mine.feeds.setdefault(key, [0, 0])
                counts[0] += polls
                counts[1] += not_modified
            for key, value in batch.latest.items():
                if key not in mine.latest or mine.latest[key][1] < value[1]:
                    mine.latest[key] = value
            mine.pollers |= batch.pollers
            mine.views.update(batch.views)
            mine.widget_hosts.update(batch.widget_hosts)
            mine.events += batch.events

