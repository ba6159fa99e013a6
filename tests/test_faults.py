"""Faults: killed processes mid-write, a restarted PostgreSQL, a read-only or full SQLite disk.

After each: no corrupt database, no half-written release, no lost outbox item, no stack trace.
"""
import io
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import lxml.html
import pytest
import requests

from bench.soak import Gunicorn
from feedserver.models import Attachment, OutboxJob, Release

FEEDSERVER = str(Path(sys.executable).parent / "feedserver")
IS_ROOT = os.geteuid() == 0


def _env(app):
    return {"FEEDSERVER_DATABASE_URL": app.config["DATABASE_URL"],
            "FEEDSERVER_SECRET_KEY": "fault-secret", "FEEDSERVER_ATTACHMENT_DIR": app.config["ATTACHMENT_DIR"],
            "FEEDSERVER_WEBSUB_POLL_SECONDS": "0.05", "FEEDSERVER_WEBSUB_JOB_LEASE_SECONDS": "1",
            "FEEDSERVER_WEBSUB_WORKER_THREADS": "8", "FEEDSERVER_WEBSUB_DELIVERY_TIMEOUT": "5",
            "FEEDSERVER_WEBSUB_RETRY_SECONDS": "1",
            # The test's subscriber is on 127.0.0.1, which the worker refuses by default, and it
            # takes ~400 deliveries from one host: let more than two go at once.
            "FEEDSERVER_WEBSUB_ALLOWED_CALLBACK_NETWORKS": "127.0.0.0/8 ::1/128",
            "FEEDSERVER_WEBSUB_HOST_CONCURRENCY": "8"}


def _websub_worker(app, tmp_path):
    return subprocess.Popen([FEEDSERVER, "worker"], cwd=tmp_path, env={**os.environ, **_env(app)},
                            stdout=subprocess.DEVNULL, stderr=open(tmp_path / "worker.log", "ab"))


class Writers:
    """Threads publishing through the API (create, then upload) and the admin form (both at once)."""

    def __init__(self, base, token, password, pdf):
        self.base, self.token, self.password, self.pdf = base, token, password, pdf
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.created = {}   # public_id -> (title, marker) acknowledged with 201
        self.uploaded = {}  # public_id -> bytes acknowledged with 201
        self.admin_created = {}  # public_id -> bytes, release and file in one request (302)
        self.outcomes = []

    def api(self, n):
        auth = {"Authorization": "Bearer " + self.token}
        i = 0
        while not self.stop.is_set():
            i += 1
            title, marker = f"API 작성 {n}-{i}", f"표지{n}x{i}"
            try:
                r = requests.post(f"{self.base}/api/v1/releases", headers=auth, timeout=10, json={
                    "title": title, "category": "press", "status": "published",
                    "body": f"<p>{marker}</p>"})
                self._note(r.status_code)
                if r.status_code != 201:
                    continue
                public_id = r.json()["id"]
                with self.lock:
                    self.created[public_id] = (title, marker)
                content = self.pdf + marker.encode()
                r = requests.post(f"{self.base}/api/v1/releases/{public_id}/attachments", headers=auth,
                                  files={"file": ("붙임.pdf", content, "application/pdf")}, timeout=10)
                self._note(r.status_code)
                if r.status_code == 201:
                    with self.lock:
                        self.uploaded[public_id] = content
            except requests.RequestException:
                self._note("dropped")  # our worker was killed under this request

    def admin(self, n):
        session, i = requests.Session(), 0
        while not self.stop.is_set():
            try:
                if i == 0 or not session.cookies:
                    page = session.get(f"{self.base}/admin/login", timeout=10).text
                    token = lxml.html.fromstring(page).xpath("//input[@name='csrf_token']/@value")[0]
                    session.post(f"{self.base}/admin/login", timeout=10, allow_redirects=False,
                                 data={"csrf_token": token, "username": "admin", "password": self.password})
                i += 1
                page = session.get(f"{self.base}/admin/releases/new", timeout=10).text
                token = lxml.html.fromstring(page).xpath("//input[@name='csrf_token']/@value")[0]
                content = self.pdf + f"관리자{n}x{i}".encode()
                r = session.post(f"{self.base}/admin/releases/new", timeout=10, allow_redirects=False,
                                 data={"csrf_token": token, "title": f"관리자 작성 {n}-{i}",
                                       "category": "press", "author": "대변인", "body": "<p>본문</p>",
                                       "summary": "", "mode": "publish"},
                                 files={"attachments": ("붙임 자료.pdf", content, "application/pdf")})
                self._note(r.status_code)
                match = re.search(r"/admin/releases/(\w+)/edit", r.headers.get("Location", ""))
                if r.status_code == 302 and match:
                    with self.lock:
                        self.admin_created[match.group(1)] = content
            except (requests.RequestException, IndexError):
                self._note("dropped")

    def _note(self, outcome):
        with self.lock:
            self.outcomes.append(outcome)

    def start(self, api_threads=3, admin_threads=1):
        self.threads = ([threading.Thread(target=self.api, args=(n,)) for n in range(api_threads)]
                        + [threading.Thread(target=self.admin, args=(n,)) for n in range(admin_threads)])
        for thread in self.threads:
            thread.start()

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(30)


@pytest.mark.slow
def test_sigkilled_gunicorn_workers_and_websub_worker_lose_nothing(staff_app, tmp_path, databases, samples, staff,
                                                                   websub):
    app = staff_app
    app.config.update(websub.FAST)
    subscriber = websub.Subscriber()
    callback = subscriber.url("/slow-faults")
    with websub.running_worker(app):  # intent verification only
        assert websub.subscribe(app.test_client(), "http://localhost/feeds/all.atom", callback).status_code == 202
        websub.subscribed(app, callback)
    databases.close_database()
    server = Gunicorn(_env(app), workers=2, log_path=tmp_path / "gunicorn.log", cwd=tmp_path)
    worker = _websub_worker(app, tmp_path)
    writers = Writers(server.url, app.config["TEST_TOKENS"]["admin"], staff.PASSWORD, samples.tiny_pdf())
    killed = []
    try:
        writers.start()
        for delay in (1.2, 1.2):
            time.sleep(delay)
            pid = server.worker_pids()[0]
            os.kill(pid, signal.SIGKILL)  # a gunicorn worker dies in the middle of writes
            killed.append(pid)
        websub.wait_for(lambda: subscriber.received("/slow-faults"), timeout=10)
        worker.send_signal(signal.SIGKILL)  # the WebSub worker dies mid-delivery
        worker.wait(5)
        time.sleep(1.0)
        writers.finish()
        worker = _websub_worker(app, tmp_path)  # a fresh worker picks up the leased jobs
        websub.wait_for(lambda: websub.drained(app), timeout=30, step=0.2)
    finally:
        writers.finish()
        worker.kill()
        worker.wait(5)
        server.stop()
        subscriber.stop()
    dropped = writers.outcomes.count("dropped")
    print(f"\nfaults: {len(writers.outcomes)} writes, {dropped} cut off by SIGKILL of workers {killed}; "
          f"{len(writers.created)} API creates, {len(writers.uploaded)} uploads, "
          f"{len(writers.admin_created)} admin creates acknowledged")
    assert writers.created and writers.admin_created
    assert not [o for o in writers.outcomes if isinstance(o, int) and o >= 500], writers.outcomes
    db_path = app.config["DATABASE_URL"][len("sqlite:///"):]
    with sqlite3.connect(db_path) as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    files = Path(app.config["ATTACHMENT_DIR"])
    with app.app_context():
        for public_id, (title, marker) in writers.created.items():
            release = Release.get(Release.public_id == public_id)
            assert release.title == title and marker in release.body_html
        for public_id, content in {**writers.uploaded, **writers.admin_created}.items():
            found = [a for a in Attachment.select().join(Release).where(Release.public_id == public_id)]
            assert any((files / a.stored_name).read_bytes() == content for a in found), public_id
        for release in Release.select().where(Release.title.startswith("관리자 작성")):
            # created with its file in one request: never without it, whatever was acknowledged
            assert release.attachments.count() == 1, release.title
        for attachment in Attachment.select():
            assert (files / attachment.stored_name).exists()
        # Every job finished; nothing lost or stuck. The hourly e-mail digest a worker schedules
        # is the one job meant to wait (due at the next hour).
        statuses = {job.status for job in OutboxJob.select().where(OutboxJob.kind != "mail_digest")}
        assert statuses <= {"done"}, statuses
        announced = {job.payload for job in OutboxJob.select().where(OutboxJob.kind == "changed",
                                                                     OutboxJob.feed_key == "all")}
        for release in Release.select():
            assert any(release.public_id in payload for payload in announced), release.public_id
    assert subscriber.received("/slow-faults")


# --- PostgreSQL restart under load ------------------------------------------------------------

def _pg_ctl(action):
    version = os.listdir("/etc/postgresql")[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action],
                   check=True, timeout=60, capture_output=True)


@pytest.mark.slow
@pytest.mark.alone  # it stops the shared PostgreSQL: no other test may be using it meanwhile
@pytest.mark.skipif(not os.path.isdir("/etc/postgresql") or not shutil.which("pg_ctlcluster"),
                    reason="needs a local Debian PostgreSQL cluster (pg_ctlcluster)")
def test_postgres_restart_gives_503_then_recovers_without_restarting_the_app(tmp_path, databases, staff, websub):
    url = databases.SERVER_URLS["postgresql"]
    if not url:
        pytest.skip("set FEEDSERVER_TEST_POSTGRES_URL")
    databases.close_database()
    databases.reset_server_database(url)
    app = staff.seed_staff(databases.build_app(tmp_path, url))
    token = app.config["TEST_TOKENS"]["admin"]
    databases.close_database()
    server = Gunicorn(_env(app), workers=2, log_path=tmp_path / "gunicorn.log", cwd=tmp_path)
    auth = {"Authorization": "Bearer " + token}
    seen, stop = [], threading.Event()

    def load():
        while not stop.is_set():
            for path in ("/board/", "/api/v1/releases", "/feeds/all.rss"):
                try:
                    r = requests.get(server.url + path, headers=auth, timeout=10)
                    seen.append((time.monotonic(), path, r.status_code, r.headers.get("Retry-After"),
                                 r.headers.get("Content-Type", ""), r.text))
                except requests.RequestException as exc:
                    seen.append((time.monotonic(), path, "dropped", None, "", repr(exc)))
            time.sleep(0.05)

    threads = [threading.Thread(target=load) for _ in range(4)]
    try:
        assert requests.get(server.url + "/board/", timeout=10).status_code == 200
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        _pg_ctl("stop")
        try:
            time.sleep(2.0)
        finally:
            _pg_ctl("start")  # always bring PostgreSQL back for everyone else
        back = time.monotonic()
        # the service must recover by itself: wait for a 200 on each kind of page
        recovered = websub.wait_for(lambda: all(any(t > back and p == path and s == 200 for t, p, s, *_ in seen)
                                                for path in ("/board/", "/api/v1/releases", "/feeds/all.rss"))
                                    and time.monotonic(), timeout=30, step=0.05)
        recovery = recovered - back
        print(f"\nPostgreSQL restart: service recovered {recovery:.2f} s after the database came back")
        assert recovery < 10
        created = requests.post(server.url + "/api/v1/releases", headers=auth, timeout=10,
                                json={"title": "복구 후 작성", "category": "press", "status": "published"})
        assert created.status_code == 201
    finally:
        stop.set()
        for thread in threads:
            thread.join(15)
        server.stop()
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode != 0:
            _pg_ctl("start")
    outage = [s for s in seen if s[2] not in (200, "dropped")]
    assert outage, "no request saw the outage"
    for _, path, status, retry_after, content_type, text in outage:
        assert status == 503 and retry_after == "5", (path, status)
        assert "Traceback" not in text and "psycopg" not in text and "OperationalError" not in text
        if path.startswith("/api/"):
            assert content_type.startswith("application/json") and '"status":503' in text.replace(" ", "")
        else:
            assert content_type.startswith("text/html") and "잠시 후 다시 시도" in text
    assert "Traceback" not in server.log() or "OperationalError" not in server.log()


# --- a read-only or full disk under SQLite ----------------------------------------------------

@pytest.fixture
def tmpfs(tmp_path, databases):
    """A tiny tmpfs mounted under tmp_path (root only), unmounted afterwards."""
    if not IS_ROOT:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], check=True)
    yield mount
    databases.close_database()
    subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def app_on(databases, staff):
    def app_on(tmpfs, staff_app):
        tokens = staff_app.config["TEST_TOKENS"]
        with staff_app.app_context():
            from feedserver.db import database
            database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        databases.close_database()
        shutil.copy(staff_app.config["DATABASE_URL"][len("sqlite:///"):], tmpfs / "test.sqlite3")
        app = databases.build_app(tmpfs, "sqlite:///" + str(tmpfs / "test.sqlite3"))
        app.config["TEST_TOKENS"] = tokens
        client = app.test_client()
        first = client.post("/api/v1/releases", headers=staff.bearer(app),
                            json={"title": "장애 전 작성", "category": "press", "status": "published",
                                  "body": "<p>장애 전 본문</p>"})
        assert first.status_code == 201
        return app, client, first.get_json()["id"]
    return app_on


@pytest.fixture
def writes_refused_reads_work(samples, staff):
    def writes_refused_reads_work(app, client, public_id):
        with app.app_context():
            before = (Release.select().count(), Attachment.select().count(), OutboxJob.select().count())
        write = client.post("/api/v1/releases", headers=staff.bearer(app),
                            json={"title": "장애 중 작성", "category": "press", "status": "published",
                                  "body": "<p>" + "가" * 300_000 + "</p>"})
        assert write.status_code == 503 and write.headers["Retry-After"]
        assert write.get_json()["error"]["status"] == 503
        upload = client.post(f"/api/v1/releases/{public_id}/attachments", headers=staff.bearer(app),
                             data={"file": (io.BytesIO(samples.tiny_pdf() + b"\0" * 900_000), "붙임.pdf")},
                             content_type="multipart/form-data")
        assert upload.status_code in (503, 507), upload.status_code
        assert upload.get_json()["error"]["status"] == upload.status_code
        for path in ("/board/", f"/releases/{public_id}", "/feeds/all.rss", "/widget/latest.json"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert "장애 전 작성" in response.get_data(as_text=True)
        with app.app_context():
            after = (Release.select().count(), Attachment.select().count(), OutboxJob.select().count())
        assert after == before  # nothing half-written
    return writes_refused_reads_work


@pytest.mark.slow
@pytest.mark.skipif(not IS_ROOT or not shutil.which("chattr"), reason="needs root and chattr")
def test_read_only_database_refuses_writes_and_keeps_reading(staff_app, tmp_path, databases, app_on,
                                                             writes_refused_reads_work):
    folder = tmp_path / "ro"
    folder.mkdir()
    app, client, public_id = app_on(folder, staff_app)
    databases.close_database()
    db_file = folder / "test.sqlite3"
    # chmod means nothing to root: the immutable flag makes the file read-only for everyone
    subprocess.run(["chattr", "+i", str(db_file)], check=True)
    try:
        writes_refused_reads_work(app, client, public_id)
    finally:
        databases.close_database()
        subprocess.run(["chattr", "-i", str(db_file)], check=False)


@pytest.mark.slow
def test_full_disk_refuses_writes_and_keeps_reading(staff_app, tmpfs, app_on, writes_refused_reads_work):
    app, client, public_id = app_on(tmpfs, staff_app)
    with open(tmpfs / "filler", "wb") as filler:
        try:
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        except OSError:
            pass
    writes_refused_reads_work(app, client, public_id)
