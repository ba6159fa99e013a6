"""E-mail fan-out: one release to N confirmed subscribers through an in-process SMTP sink.

Prints one JSON document: the publish transaction's time with no subscribers and with N (the
fan-out is the worker's, so the two should match), and the messages per second one
`feedserver worker` hands to the relay (fan-out included), with MAIL_RATE_PER_MINUTE off.

    .venv/bin/python bench/mail_bench.py [N] [DATABASE_URL]   (default: 10000, a new SQLite file)
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import BIN, free_port


class CountingSink:
    """Accepts every message and counts it (no parsing: the relay's cost is not ours)."""

    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += len(envelope.rcpt_tos)
        return "250 OK"


def publish_ms(app, category, runs):
    """Return the median milliseconds of `runs` publish transactions (create_release)."""
    from feedserver.models import utcnow
    from feedserver.publishing.audit import Actor
    from feedserver.publishing.releases import create_release
    took = []
    for n in range(runs):
        start = time.perf_counter()
        with app.app_context():
            create_release({"title": f"벤치 보도자료 {n}", "category": category, "author": "벤치",
                            "body_html": "<p>본문</p>", "status": "published",
                            "published_at": utcnow()}, Actor(None, "cli", name="bench"))
        took.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(took), 2)


def add_subscribers(app, count):
    from feedserver.models import MailAddress, MailSubscription, OutboxJob, utcnow
    now = utcnow()
    with app.app_context():
        OutboxJob.delete().where(OutboxJob.kind.startswith("mail_")).execute()  # the warm-up's
        rows = [{"address": f"reader{n}@example.org", "token": f"bench-{n:08d}", "created_at": now,
                 "confirmed_at": now} for n in range(count)]
        for start in range(0, count, 500):
            MailAddress.insert_many(rows[start:start + 500]).execute()
        ids = [a.id for a in MailAddress.select(MailAddress.id)]
        subs = [{"address": i, "category": None, "created_at": now} for i in ids]
        for start in range(0, count, 500):
            MailSubscription.insert_many(subs[start:start + 500]).execute()


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    folder = Path(tempfile.mkdtemp(prefix="mail-bench-"))
    url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{folder}/bench.sqlite3"
    from feedserver import create_app
    from feedserver.migrate import migrate
    from feedserver.models import Category, OutboxJob
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(folder), "SECRET_KEY": "bench"})
    with app.app_context():
        migrate()
        category = Category.create(slug="bench", name="벤치")
    empty = publish_ms(app, category, 5)
    add_subscribers(app, count)
    full = publish_ms(app, category, 3)
    with app.app_context():  # keep one fan-out: the one the worker is timed on
        last = OutboxJob.select(OutboxJob.id).where(OutboxJob.kind == "mail_release").order_by(
            OutboxJob.id.desc()).first()
        OutboxJob.delete().where(OutboxJob.kind == "mail_release", OutboxJob.id != last.id).execute()
    sink = CountingSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    env = {**os.environ, "FEEDSERVER_DATABASE_URL": url, "FEEDSERVER_INSTANCE_PATH": str(folder),
           "FEEDSERVER_MAIL_SMTP_HOST": "127.0.0.1", "FEEDSERVER_MAIL_SMTP_PORT": str(port),
           "FEEDSERVER_MAIL_SMTP_SECURITY": "none", "FEEDSERVER_MAIL_RATE_PER_MINUTE": "0",
           "FEEDSERVER_WEBSUB_POLL_SECONDS": "0.1"}
    with open(folder / "worker.log", "wb") as log:  # the child keeps its own handle
        worker = subprocess.Popen([str(BIN / "feedserver"), "worker"], env=env, cwd=folder,
                                  stdout=subprocess.DEVNULL, stderr=log)
    start = time.monotonic()
    try:
        while sink.count < count and time.monotonic() - start < 600 and worker.poll() is None:
            time.sleep(0.2)
        took = time.monotonic() - start
    finally:
        worker.terminate()
        worker.wait(10)
        controller.stop()
    with app.app_context():
        failed = OutboxJob.select().where(OutboxJob.status == "failed").count()
    print(json.dumps({"subscribers": count, "database": url.split(":")[0],
                      "publish_ms_no_subscribers": empty, "publish_ms_with_subscribers": full,
                      "messages": sink.count, "seconds": round(took, 1),
                      "messages_per_second": round(sink.count / took, 1), "failed_jobs": failed}))


if __name__ == "__main__":
    main()
