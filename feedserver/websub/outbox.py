"""The durable outbox: rows written in a change's transaction, claimed by workers under a lease."""
import json
import uuid
from datetime import timedelta

from peewee import fn

from feedserver.db import database, is_postgres
from feedserver.models import VISIBLE_STATUSES, OutboxJob, Subscription, utcnow
from feedserver.search.query import FIELDS
from feedserver.websub.topics import parse_search_key

MAX_BACKOFF_SECONDS = 3600
CHANNEL = "feedserver_outbox"  # PostgreSQL LISTEN/NOTIFY channel that wakes workers


class LostLease(Exception):
    """Another worker took the row over after our lease ran out."""


def enqueue(kind, payload, feed_key="", available_at=None, **columns):
    """Add one job; call inside the transaction of the change it announces."""
    job = OutboxJob.create(kind=kind, feed_key=feed_key, payload=json.dumps(payload),
                           available_at=available_at or utcnow(), **columns)
    wake_workers()
    return job


def enqueue_many(rows, chunk=500):
    """Add many jobs (dicts of columns, payload already JSON) in a few INSERTs."""
    now = utcnow()
    rows = [{"available_at": now, **row} for row in rows]
    for start in range(0, len(rows), chunk):
        OutboxJob.insert_many(rows[start:start + chunk]).execute()
    if rows:
        wake_workers()


def wake_workers():
    """Tell listening workers that a job is queued; PostgreSQL sends it when the transaction commits.

    Other databases have no such signal: their workers poll every WEBSUB_POLL_SECONDS.
    """
    if is_postgres():
        database.execute_sql(f"NOTIFY {CHANNEL}")


def was_public(status, published_at, now):
    """Tell whether a release with this status and time is visible to readers at `now`."""
    return status in VISIBLE_STATUSES and published_at is not None and published_at <= now


def seen_change(release, old_status, old_published_at, deleted=False, now=None):
    """Tell whether readers can see a write: the release is public before or after it."""
    now = now or utcnow()
    return was_public(old_status, old_published_at, now) or (not deleted and release.is_public(now))


def release_changed(release, old_category_id=None, old_status=None, old_published_at=None,
                    deleted=False, mail=True):
    """Queue the notifications a release write owes; call inside its transaction.

    Only a change readers can see wakes subscribers now. A release scheduled for later keeps
    one "due" job, replaced on every write, that announces it when its time comes.
    mail=False: the release is not news (an imported archive): feeds change, inboxes do not.
    """
    now = utcnow()
    key = f"release:{release.public_id}"
    # Ids first, then delete by id: a ranged DELETE would lock every pending row on MariaDB.
    stale = [row.id for row in OutboxJob.select(OutboxJob.id).where(
        OutboxJob.status == "pending", OutboxJob.kind == "due", OutboxJob.feed_key == key)]
    if stale:
        OutboxJob.delete().where(OutboxJob.id.in_(stale)).execute()
    if (not deleted and release.status in VISIBLE_STATUSES and release.published_at
            and release.published_at > now):
        enqueue("due", {"release": release.public_id}, key, available_at=release.published_at)
    if seen_change(release, old_status, old_published_at, deleted, now):
        announce(release, old_category_id, now,
                 went_live=mail and not was_public(old_status, old_published_at, now))


def announce(release, old_category_id=None, now=None, went_live=True):
    """Queue a "changed" job for every feed that shows (or showed) the release.

    went_live: the release has just become public (published, come due, restored), as
    opposed to an edit of a public one; e-mail sends the release itself only then.
    """
    now = now or utcnow()
    keys = ["all"] + [f"cat:{c}" for c in sorted({release.category_id, old_category_id} - {None})]
    for key in keys + _matching_searches(release, now, {release.category_id, old_category_id}):
        enqueue("changed", {"release": release.public_id}, key)
    # E-mail rides on the same trigger (publish, a scheduled release coming due, an edit);
    # feedserver/mail/fanout.py decides at run time what the change owes each address.
    enqueue("mail_release", {"release": release.public_id, "went_live": went_live},
            f"release:{release.public_id}")


def _matching_searches(release, now, category_ids):
    """Return the subscribed search feeds whose words all appear in the release.

    A search within one board matches only when the release is (or was) on that board.
    """
    keys = Subscription.active(now).select(fn.DISTINCT(Subscription.feed_key)).where(
        Subscription.feed_key.startswith("search:"))
    texts = {"title": [release.title], "body": [release.body_text], "author": [release.author]}
    texts["all"] = texts["title"] + texts["body"] + texts["author"]
    found = []
    for (key,) in keys.tuples():
        category_id, field, q = parse_search_key(key) or (None, "", "")
        if category_id is not None and category_id not in category_ids:
            continue
        haystack = " ".join(t or "" for t in texts.get(field, ())).casefold()
        if field in FIELDS and all(word.casefold() in haystack for word in q.split()):
            found.append(key)
    return found


def _claimable(now):
    return ((OutboxJob.status == "pending") & (OutboxJob.available_at <= now)
            & (OutboxJob.locked_until.is_null() | (OutboxJob.locked_until < now)))


def claim(limit, lease_seconds, worker, verify=None, skip_hosts=(), only_hosts=()):
    """Lock up to `limit` due jobs for this worker and return them.

    verify: True claims only verifications, False everything else, None any kind.
    skip_hosts: hosts whose jobs stay for later; only_hosts: claim only these hosts' jobs.
    """
    now = utcnow()
    token = f"{worker[:40]}:{uuid.uuid4().hex[:16]}"
    due = (OutboxJob.select(OutboxJob.id).where(_claimable(now))
           .order_by(OutboxJob.available_at, OutboxJob.id).limit(limit))
    if verify is not None:
        due = due.where((OutboxJob.kind == "verify") if verify else (OutboxJob.kind != "verify"))
    if skip_hosts:
        due = due.where(OutboxJob.target_host.is_null()
                        | OutboxJob.target_host.not_in(sorted(skip_hosts)))
    if only_hosts:
        due = due.where(OutboxJob.target_host.in_(sorted(only_hosts)))
    if is_postgres():
        # One statement, one round trip: rows another worker holds are skipped, not waited for.
        claimed = (_locking(token, now, lease_seconds)
                   .where(OutboxJob.id.in_(due.for_update(skip_locked=True)))
                   .returning(*OutboxJob._meta.sorted_fields).objects(OutboxJob))
        return sorted(claimed.execute(), key=lambda job: job.id)
    # The guarded UPDATE is atomic on its own: of two workers racing, one wins each row.
    ids = [row.id for row in due]
    _lock(ids, token, now, lease_seconds)
    if not ids:  # nothing due (the worker asks for verifications on every pass): no more queries
        return []
    return list(OutboxJob.select().where(OutboxJob.locked_by == token).order_by(OutboxJob.id))


def _locking(token, now, lease_seconds):
    """Return the UPDATE that makes due jobs ours; the caller says which."""
    return OutboxJob.update(locked_by=token, locked_until=now + timedelta(seconds=lease_seconds),
                            attempts=OutboxJob.attempts + 1)


def _lock(ids, token, now, lease_seconds):
    if ids:
        _locking(token, now, lease_seconds).where(OutboxJob.id.in_(ids), _claimable(now)).execute()


def finish(job, status="done", error=None):
    """Close a claimed job; raise LostLease when another worker owns it now."""
    updated = (OutboxJob.update(status=status, done_at=utcnow(), locked_by=None,
                                locked_until=None, last_error=error)
               .where(OutboxJob.id == job.id, OutboxJob.locked_by == job.locked_by).execute())
    if not updated:
        raise LostLease(f"outbox job {job.id}")


def renew(job, lease_seconds):
    """Extend a claimed job's lease before each step of a long job; raise LostLease if it is gone.

    A job that sends many messages stays ours while it works, and stops at once (before its
    next message) when another worker took it over.
    """
    ours = (OutboxJob.id == job.id) & (OutboxJob.locked_by == job.locked_by) & (OutboxJob.status == "pending")
    updated = (OutboxJob.update(locked_until=utcnow() + timedelta(seconds=lease_seconds))
               .where(ours).execute())
    # MariaDB counts changed rows, not matched ones: a renewal within the same second changes none.
    if not updated and not OutboxJob.select().where(ours).exists():
        raise LostLease(f"outbox job {job.id}")


def unclaim(job):
    """Put a claimed job back unrun, in its place in line; the claim is not an attempt."""
    (OutboxJob.update(locked_by=None, locked_until=None, attempts=OutboxJob.attempts - 1)
     .where(OutboxJob.id == job.id, OutboxJob.locked_by == job.locked_by).execute())


def release(job):
    """Hand a claimed job back at once (a worker stopping); the attempt it made still counts."""
    (OutboxJob.update(locked_by=None, locked_until=None)
     .where(OutboxJob.id == job.id, OutboxJob.locked_by == job.locked_by).execute())


def depth(now=None):
    """Return ({kind: pending jobs}, seconds the oldest due job has waited, 0 when none)."""
    now = now or utcnow()
    pending = dict(OutboxJob.select(OutboxJob.kind, fn.COUNT(OutboxJob.id))
                   .where(OutboxJob.status == "pending").group_by(OutboxJob.kind).tuples())
    oldest = (OutboxJob.select(fn.MIN(OutboxJob.available_at))
              .where(OutboxJob.status == "pending", OutboxJob.available_at <= now).scalar())
    if oldest is None:
        return pending, 0.0
    # An aggregate comes back raw: text on SQLite, a naive datetime elsewhere.
    return pending, max(0.0, (now - OutboxJob.available_at.python_value(oldest)).total_seconds())


def retry(job, error, max_attempts, backoff_seconds):
    """Put a failed job back with exponential backoff, or give up after max_attempts."""
    if job.attempts >= max_attempts:
        return finish(job, "failed", f"{error} (시도 {job.attempts}회 후 포기)")
    delay = min(MAX_BACKOFF_SECONDS, backoff_seconds * 2 ** (job.attempts - 1))
    (OutboxJob.update(available_at=utcnow() + timedelta(seconds=delay), locked_by=None,
                      locked_until=None, last_error=error)
     .where(OutboxJob.id == job.id, OutboxJob.locked_by == job.locked_by).execute())


def purge(keep_days):
    """Drop expired subscriptions and finished jobs older than keep_days."""
    now = utcnow()
    Subscription.delete().where(Subscription.expires_at <= now).execute()
    (OutboxJob.delete().where(OutboxJob.status != "pending",
                              OutboxJob.done_at < now - timedelta(days=keep_days)).execute())


def payload(job):
    """Return a job's payload as a dict."""
    return json.loads(job.payload or "{}")
