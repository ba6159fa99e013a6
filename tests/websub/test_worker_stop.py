"""A graceful stop: on SIGTERM the worker finishes or hands back every job it claimed."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from feedserver.models import OutboxJob, Subscription, utcnow

FEEDSERVER = str(Path(sys.executable).parent / "feedserver")


def start_worker(app, tmp_path, stop_seconds):
    env = dict(os.environ, FEEDSERVER_DATABASE_URL=app.config["DATABASE_URL"],
               FEEDSERVER_WEBSUB_POLL_SECONDS="0.05", FEEDSERVER_WEBSUB_JOB_LEASE_SECONDS="120",
               FEEDSERVER_WEBSUB_WORKER_THREADS="4", FEEDSERVER_WEBSUB_VERIFY_THREADS="0",
               FEEDSERVER_WEBSUB_HOST_CONCURRENCY="4", FEEDSERVER_WEBSUB_DELIVERY_TIMEOUT="10",
               FEEDSERVER_WEBSUB_STOP_SECONDS=str(stop_seconds),
               FEEDSERVER_WEBSUB_ALLOWED_CALLBACK_NETWORKS="127.0.0.0/8")
    with open(tmp_path / "worker.log", "ab") as log:  # the child keeps its own copy of the handle
        return subprocess.Popen([FEEDSERVER, "worker"], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                                stderr=log)


def queue_deliveries(app, subscriber, path, count):
    """Subscribe `count` callbacks to the site feed and queue one delivery to each."""
    with app.app_context():
        for n in range(count):
            callback = subscriber.url(f"{path}-{n}")
            sub = Subscription.create(ident=f"{n:064d}", topic="http://localhost/feeds/all.rss",
                                      feed_key="all", callback=callback, lease_seconds=3600,
                                      expires_at=utcnow().replace(year=utcnow().year + 1),
                                      callback_host="127.0.0.1")
            OutboxJob.create(kind="deliver", feed_key="all", target_host="127.0.0.1", payload=(
                f'{{"subscription": {sub.id}, "topic": "{sub.topic}", "callback": "{callback}"}}'))


def claimed(app):
    with app.app_context():
        return OutboxJob.select().where(OutboxJob.locked_by.is_null(False)).count()


def stop(worker, websub, app, jobs):
    """Wait until the worker holds `jobs` claimed, SIGTERM it; return the seconds it took to exit."""
    websub.wait_for(lambda: claimed(app) == jobs, timeout=20)
    started = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    worker.wait(30)
    return time.monotonic() - started


@pytest.mark.backends("sqlite", "postgresql", "mysql")
@pytest.mark.alone  # the worker stops within 2.5 s: measured with the CPU to itself
def test_sigterm_hands_back_jobs_that_outlast_the_stop_time(backend, tmp_path, databases, subscriber, websub):
    app = databases.build_app(tmp_path, databases.fresh_url(backend, tmp_path))
    queue_deliveries(app, subscriber, "/hang", 3)  # each answer takes 3 s
    worker = start_worker(app, tmp_path, stop_seconds=0.5)
    try:
        took = stop(worker, websub, app, 3)
    finally:
        worker.kill()
    try:
        assert worker.returncode == 0 and took < 2.5  # not the 3 s a callback takes
        assert claimed(app) == 0  # no lease left to run out
        with app.app_context():
            jobs = list(OutboxJob.select().where(OutboxJob.kind != "mail_digest"))  # e-mail's hourly run
            assert [(j.status, j.attempts) for j in jobs] == [("pending", 1)] * 3
            assert all(j.available_at <= utcnow() for j in jobs)  # due again at once
        assert "handed back unfinished" in (tmp_path / "worker.log").read_text()
    finally:
        databases.close_database()


@pytest.mark.backends("sqlite", "postgresql", "mysql")
def test_sigterm_lets_running_jobs_finish_within_the_stop_time(backend, tmp_path, databases, subscriber, websub):
    app = databases.build_app(tmp_path, databases.fresh_url(backend, tmp_path))
    queue_deliveries(app, subscriber, "/hang", 2)
    worker = start_worker(app, tmp_path, stop_seconds=10)
    try:
        stop(worker, websub, app, 2)
    finally:
        worker.kill()
    try:
        assert worker.returncode == 0
        assert claimed(app) == 0
        with app.app_context():
            assert [j.status for j in OutboxJob.select().where(OutboxJob.kind != "mail_digest")] == ["done", "done"]
        assert len([p for p, *_ in subscriber.posts if p.startswith("/hang")]) == 2
        log = (tmp_path / "worker.log").read_text()
        assert log.count("(deliver, attempt 1, host 127.0.0.1) done in") == 2  # one line per job
    finally:
        databases.close_database()
