"""`feedserver worker`: claim due outbox jobs and run each in a thread pool."""
import logging
import os
import socket
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from . import delivery, outbox

log = logging.getLogger(__name__)
PURGE_EVERY_SECONDS = 300


class Worker:
    """A loop that keeps a pool of threads busy with due jobs; several may share a database."""

    def __init__(self, app, name=None):
        self.app = app
        self.config = app.config
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.threads = self.config["WEBSUB_WORKER_THREADS"]
        self.stopping = threading.Event()
        self.inflight = set()
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
        self.inflight = {f for f in self.inflight if not f.done()}
        free = self.threads - len(self.inflight)
        if free <= 0:
            # Every thread is busy: go on as soon as one finishes, not after a poll interval.
            wait(self.inflight, timeout=self.config["WEBSUB_POLL_SECONDS"], return_when=FIRST_COMPLETED)
            return 1  # waited already: claim again at once
        try:
            with self.app.app_context():
                self._purge()
                jobs = outbox.claim(free, self.config["WEBSUB_JOB_LEASE_SECONDS"], self.name)
        except Exception:  # a locked or lost database must not end the loop
            log.exception("claiming outbox jobs failed")
            return 0
        for job in jobs:
            self.inflight.add(pool.submit(self.work, job))
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
