"""`feedserver worker`: claim due outbox jobs and run each in a thread pool."""
import logging
import os
import socket
import threading
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from feedserver.db import is_postgres
from feedserver.observability import metrics
from feedserver.search import recent as recent_search
from feedserver.websub import delivery, outbox, wakeup

log = logging.getLogger(__name__)
PURGE_EVERY_SECONDS = 300
SLOW_HOST_SECONDS = 600  # how long a host that answered slowly stays in the slow lane
GAUGE_EVERY_SECONDS = 10  # how often the outbox depth gauges are read from the database
KINDS = ("changed", "due", "deliver", "verify", "ping")


class Worker:
    """A loop that keeps a pool of threads busy with due jobs; several may share a database.

    Verifications are claimed first and WEBSUB_VERIFY_THREADS threads are kept for them, so a
    backlog of deliveries never delays a new subscriber; no callback host gets more than
    WEBSUB_HOST_CONCURRENCY requests at once, and hosts whose last request took half the
    deadline or more share a quarter of the threads, so slow hosts cannot hold every thread.
    """

    def __init__(self, app, name=None):
        self.app = app
        self.config = app.config
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.threads = self.config["WEBSUB_WORKER_THREADS"]
        self.reserved = max(0, min(self.config["WEBSUB_VERIFY_THREADS"], self.threads - 1))
        self.host_cap = max(1, self.config["WEBSUB_HOST_CONCURRENCY"])
        self.slow_lane = max(1, self.threads // 4)
        self.slow_after = self.config["WEBSUB_DELIVERY_TIMEOUT"] / 2
        self.slow = {}  # host -> monotonic time it leaves the slow lane
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        # Set when a job may be waiting: one was queued (PostgreSQL NOTIFY) or one of ours ended.
        self.wake = threading.Event()
        self.inflight = {}  # future -> (kind, target host)
        self.claimed = {}  # future -> job
        self.last_purge = self.last_gauge = 0.0
        self.indexing = None  # the thread refreshing the newest releases' search index

    def run(self):
        """Work until stop() is called; return how many running jobs were handed back unfinished."""
        wakeup.listen(self.config["DATABASE_URL"], self.wake, self.stopping)
        pool = ThreadPoolExecutor(self.threads, thread_name_prefix="websub")
        try:
            while not self.stopping.is_set():
                if not self.tick(pool):
                    self._idle()
        finally:
            released = self._drain(pool)
        return released

    def stop(self):
        self.stopping.set()
        self.wake.set()

    def _drain(self, pool):
        """Let running jobs finish for WEBSUB_STOP_SECONDS, then hand the rest back unfinished.

        A job handed back is due again at once for any worker, not after its lease; if its
        thread still ends it, finish() finds the lease gone (LostLease), so nothing is closed twice.
        """
        running = [future for future in self.claimed if not future.done()]
        _, late = wait(running, timeout=self.config["WEBSUB_STOP_SECONDS"]) if running else ((), ())
        if late:
            with self.app.app_context():
                for future in late:
                    job = self.claimed[future]
                    outbox.release(job)
                    log.warning("outbox job %s (%s) handed back unfinished at stop", job.id, job.kind)
        pool.shutdown(wait=not late, cancel_futures=True)
        return len(late)

    def _idle(self):
        """Wait a poll interval, or until a job is queued or a running one ends (freeing its host)."""
        self.wake.wait(self.config["WEBSUB_POLL_SECONDS"])
        self.wake.clear()

    def tick(self, pool):
        """Claim as many jobs as there are idle threads and hand them out; return the count."""
        self.inflight = {f: what for f, what in self.inflight.items() if not f.done()}
        self.claimed = {f: job for f, job in self.claimed.items() if not f.done()}
        free = self.threads - len(self.inflight)
        if free <= 0:
            # Every thread is busy: go on as soon as one finishes, not after a poll interval.
            wait(self.inflight, timeout=self.config["WEBSUB_POLL_SECONDS"], return_when=FIRST_COMPLETED)
            return 1  # waited already: claim again at once
        try:
            with self.app.app_context():
                self._purge()
                self._gauge()
                return self._start(pool, self._claim(free))
        except Exception:  # a locked or lost database must not end the loop
            log.exception("claiming outbox jobs failed")
            return 0

    def _claim(self, free):
        """Claim verifications first, then other jobs outside the kept threads, then slow hosts'."""
        lease, name = self.config["WEBSUB_JOB_LEASE_SECONDS"], self.name
        running = list(self.inflight.values())
        hosts = Counter(host for _, host in running if host)
        busy = {host for host, count in hosts.items() if count >= self.host_cap}
        slow = self._slow_hosts()
        jobs = outbox.claim(free, lease, name, verify=True, skip_hosts=busy | slow)
        room = self.threads - self.reserved - sum(kind != "verify" for kind, _ in running)
        if min(free - len(jobs), room) > 0:
            jobs += outbox.claim(min(free - len(jobs), room), lease, name, verify=False,
                                 skip_hosts=busy | slow)
        room -= sum(job.kind != "verify" for job in jobs)
        lane = self.slow_lane - sum(host in slow for _, host in running)
        limit = min(free - len(jobs), room, lane)
        if limit > 0 and slow - busy:
            jobs += outbox.claim(limit, lease, name, only_hosts=slow - busy)
        return jobs

    def _start(self, pool, jobs):
        """Submit claimed jobs; one past its host's cap (claimed in the same batch) goes back."""
        hosts = Counter(host for _, host in self.inflight.values() if host)
        for job in jobs:
            host = job.target_host or ""
            if host and hosts[host] >= self.host_cap:
                # Due as before: the next claims pass over its host until a request ends.
                outbox.unclaim(job)
                continue
            hosts[host] += 1
            future = pool.submit(self.work, job)
            future.add_done_callback(lambda _: self.wake.set())
            self.inflight[future], self.claimed[future] = (job.kind, host), job
        return len(jobs)

    def _slow_hosts(self):
        now = time.monotonic()
        with self.lock:
            self.slow = {host: until for host, until in self.slow.items() if until > now}
            return set(self.slow)

    def work(self, job):
        """Run one job in its own app context; failures go back with backoff."""
        started = time.monotonic()
        with self.app.app_context():
            slow = False
            try:
                slow = delivery.run(job)
                result = "done"
            except outbox.LostLease:
                result = "lost"
                log.warning("outbox job %s was taken over by another worker", job.id)
            except Exception as error:  # noqa: BLE001 - any failure is retried, never fatal
                result = self._retry(job, error)
        elapsed = time.monotonic() - started
        metrics.outbox_jobs.labels(job.kind, result).inc()
        log.info("outbox job %s (%s, attempt %s, host %s) %s in %.0f ms", job.id, job.kind,
                 job.attempts, job.target_host or "-", result, elapsed * 1000)
        # A batch times its requests one by one: its total time says nothing about the host.
        took = 0 if job.kind == "batch" else elapsed
        if job.target_host and (slow or took >= self.slow_after):
            with self.lock:  # its next requests wait in the slow lane
                self.slow[job.target_host] = time.monotonic() + SLOW_HOST_SECONDS

    def _retry(self, job, error):
        """Put a failed job back with backoff; return "retry", or "failed" when it gave up."""
        message = f"{type(error).__name__}: {error}"[:500]
        try:
            outbox.retry(job, message, self.config["WEBSUB_MAX_ATTEMPTS"],
                         self.config["WEBSUB_RETRY_SECONDS"])
        except Exception:  # the lease will run out and another pass retries it
            log.exception("could not reschedule outbox job %s", job.id)
        return "failed" if job.attempts >= self.config["WEBSUB_MAX_ATTEMPTS"] else "retry"

    def _gauge(self):
        """Every GAUGE_EVERY_SECONDS, read the outbox's depth by kind and its oldest due job's age."""
        if time.monotonic() - self.last_gauge < GAUGE_EVERY_SECONDS:
            return
        self.last_gauge = time.monotonic()
        pending, oldest = outbox.depth()
        for kind in set(KINDS) | set(pending):
            metrics.outbox_pending.labels(kind).set(pending.get(kind, 0))
        metrics.outbox_oldest_due.set(oldest)

    def _purge(self):
        if time.monotonic() - self.last_purge >= PURGE_EVERY_SECONDS:
            self.last_purge = time.monotonic()
            outbox.purge(self.config["WEBSUB_KEEP_DAYS"])
            if is_postgres() and (self.indexing is None or not self.indexing.is_alive()):
                # Its own thread: rebuilding the index takes seconds at a million releases, and
                # this loop must go on claiming jobs meanwhile.
                self.indexing = threading.Thread(target=self._refresh_search, name="search-index", daemon=True)
                self.indexing.start()

    def _refresh_search(self):
        """Move the newest releases' search index on if they outgrew it (a few catalogue reads if not)."""
        try:
            with self.app.app_context():
                recent_search.refresh()
        except Exception:  # the next pass tries again; searches use the whole index meanwhile
            log.exception("refreshing the newest releases' search index failed")
