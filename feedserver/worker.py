"""`feedserver worker`: claim due outbox jobs and run each in a thread pool."""
import logging
import os
import socket
import threading
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from . import delivery, outbox

log = logging.getLogger(__name__)
PURGE_EVERY_SECONDS = 300


class Worker:
    """A loop that keeps a pool of threads busy with due jobs; several may share a database.

    Verifications are claimed first and WEBSUB_VERIFY_THREADS threads are kept for them, so a
    backlog of deliveries never delays a new subscriber; no callback host gets more than
    WEBSUB_HOST_CONCURRENCY requests at once, so a slow host cannot hold every thread.
    """

    def __init__(self, app, name=None):
        self.app = app
        self.config = app.config
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.threads = self.config["WEBSUB_WORKER_THREADS"]
        self.reserved = max(0, min(self.config["WEBSUB_VERIFY_THREADS"], self.threads - 1))
        self.host_cap = max(1, self.config["WEBSUB_HOST_CONCURRENCY"])
        self.stopping = threading.Event()
        self.inflight = {}  # future -> (kind, target host)
        self.last_purge = 0.0

    def run(self):
        """Work until stop() is called."""
        with ThreadPoolExecutor(self.threads, thread_name_prefix="websub") as pool:
            while not self.stopping.is_set():
                if not self.tick(pool):
                    self.stopping.wait(self.config["WEBSUB_POLL_SECONDS"])

    def stop(self):
        self.stopping.set()

    def tick(self, pool):
        """Claim as many jobs as there are idle threads and hand them out; return the count."""
        self.inflight = {f: what for f, what in self.inflight.items() if not f.done()}
        free = self.threads - len(self.inflight)
        if free <= 0:
            # Every thread is busy: go on as soon as one finishes, not after a poll interval.
            wait(self.inflight, timeout=self.config["WEBSUB_POLL_SECONDS"], return_when=FIRST_COMPLETED)
            return 1  # waited already: claim again at once
        hosts = Counter(host for _, host in self.inflight.values() if host)
        busy = {host for host, count in hosts.items() if count >= self.host_cap}
        others = sum(kind != "verify" for kind, _ in self.inflight.values())
        try:
            with self.app.app_context():
                self._purge()
                jobs = self._claim(free, busy, self.threads - self.reserved - others)
                return self._start(pool, jobs, hosts)
        except Exception:  # a locked or lost database must not end the loop
            log.exception("claiming outbox jobs failed")
            return 0

    def _claim(self, free, busy, room_for_others):
        """Claim verifications first, then other jobs into the threads not kept for them."""
        lease, name = self.config["WEBSUB_JOB_LEASE_SECONDS"], self.name
        jobs = outbox.claim(free, lease, name, verify=True, busy_hosts=busy)
        limit = min(free - len(jobs), room_for_others)
        if limit > 0:
            jobs += outbox.claim(limit, lease, name, verify=False, busy_hosts=busy)
        return jobs

    def _start(self, pool, jobs, hosts):
        """Submit claimed jobs; one past its host's cap (claimed in the same batch) goes back."""
        for job in jobs:
            host = job.target_host or ""
            if host and hosts[host] >= self.host_cap:
                # Due as before: the next claims pass over its host until a request ends.
                outbox.unclaim(job)
                continue
            hosts[host] += 1
            self.inflight[pool.submit(self.work, job)] = (job.kind, host)
        return len(jobs)

    def work(self, job):
        """Run one job in its own app context; failures go back with backoff."""
        with self.app.app_context():
            try:
                delivery.run(job)
            except outbox.LostLease:
                log.warning("outbox job %s was taken over by another worker", job.id)
            except Exception as error:  # noqa: BLE001 - any failure is retried, never fatal
                self._retry(job, error)

    def _retry(self, job, error):
        message = f"{type(error).__name__}: {error}"[:500]
        try:
            outbox.retry(job, message, self.config["WEBSUB_MAX_ATTEMPTS"],
                         self.config["WEBSUB_RETRY_SECONDS"])
        except Exception:  # the lease will run out and another pass retries it
            log.exception("could not reschedule outbox job %s", job.id)

    def _purge(self):
        if time.monotonic() - self.last_purge >= PURGE_EVERY_SECONDS:
            self.last_purge = time.monotonic()
            outbox.purge(self.config["WEBSUB_KEEP_DAYS"])
