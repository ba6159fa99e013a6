"""Fan-out in batches: per-host jobs over kept-alive connections, retried alone, resumable."""
import hashlib
import hmac
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from feedserver.models import OutboxJob
from feedserver.websub import fanout, netguard

FEEDSERVER = str(Path(sys.executable).with_name("feedserver"))


def _signed_right(headers, body, secret):
    if secret is None:
        return "X-Hub-Signature" not in headers
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers.get("X-Hub-Signature", ""), expected)


def test_every_subscriber_gets_one_signed_post_over_few_connections(db_app, make_category, websub):
    """Three hosts, 90 subscribers each, half with secrets: one POST each, batches keep-alive."""
    db_app.config.update(websub.FAST, WEBSUB_BATCH_SIZE=40)
    sinks = [websub.Sink(f"127.0.0.{n}") for n in (1, 2, 3)]
    try:
        with db_app.app_context():
            news = make_category("news", "소식")
        secrets = websub.add_subscriptions(db_app, news, [s.url(f"/cb/{n}") for s in sinks for n in range(90)])
        with websub.running_worker(db_app):
            websub.publish(db_app, news, "묶음 배달 시험")
            websub.wait_for(lambda: sum(s.count() for s in sinks) >= 270 and websub.drained(db_app), timeout=30)
        for sink in sinks:
            posts = sink.by_path()
            assert sorted(posts) == sorted(f"/cb/{n}" for n in range(90))
            for path, got in posts.items():
                assert len(got) == 1
                headers, body = got[0]
                assert b"<feed" in body and _signed_right(headers, body, secrets[sink.url(path)])
            # 90 subscribers in batches of 40: three batches, each on one kept-alive connection.
            assert sink.connections <= 3
        with db_app.app_context():
            batches = list(OutboxJob.select().where(OutboxJob.kind == "batch"))
            assert len(batches) == 9 and {(b.status, b.attempts) for b in batches} == {("done", 1)}
            assert not OutboxJob.select().where(OutboxJob.kind == "deliver").exists()
    finally:
        for sink in sinks:
            sink.stop()


def test_a_failing_subscriber_is_retried_alone_not_its_batch(app, make_category, websub):
    app.config.update(websub.FAST)
    sink = websub.Sink()
    try:
        with app.app_context():
            news = make_category("news", "소식")
        paths = [f"/ok/{n}" for n in range(9)] + ["/fail/1"]
        websub.add_subscriptions(app, news, [sink.url(p) for p in paths])
        with websub.running_worker(app):
            websub.publish(app, news, "실패 하나 시험")
            websub.wait_for(lambda: sink.count("/fail/1") >= 3 and websub.drained(app), timeout=15)
        assert all(sink.count(p) == 1 for p in paths[:-1])
        assert sink.count("/fail/1") == 3  # WEBSUB_MAX_ATTEMPTS: once in the batch, twice alone
        with app.app_context():
            [batch] = OutboxJob.select().where(OutboxJob.kind == "batch")
            [alone] = OutboxJob.select().where(OutboxJob.kind == "deliver")
            assert (batch.status, batch.attempts) == ("done", 1)
            assert (alone.status, alone.attempts) == ("failed", 3) and "500" in alone.last_error
    finally:
        sink.stop()


def test_publish_writes_the_same_jobs_whatever_the_number_of_subscribers(db_app, make_category, websub):
    """The publish transaction queues one job per feed; the fan-out happens later, in the worker."""
    written = []
    for slug, subscribers in (("none", 0), ("many", 2000)):
        with db_app.app_context():
            category = make_category(slug, slug)
        websub.add_subscriptions(db_app, category, [f"http://127.0.0.1:9/cb/{n}" for n in range(subscribers)])
        with db_app.app_context():
            before = OutboxJob.select().count()
        websub.publish(db_app, category, f"구독자 {subscribers}명")
        with db_app.app_context():
            written.append(OutboxJob.select().count() - before)
    assert written[0] == written[1] == 3  # the site feed, the category feed, and e-mail's one job


def test_killed_worker_mid_batch_resends_only_what_it_had_not_recorded(db_app, make_category, websub, tmp_path):
    """kill -9 during a 400-subscriber fan-out: every subscriber gets it, few get it twice."""
    sinks = [websub.Sink(f"127.0.0.{n}", delay=0.01) for n in (1, 2)]
    try:
        with db_app.app_context():
            news = make_category("news", "소식")
        callbacks = [s.url(f"/cb/{n}") for s in sinks for n in range(200)]
        websub.add_subscriptions(db_app, news, callbacks)
        websub.publish(db_app, news, "중단 시험")
        worker = _worker_process(db_app, tmp_path)
        try:
            websub.wait_for(lambda: sum(s.count() for s in sinks) >= 120, timeout=30)
            worker.send_signal(signal.SIGKILL)
            worker.wait(5)
            before = sum(s.count() for s in sinks)
            assert before < len(callbacks)  # killed mid fan-out
            worker = _worker_process(db_app, tmp_path)
            websub.wait_for(lambda: websub.drained(db_app), timeout=40)
        finally:
            worker.kill()
            worker.wait(5)
        received = {s.url(p): len(got) for s in sinks for p, got in s.by_path().items()}
        assert set(received) == set(callbacks)  # nobody skipped
        duplicates = sum(n - 1 for n in received.values())
        # At most one checkpoint's worth per batch in flight (two threads), plus the POST in flight.
        assert duplicates <= 2 * (fanout.CHECKPOINT_EVERY + 1), duplicates
        print(f"\nkill -9 after {before} of {len(callbacks)}: {duplicates} sent twice")
    finally:
        for sink in sinks:
            sink.stop()


def _worker_process(app, tmp_path):
    env = dict(os.environ, FEEDSERVER_DATABASE_URL=app.config["DATABASE_URL"],
               FEEDSERVER_WEBSUB_POLL_SECONDS="0.05", FEEDSERVER_WEBSUB_JOB_LEASE_SECONDS="1",
               FEEDSERVER_WEBSUB_WORKER_THREADS="2", FEEDSERVER_WEBSUB_VERIFY_THREADS="0",
               FEEDSERVER_WEBSUB_BATCH_SIZE="100",
               FEEDSERVER_WEBSUB_ALLOWED_CALLBACK_NETWORKS="127.0.0.0/8 ::1/128")
    return subprocess.Popen([FEEDSERVER, "worker"], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=open(tmp_path / "worker.log", "ab"))


@pytest.mark.backends("postgresql")
@pytest.mark.alone  # each delivery within 1 s: measured with the CPU to itself
def test_postgres_wakes_an_idle_worker_at_once(backend, databases, tmp_path, make_category, websub):
    """LISTEN/NOTIFY: with a 5-second poll, each publish still reaches the subscriber in well under 1 s."""
    db_app = databases.build_app(tmp_path, databases.fresh_url(backend, tmp_path))
    db_app.config.update(websub.FAST, WEBSUB_POLL_SECONDS=5.0)
    sink = websub.Sink()
    try:
        with db_app.app_context():
            news = make_category("news", "소식")
        websub.add_subscriptions(db_app, news, [sink.url("/cb")])
        took = []
        with websub.running_worker(db_app):
            time.sleep(0.5)  # listening
            for n in range(5):
                started = time.monotonic()
                websub.publish(db_app, news, f"즉시 알림 {n}")
                websub.wait_for(lambda n=n: sink.count() > n, timeout=10, step=0.005)
                took.append(time.monotonic() - started)
        assert max(took) < 1.0, took
    finally:
        sink.stop()
        databases.close_database()


def test_caller_reconnects_when_a_kept_alive_connection_was_closed(websub):
    sink = websub.Sink(close_quietly=True)
    try:
        with netguard.Caller(allowed=netguard.parse_networks("127.0.0.0/8")) as caller:
            answers = [caller.request("POST", sink.url(f"/cb/{n}"), b"x", {})[0] for n in range(5)]
        assert answers == [204] * 5 and sink.count() == 5 and sink.connections == 5
    finally:
        sink.stop()


def test_caller_keeps_one_connection_and_still_refuses_inside_addresses(websub):
    sink = websub.Sink()
    try:
        with netguard.Caller(allowed=netguard.parse_networks("127.0.0.0/8")) as caller:
            answers = [caller.request("POST", sink.url(f"/cb/{n}"), b"x", {})[0] for n in range(20)]
        assert answers == [204] * 20 and sink.connections == 1
        with netguard.Caller() as caller, pytest.raises(netguard.Refused):
            caller.request("POST", sink.url("/cb/inside"), b"x", {})
    finally:
        sink.stop()



def test_a_batch_checkpoints_between_its_deliveries_and_closing_records_the_end(app, make_category, websub, monkeypatch):
    """100 subscribers, a checkpoint every 50: one progress write at 50, then the job is closed."""
    from feedserver.websub import delivery, outbox
    app.config.update(websub.FAST, WEBSUB_BATCH_SIZE=100)
    monkeypatch.setattr(fanout, "CHECKPOINT_SECONDS", 3600.0)  # count by deliveries only
    writes, advance = [], fanout.Progress.advance

    def counted(progress, done):
        before = progress.recorded
        advance(progress, done)
        if progress.recorded != before:
            writes.append(progress.recorded)
    monkeypatch.setattr(fanout.Progress, "advance", counted)
    sink = websub.Sink()
    try:
        with app.app_context():
            news = make_category("news", "소식")
        websub.add_subscriptions(app, news, [sink.url(f"/cb/{n}") for n in range(100)])
        with app.app_context():
            OutboxJob.delete().execute()
            OutboxJob.insert_many(fanout.batch_rows(f"cat:{news.id}", 100)).execute()
            [job] = outbox.claim(1, 60, "test")
            delivery.run(job)
            assert OutboxJob.get_by_id(job.id).status == "done"
        assert sink.count() == 100 and writes == [fanout.CHECKPOINT_EVERY]
    finally:
        sink.stop()
