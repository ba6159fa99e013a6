"""A killed worker: kill -9 in the middle of an SMTP conversation, restart, every address once."""
import os
import signal
import subprocess
import sys
from pathlib import Path

from feedserver.mail import addresses, subscriptions
from feedserver.models import MailAddress, MailDelivery, utcnow

FEEDSERVER = str(Path(sys.executable).parent / "feedserver")
READERS = [f"reader{n}@example.org" for n in range(8)]


def confirmed(address, board_ids=()):
    """Store a confirmed subscriber without the confirmation round trip (tested elsewhere)."""
    row = addresses.get_or_create(address)
    MailAddress.update(confirmed_at=utcnow()).where(MailAddress.id == row.id).execute()
    subscriptions.change(row, list(board_ids), None)
    return row


def worker_process(app, smtp, tmp_path):
    env = dict(os.environ, FEEDSERVER_DATABASE_URL=app.config["DATABASE_URL"],
               FEEDSERVER_WEBSUB_POLL_SECONDS="0.05", FEEDSERVER_WEBSUB_JOB_LEASE_SECONDS="1",
               FEEDSERVER_WEBSUB_WORKER_THREADS="2", FEEDSERVER_MAIL_SMTP_HOST="127.0.0.1",
               FEEDSERVER_MAIL_SMTP_PORT=str(smtp.port), FEEDSERVER_MAIL_SMTP_SECURITY="none",
               FEEDSERVER_MAIL_RATE_PER_MINUTE="0", FEEDSERVER_MAIL_BATCH_SIZE="3",
               FEEDSERVER_ATTACHMENT_DIR=str(tmp_path / "attachments"))
    return subprocess.Popen([FEEDSERVER, "worker"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=open(tmp_path / "worker.log", "ab"))


def statuses(app):
    with app.app_context():
        return sorted(d.status for d in MailDelivery.select())


def test_kill_9_mid_send_and_restart_delivers_each_address_exactly_once(db_app, smtp, tmp_path, websub,
                                                                         make_category):
    with db_app.app_context():
        news = make_category("news", "소식")
        for address in READERS:
            confirmed(address)
    websub.publish(db_app, news, "한 번만 받아야 할 보도자료")
    # The second message of the second batch of three: a re-run of the whole batch (no
    # per-address record) would send its first message twice, a mark before SMTP would lose one.
    smtp.sink.hold_at = 5
    worker = worker_process(db_app, smtp, tmp_path)
    try:
        assert "메일 발송: SMTP 127.0.0.1" in worker.stdout.readline().decode() + worker.stdout.readline().decode()
        websub.wait_for(smtp.sink.holding.is_set, timeout=20)
        worker.send_signal(signal.SIGKILL)  # the relay has the message but has not said 250 yet
        worker.wait(5)
        websub.wait_for(lambda: statuses(db_app).count("sending") == 1, timeout=5)
        assert statuses(db_app) == ["pending"] * 3 + ["sending"] + ["sent"] * 4
        assert smtp.sink.count() == 4
        worker = worker_process(db_app, smtp, tmp_path)
        websub.wait_for(lambda: statuses(db_app) == ["sent"] * 8, timeout=30)
    finally:
        worker.kill()
        worker.wait(5)
    assert sorted(rcpt for rcpt, _ in smtp.sink.messages) == sorted(READERS)  # each exactly once
    assert {m["Subject"] for _, m in smtp.sink.messages} == {"[소식] 한 번만 받아야 할 보도자료"}
