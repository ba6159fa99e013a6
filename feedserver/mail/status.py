"""What /admin/mail shows: the queue, recent sends, failures, and withdrawal notices on request."""
from peewee import fn

from feedserver.db import database
from feedserver.mail.fanout import add_deliveries, queue_sends
from feedserver.mail.recipients import received
from feedserver.models import MailAddress, MailDelivery, OutboxJob, Release
from feedserver.publishing import audit


def overview(limit=30):
    """Return counts by status, queued jobs, the latest sends and the latest failures."""
    counts = dict(MailDelivery.select(MailDelivery.status, fn.COUNT(MailDelivery.id))
                  .group_by(MailDelivery.status).tuples())
    jobs = (OutboxJob.select().where(OutboxJob.kind.startswith("mail_"), OutboxJob.status == "pending")
            .count())
    recent = (MailDelivery.select(MailDelivery, MailAddress).join(MailAddress)
              .order_by(MailDelivery.id.desc()).limit(limit))
    return {"counts": counts, "jobs": jobs,
            "sent": list(recent.where(MailDelivery.status == "sent")),
            "failed": list(recent.where(MailDelivery.status == "failed")),
            "disabled": MailAddress.select().where(MailAddress.disabled_at.is_null(False)).count(),
            "withdrawn": _withdrawn_mailed()}


def _withdrawn_mailed():
    """Withdrawn releases that were mailed, newest first: candidates for a withdrawal notice."""
    mailed = MailDelivery.select(MailDelivery.release).where(MailDelivery.message_key.startswith("release:"))
    return list(Release.select().where(Release.status == "withdrawn", Release.id.in_(mailed))
                .order_by(Release.withdrawn_at.desc()).limit(20))


def send_withdrawal_notice(release, actor):
    """Tell those who got a withdrawn release that it was withdrawn (only when an admin asks)."""
    stamp = f"{release.withdrawn_at:%Y%m%d%H%M%S}" if release.withdrawn_at else "0"
    with database.atomic():
        ids = add_deliveries(f"withdrawn:{release.public_id}:{stamp}",
                             received(f"release:{release.public_id}"), release)
        queue_sends(ids)
        audit.record(actor, "mail_withdrawal_notice", f"release:{release.public_id}", f"받는 사람 {len(ids)}명")
    return len(ids)
