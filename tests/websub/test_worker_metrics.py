"""The outbox as Prometheus sees it: depth by kind, the oldest due job's age, jobs by result."""
import os
import signal
import subprocess
import sys
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from feedserver.models import OutboxJob, utcnow
from feedserver.websub import outbox

FEEDSERVER = str(Path(sys.executable).parent / "feedserver")


def queue(kind, available_at, status="pending"):
    OutboxJob.create(kind=kind, payload='{"subscription": 999999}', available_at=available_at,
                     status=status)


@pytest.mark.backends("sqlite", "postgresql", "mysql")
def test_depth_counts_pending_jobs_by_kind_and_ages_the_oldest_due(backend, tmp_path, databases):
    app = databases.build_app(tmp_path, databases.fresh_url(backend, tmp_path))
    now = utcnow()
    try:
        with app.app_context():
            assert outbox.depth(now) == ({}, 0.0)
            queue("deliver", now - timedelta(seconds=300))
            queue("deliver", now - timedelta(seconds=60))
            queue("ping", now + timedelta(hours=1))  # pending, not due: no age
            queue("deliver", now - timedelta(days=1), status="done")
            pending, oldest = outbox.depth(now)
        assert pending == {"deliver": 2, "ping": 1}
        assert 299 <= oldest <= 301
    finally:
        databases.close_database()


def test_the_worker_serves_its_metrics_on_its_own_bind(tmp_path, databases, servers, websub):
    app = databases.build_app(tmp_path, databases.fresh_url("sqlite", tmp_path))
    with app.app_context():
        queue("deliver", utcnow())  # its subscription is gone: done at once
        queue("deliver", utcnow())
        queue("ping", utcnow() + timedelta(hours=1))
    port = servers.free_port()
    env = dict(os.environ, FEEDSERVER_DATABASE_URL=app.config["DATABASE_URL"],
               FEEDSERVER_WEBSUB_POLL_SECONDS="0.05", FEEDSERVER_WORKER_METRICS_BIND=f"127.0.0.1:{port}")
    with open(tmp_path / "worker.log", "wb") as log:  # the child keeps its own copy of the handle
        worker = subprocess.Popen([FEEDSERVER, "worker"], cwd=tmp_path, env=env,
                                  stdout=subprocess.DEVNULL, stderr=log)

    def scrape():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as answer:
                text = answer.read().decode()
        except OSError:
            return None
        samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
                   for f in text_string_to_metric_families(text) for s in f.samples}
        done = samples.get(("feedserver_outbox_jobs_total", (("kind", "deliver"), ("result", "done"))))
        return samples if done == 2 else None

    try:
        samples = websub.wait_for(scrape, timeout=20)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(20)
        databases.close_database()
    assert samples[("feedserver_outbox_pending_jobs", (("kind", "ping"),))] == 1
    assert ("feedserver_outbox_oldest_due_seconds", ()) in samples
    assert worker.returncode == 0
