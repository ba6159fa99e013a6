"""Daily digests: at each subscriber's KST hour, exactly the releases since their last digest."""
from datetime import UTC, timedelta

from feedserver.dates import KST
from feedserver.db import database
from feedserver.mail.fanout import add_deliveries, dumps, queue_sends, write_first
from feedserver.models import MailAddress, MailSubscription, OutboxJob, Release, utcnow
from feedserver.websub import outbox


def hour_slot(now):
    """Return the start of the hour `now` falls in, as aware UTC."""
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def digest_job(job):
    """Send the digests due this hour, then queue the next hour's run; one transaction."""
    with database.atomic():
        write_first(job)
        queue_sends(prepare(utcnow()))
        _queue_next(utcnow())
        outbox.finish(job)


def ensure_scheduled():
    """Queue the hourly digest run unless one is waiting (the worker calls it on start)."""
    if not OutboxJob.select().where(OutboxJob.kind == "mail_digest", OutboxJob.status == "pending").exists():
        _queue_next(utcnow())


def _queue_next(now):
    later = OutboxJob.select().where(OutboxJob.kind == "mail_digest", OutboxJob.status == "pending",
                                     OutboxJob.available_at > now)
    if not later.exists():
        outbox.enqueue("mail_digest", {}, available_at=hour_slot(now) + timedelta(hours=1))


def prepare(now):
    """Create the digest records of every subscriber whose hour has come; return their ids."""
    slot = hour_slot(now)
    hour = slot.astimezone(KST).hour
    due = MailAddress.select().where(MailAddress.digest_hour == hour, MailAddress.confirmed_at.is_null(False),
                                     MailAddress.disabled_at.is_null(),
                                     MailAddress.last_digest_at.is_null() | (MailAddress.last_digest_at < slot))
    ids = []
    for row in due:
        since = row.last_digest_at or row.confirmed_at
        found = [r.id for r in _releases(row, since, slot)]
        if found:
            ids += add_deliveries(f"digest:{slot:%Y%m%d%H}", [(row.id, "subscriber")],
                                  payload=dumps({"releases": found}))
        MailAddress.update(last_digest_at=slot).where(MailAddress.id == row.id).execute()
    return ids


def _releases(row, since, until):
    """Releases published in (since, until] on the boards an address follows."""
    boards = [s.category_id for s in MailSubscription.select().where(MailSubscription.address == row.id)]
    query = Release.visible(until).where(Release.published_at > since)
    if None not in boards:
        query = query.where(Release.category.in_(boards))
    return query.order_by(Release.published_at, Release.id)
