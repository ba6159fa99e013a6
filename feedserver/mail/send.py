"""The "mail_send" job: each delivery record sent once, even across a killed worker.

A record goes pending -> sending (committed just before SMTP) -> sent (committed the moment
the relay accepted it). A restarted job resends only records still "sending": the worker died
after marking and before the mark "sent", and it may have died after the relay accepted, so
that window (one UPDATE after the relay's 250 reply, a few milliseconds) is the only one in
which an address can get a message twice. A resend keeps its Message-ID, so mail clients
that see both show one. The job's lease, renewed before every message (keep
MAIL_SMTP_TIMEOUT well under WEBSUB_JOB_LEASE_SECONDS), keeps a second worker from running the
same records at the same time.
"""
import logging
import threading
import time
from collections import Counter

from flask import current_app

from feedserver.mail import compose
from feedserver.mail.transport import PermanentFailure, open_transport
from feedserver.models import MailAddress, MailDelivery, utcnow
from feedserver.observability import metrics
from feedserver.websub import outbox

log = logging.getLogger(__name__)
COUNTS = Counter()  # per process: sent, failed, bounced (see count())


def count(outcome):
    """Count one delivery outcome ("sent", "failed", "disabled"): the one place a metric goes."""
    COUNTS[outcome] += 1
    if outcome == "sent":
        metrics.mail_sent.inc()
    elif outcome == "failed":
        metrics.mail_failed.inc()


def send_job(job):
    """Send the job's pending records over one connection, then close the job."""
    ids = outbox.payload(job).get("deliveries", [])
    lease = current_app.config["WEBSUB_JOB_LEASE_SECONDS"]
    transport, cache = open_transport(), {}
    try:
        for delivery_id in ids:
            # Before every message: a job handed back by a stopping worker (outbox.release) or
            # taken over after its lease stops here, before it can send what another will send.
            outbox.renew(job, lease)
            delivery = _take(delivery_id)
            if delivery is not None:
                _send_one(transport, delivery, cache)
    finally:
        transport.close()
    outbox.finish(job)


def _take(delivery_id):
    """Mark a record "sending" and return it; None when it was sent, failed or erased."""
    # Only this job holds this record (the outbox lease), so read-after-write is safe; the
    # status is read back because MariaDB reports 0 rows for "sending" set to "sending".
    (MailDelivery.update(status="sending")
     .where(MailDelivery.id == delivery_id, MailDelivery.status == "pending").execute())
    delivery = (MailDelivery.select(MailDelivery, MailAddress).join(MailAddress)
                .where(MailDelivery.id == delivery_id).first())
    if delivery is None or delivery.status != "sending":
        return None
    if delivery.address.disabled_at is not None:
        _close(delivery_id, "failed", "주소가 사용 중지되었습니다.")
        return None
    return delivery


def _send_one(transport, delivery, cache):
    message = compose.build(delivery, cache)
    if message is None:  # its release was withdrawn or erased before its turn
        return _close(delivery.id, "failed", "보낼 내용이 없어졌습니다.")
    pace()
    try:
        transport.send(message, delivery.address.address, f"{delivery.id:09d}")
    except PermanentFailure as error:
        _close(delivery.id, "failed", str(error)[:500])
        count("failed")
        bounced(delivery.address_id)
        return
    _close(delivery.id, "sent")  # at once: this UPDATE is the only double-send window
    count("sent")


def _close(delivery_id, status, error=None):
    (MailDelivery.update(status=status, sent_at=utcnow() if status == "sent" else None, error=error)
     .where(MailDelivery.id == delivery_id).execute())


def bounced(address_id):
    """Count a permanent refusal; at MAIL_BOUNCE_THRESHOLD the address is disabled."""
    MailAddress.update(bounces=MailAddress.bounces + 1).where(MailAddress.id == address_id).execute()
    threshold = current_app.config["MAIL_BOUNCE_THRESHOLD"]
    disabled = (MailAddress.update(disabled_at=utcnow())
                .where(MailAddress.id == address_id, MailAddress.bounces >= threshold,
                       MailAddress.disabled_at.is_null()).execute())
    if disabled:
        count("disabled")
        log.warning("mail address %s disabled after %s permanent failures", address_id, threshold)


_pace_lock = threading.Lock()
_next_slot = [0.0]


def pace():
    """Wait for this process's next slot under MAIL_RATE_PER_MINUTE (0: no limit)."""
    rate = current_app.config["MAIL_RATE_PER_MINUTE"]
    if rate <= 0:
        return
    with _pace_lock:
        now = time.monotonic()
        slot = max(now, _next_slot[0])
        _next_slot[0] = slot + 60.0 / rate
    if slot > now:
        time.sleep(slot - now)
