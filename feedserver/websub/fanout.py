"""Fan-out in batches: one job per callback host and up to WEBSUB_BATCH_SIZE subscriptions.

A change to a feed with 10,000 subscribers used to be 10,000 delivery jobs, each claimed,
rendered, connected and closed on its own. A batch renders each topic once, checks its host's
addresses once and POSTs over one kept-alive connection. It records how far it got every few
deliveries (and renews its lease then), so a worker killed mid-batch leaves the rest to the
worker that takes the batch over, which resends only what was not yet recorded. A subscriber
that fails gets a "deliver" job of its own and is retried alone, with backoff.
"""
import itertools
import json
import time
from datetime import timedelta
from typing import NamedTuple

from flask import current_app

from feedserver.db import database
from feedserver.models import OutboxJob, Subscription, utcnow
from feedserver.websub import netguard, outbox
from feedserver.websub.topics import allowed_networks

CHECKPOINT_EVERY = 50  # deliveries between two progress records
CHECKPOINT_SECONDS = 1.0  # and at most this long


class Target(NamedTuple):
    """What a delivery needs of a subscription."""

    id: int
    topic: str
    callback: str
    secret: str | None


def plan(feed_key, batch_size):
    """Yield (host, [subscription ids]) batches of a feed's live subscriptions, host by host."""
    rows = (Subscription.active().select(Subscription.id, Subscription.callback_host,
                                         Subscription.callback)
            .where(Subscription.feed_key == feed_key).tuples())
    keyed = sorted((host or netguard.host_key(callback), sub_id) for sub_id, host, callback in rows)
    for host, group in itertools.groupby(keyed, key=lambda row: row[0]):
        ids = [sub_id for _, sub_id in group]
        for start in range(0, len(ids), batch_size):
            yield host, ids[start:start + batch_size]


def batch_rows(feed_key, batch_size):
    """Return the outbox rows of one change's batches, to queue with outbox.enqueue_many()."""
    return [_batch_row(feed_key, host, ids) for host, ids in plan(feed_key, batch_size)]


def _batch_row(feed_key, host, ids):
    return {"kind": "batch", "feed_key": feed_key, "target_host": host,
            "payload": json.dumps({"subscriptions": ids, "done": 0})}


class Progress:
    """Records how many of a batch's subscriptions are done, renewing the job's lease."""

    def __init__(self, job, data):
        self.job, self.data = job, data
        self.recorded, self.at = data.get("done", 0), time.monotonic()

    def advance(self, done):
        """Note `done` deliveries; write them down when enough have passed."""
        due = done - self.recorded >= CHECKPOINT_EVERY or time.monotonic() - self.at >= CHECKPOINT_SECONDS
        if done > self.recorded and due:
            self.data["done"] = done
            lease = timedelta(seconds=current_app.config["WEBSUB_JOB_LEASE_SECONDS"])
            updated = (OutboxJob.update(payload=json.dumps(self.data), locked_until=utcnow() + lease)
                       .where(OutboxJob.id == self.job.id, OutboxJob.locked_by == self.job.locked_by)
                       .execute())
            if not updated:
                raise outbox.LostLease(f"outbox job {self.job.id}")
            self.recorded, self.at = done, time.monotonic()


def run(job, post):
    """Deliver a batch with post(caller, subscription); return True when its host was slow.

    post raises for a failed delivery: that subscription gets its own retry job. A request
    that takes half the deadline or more stops the batch; the rest goes back as a new batch,
    which the worker then sends through its slow lane.
    """
    data = outbox.payload(job)
    ids, start = data["subscriptions"], data.get("done", 0)
    live = _live(ids[start:])
    config = current_app.config
    slow_after = config["WEBSUB_DELIVERY_TIMEOUT"] / 2
    progress = Progress(job, data)
    with netguard.Caller(allowed_networks(), config["WEBSUB_DELIVERY_TIMEOUT"]) as caller:
        for index in range(start, len(ids)):
            sub = live.get(ids[index])
            began = time.monotonic()
            if sub is not None:
                _attempt(post, caller, sub, job)
            if time.monotonic() - began >= slow_after:
                _hand_back(job, data, ids[index + 1:])
                return True
            if index + 1 < len(ids):  # the last one is recorded by closing the job
                progress.advance(index + 1)
    outbox.finish(job)
    return False


def _live(ids):
    """Return {id: Target} of the batch's subscriptions whose lease still runs (plain tuples: cheap)."""
    rows = (Subscription.active()
            .select(Subscription.id, Subscription.topic, Subscription.callback, Subscription.secret)
            .where(Subscription.id.in_(ids)).tuples())
    return {row[0]: Target(*row) for row in rows}


def _attempt(post, caller, sub, job):
    try:
        post(caller, sub)
    except netguard.Refused:
        raise  # the host itself is refused: the whole batch fails, no retry can help
    except Exception as error:  # noqa: BLE001 - this subscriber alone is retried
        retry_alone(sub, job, f"{type(error).__name__}: {error}"[:500])


def retry_alone(sub, job, error):
    """Queue one subscriber's delivery for a retry after the first backoff step."""
    delay = current_app.config["WEBSUB_RETRY_SECONDS"]
    outbox.enqueue("deliver", {"subscription": sub.id, "topic": sub.topic, "callback": sub.callback},
                   job.feed_key, available_at=utcnow() + timedelta(seconds=delay),
                   target_host=job.target_host, attempts=1, last_error=error)


def _hand_back(job, data, rest):
    """Close a batch stopped by a slow host; queue what it had not sent yet as a new batch."""
    with database.atomic():
        if rest:
            outbox.enqueue_many([_batch_row(job.feed_key, job.target_host, rest)])
        outbox.finish(job, "done", "느린 구독자 서버: 나머지는 새 묶음으로 보냅니다.")

