"""The "mail_release" job: one delivery record per address, then "mail_send" jobs of a batch each."""
import json

from flask import current_app

from feedserver.db import database
from feedserver.mail import recipients
from feedserver.models import MailDelivery, Release, utcnow
from feedserver.websub import outbox

INSERT_CHUNK = 500


def release_job(job):
    """Fan a public release out: the release when it went live, a 정정 message when the note is new."""
    data = outbox.payload(job)
    release = Release.by_public_id(data.get("release"))
    if release is None or not release.is_public():  # withdrawn or deleted: nothing new is sent
        return outbox.finish(job, "done", "공개되지 않은 보도자료라 메일을 보내지 않았습니다.")
    first = f"release:{release.public_id}"
    with database.atomic():  # the records and send jobs exist only if this job is closed
        write_first(job)
        # The release itself only when it has just gone live: an edit must not send it to
        # whoever joined the list since. Run twice, the unique records add nothing.
        ids = add_deliveries(first, recipients.release_audience(release), release) if data.get("went_live") else []
        if release.correction and release.corrected_at:
            key = f"correction:{release.public_id}:{release.corrected_at:%Y%m%d%H%M%S}"
            ids += add_deliveries(key, recipients.received(first), release)
        queue_sends(ids)
        outbox.finish(job)


def write_first(job):
    """Open a job's transaction with a write (its lease): on SQLite a transaction that reads
    first fails at once with "database is locked" when another writer commits in between."""
    outbox.renew(job, current_app.config["WEBSUB_JOB_LEASE_SECONDS"])


def add_deliveries(message_key, audience, release=None, payload=""):
    """Create the pending records of one message that do not exist yet; return their ids."""
    have = {row.address_id for row in MailDelivery.select(MailDelivery.address)
            .where(MailDelivery.message_key == message_key)}
    rows = [{"message_key": message_key, "address": address_id, "audience": kind,
             "release": release.id if release else None, "payload": payload, "created_at": utcnow()}
            for address_id, kind in audience if address_id not in have]
    for start in range(0, len(rows), INSERT_CHUNK):
        MailDelivery.insert_many(rows[start:start + INSERT_CHUNK]).execute()
    if not rows:
        return []
    new = {row["address"] for row in rows}
    return [row.id for row in MailDelivery.select(MailDelivery.id, MailDelivery.address)
            .where(MailDelivery.message_key == message_key).order_by(MailDelivery.id)
            if row.address_id in new]


def queue_sends(delivery_ids):
    """Queue "mail_send" jobs of MAIL_BATCH_SIZE deliveries each (one SMTP connection a job)."""
    size = max(1, current_app.config["MAIL_BATCH_SIZE"])
    host = current_app.config.get("MAIL_SMTP_HOST") or "eml"
    for start in range(0, len(delivery_ids), size):
        outbox.enqueue("mail_send", {"deliveries": delivery_ids[start:start + size]},
                       target_host=f"smtp:{host}"[:255])


def dumps(value):
    return json.dumps(value, ensure_ascii=False)
