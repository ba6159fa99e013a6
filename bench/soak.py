"""Soak: gunicorn as shipped under a mixed load; zero 5xx, nothing lost, view counts exact.

    python bench/soak.py --seconds 60 --connections 64            # SQLite in a temp folder
    python bench/soak.py --postgres postgresql://postgres@127.0.0.1/x  # also PostgreSQL

The PostgreSQL run uses a database of its own, `feedserver_soak` on the given server (created if
missing, emptied first), never the URL's database, which the test suite resets. The mix: feed polls
with and without validators, board pages and searches, release pages, widget JSON, and API
publishes and edits, all at once. Afterwards every published release must be there with its last
edit, and every release's view count must equal the successful page views the driver saw.
"""
import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SOAK_DB = "feedserver_soak"

# (weight, kind): mostly readers, a steady trickle of writers.
MIX = [(18, "feed"), (14, "feed_validators"), (12, "board"), (6, "search"), (22, "release"),
       (10, "widget"), (3, "publish"), (3, "edit")]
FEEDS = ["/feeds/all.rss", "/feeds/all.atom", "/feeds/all.json", "/feeds/category/press.rss",
         "/feeds/category/press.atom", "/feeds/search.rss?field=title&q=%EC%86%8C%EC%8B%9D"]
BOARD = ["/board/", "/board/?page=2", "/board/press/", "/board/press/?page=3"]
SEARCHES = ["/board/?field=title&q=" + quote("소식"), "/board/press/?field=all&q=" + quote("경기"),
            "/board/?field=author&q=" + quote("홍보"), "/board/?field=body&q=" + quote("본문 시험")]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn with deploy/gunicorn.conf.py (as shipped) on a free port; log in a file."""

    def __init__(self, env, workers=None, log_path=None, cwd=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_path or tempfile.mkstemp(suffix=".gunicorn.log")[1])
        cmd = [str(BIN / "gunicorn"), "--config", str(ROOT / "deploy" / "gunicorn.conf.py"),
               "--bind", f"127.0.0.1:{self.port}", "--access-logfile", "/dev/null"]
        if workers:
            cmd += ["--workers", str(workers)]
        self.proc = subprocess.Popen(cmd + ["wsgi:app"], cwd=cwd or ROOT,
                                     env={**os.environ, "PYTHONPATH": str(ROOT), **env},
                                     stdout=subprocess.DEVNULL, stderr=open(self.log_path, "ab"))
        self.wait_ready()

    def wait_ready(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log()[-2000:]}")
            try:
                status, headers, _ = request(self.url, "GET", "/board/")
                if status == 200:
                    self.server_header = headers.get("server", "")
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not come up: {self.log()[-2000:]}")

    def worker_pids(self):
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def log(self):
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def request(base, method, path, body=None, headers=None, timeout=30):
    """One HTTP request on a fresh connection; return (status, headers dict, body bytes)."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        data = None
        headers = dict(headers or {})
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


# --- preparing a database ---------------------------------------------------------------------

def make_app(db_url, attachment_dir):
    sys.path.insert(0, str(ROOT))
    from feedserver import create_app
    return create_app({"DATABASE_URL": db_url, "SECRET_KEY": "soak-secret",
                       "ATTACHMENT_DIR": str(attachment_dir), "BASE_URL": ""})


def prepare(app, releases=40):
    """Migrate, add category press, an admin with an API token and some releases; return the token."""
    from feedserver.admin.accounts import create_user
    from feedserver.publishing.tokens import issue_token
    from feedserver.migrate import migrate
    from feedserver.models import Category, utcnow
    from feedserver.publishing.audit import Actor
    from feedserver.publishing.releases import create_release
    actor = Actor(None, "cli", name="soak")
    with app.app_context():
        migrate()
        press = Category.get_or_none(Category.slug == "press") or Category.create(
            slug="press", name="보도자료", sort_order=1)
        user = create_user(f"soak{random.randrange(10**9)}", "soak password 1234", "admin")
        _, token = issue_token(user, "soak", actor)
        for n in range(releases):
            create_release({"title": f"경기도 소식 {n}", "category": press, "author": "홍보담당관",
                            "body_html": f"<p>본문 시험 {n}</p>", "status": "published",
                            "published_at": utcnow()}, actor)
    return token


def view_counts(app):
    from feedserver.models import Release
    with app.app_context():
        return {r.public_id: r.view_count for r in Release.select(Release.public_id, Release.view_count)}


def releases_by_id(app):
    from feedserver.models import Release
    with app.app_context():
        return {r.public_id: (r.title, r.body_html, r.status) for r in Release.select()}


def close(app):
    from feedserver.db import database
    with app.app_context():
        obj = database.obj
        if not obj.is_closed():
            obj.close()
        if hasattr(obj, "close_all"):
            obj.close_all()


# --- the load -------------------------------------------------------------------------------

class Soak:
    def __init__(self, base, token, release_ids, seconds, connections, seed=8):
        self.base, self.seconds, self.connections = base, seconds, connections
        self.auth = {"Authorization": "Bearer " + token}
        self.release_ids = list(release_ids)
        self.lock = threading.Lock()
        self.status = Counter()  # (kind, status)
        self.failures = []  # (kind, path, status or exception)
        self.views = Counter()  # public_id -> successful release page views
        self.published = {}  # public_id -> last title the API accepted
        self.rng = random.Random(seed)
        self.kinds = [kind for weight, kind in MIX for _ in range(weight)]

    def run(self):
        deadline = time.monotonic() + self.seconds
        threads = [threading.Thread(target=self._loop, args=(n, deadline), daemon=True)
                   for n in range(self.connections)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(self.seconds + 120)
        self.elapsed = time.monotonic() - started
        return self

    def _loop(self, n, deadline):
        rng = random.Random(n * 7919 + 1)
        validators, mine = {}, []
        while time.monotonic() < deadline:
            kind = rng.choice(self.kinds)
            try:
                self._one(kind, rng, validators, mine, n)
            except Exception as exc:  # noqa: BLE001 - a dropped connection is a failure too
                with self.lock:
                    self.status[(kind, "error")] += 1
                    self.failures.append((kind, "", repr(exc)))

    def _record(self, kind, path, status):
        with self.lock:
            self.status[(kind, status)] += 1
            if status >= 500:
                self.failures.append((kind, path, status))

    def _one(self, kind, rng, validators, mine, n):
        if kind in ("feed", "feed_validators"):
            path = rng.choice(FEEDS)
            headers = validators.get(path, {}) if kind == "feed_validators" else {}
            status, head, _ = request(self.base, "GET", path, headers=headers)
            if status == 200 and kind == "feed_validators":
                validators[path] = {k: v for k, v in (("If-None-Match", head.get("etag")),
                                                      ("If-Modified-Since", head.get("last-modified")))
                                    if v}
            ok = (200, 304) if kind == "feed_validators" else (200,)
        elif kind in ("board", "search", "widget"):
            path = (rng.choice(BOARD) if kind == "board" else rng.choice(SEARCHES) if kind == "search"
                    else "/widget/latest.json?limit=" + str(rng.randint(1, 10)))
            status, _, _ = request(self.base, "GET", path)
            ok = (200,)
        elif kind == "release":
            with self.lock:
                public_id = rng.choice(self.release_ids)
            path = f"/releases/{public_id}"
            # Each view a new reader (a User-Agent of its own): a reader's reloads count once a day.
            reader = {"User-Agent": f"Mozilla/5.0 soak-reader/{n}-{rng.getrandbits(48)}"}
            status, _, _ = request(self.base, "GET", path, headers=reader)
            if status == 200:
                with self.lock:
                    self.views[public_id] += 1
            ok = (200,)
        elif kind == "publish":
            path = "/api/v1/releases"
            title = f"부하 시험 {n}-{len(mine)} 소식"
            status, _, body = request(self.base, "POST", path, headers=self.auth, body={
                "title": title, "category": "press", "author": "부하 시험",
                "body": f"<p>본문 시험 {n} {len(mine)}</p>", "status": "published"})
            if status == 201:
                public_id = json.loads(body)["id"]
                mine.append(public_id)
                with self.lock:
                    self.published[public_id] = title
                    self.release_ids.append(public_id)
            ok = (201,)
        else:  # edit one of this connection's own releases (no cross-thread revision races)
            if not mine:
                return
            public_id = rng.choice(mine)
            path = f"/api/v1/releases/{public_id}"
            title = f"고친 소식 {n} {rng.randrange(10**6)}"
            status, _, _ = request(self.base, "PATCH", path, headers=self.auth, body={"title": title})
            if status == 200:
                with self.lock:
                    self.published[public_id] = title
            ok = (200,)
        self._record(kind, path, status)
        if status not in ok and status < 500:
            with self.lock:
                self.failures.append((kind, path, status))

    @property
    def served(self):
        return sum(count for (_, status), count in self.status.items() if status != "error")


def verify(soak, before, after, stored):
    """Return a list of problems: 5xx, lost or stale releases, view counts that disagree."""
    problems = [f"{kind} {path}: {status}" for kind, path, status in soak.failures[:20]]
    if len(soak.failures) > 20:
        problems.append(f"... {len(soak.failures) - 20} more failures")
    for public_id, title in soak.published.items():
        if public_id not in stored:
            problems.append(f"published release {public_id} is missing")
        elif stored[public_id][0] != title or stored[public_id][2] != "published":
            problems.append(f"release {public_id}: stored {stored[public_id][0]!r}, expected {title!r}")
    for public_id in set(before) | set(soak.views):
        counted = after.get(public_id, 0) - before.get(public_id, 0)
        if counted != soak.views[public_id]:
            problems.append(f"release {public_id}: {counted} views counted, {soak.views[public_id]} seen")
    return problems


def report(label, soak, before, after, problems):
    errors = sum(c for (_, s), c in soak.status.items() if s == "error" or s >= 500)
    views = sum(soak.views.values())
    counted = sum(after.values()) - sum(before.values())
    print(f"\n== soak on {label}: {soak.seconds:.0f} s at {soak.connections} connections ==")
    print(f"requests served: {soak.served} ({soak.served / soak.elapsed:.0f}/s); errors (5xx or "
          f"dropped): {errors}")
    by_kind = Counter()
    for (kind, status), count in soak.status.items():
        by_kind[kind] += count
    print("mix: " + ", ".join(f"{k} {c}" for k, c in sorted(by_kind.items())))
    print(f"releases published {len(soak.published)}, all present with their last edit: "
          f"{not any('release ' in p and 'views' not in p for p in problems)}")
    print(f"release page views seen {views}, view counts added {counted}: "
          f"{'equal' if views == counted else 'DIFFERENT'}")
    for problem in problems[:25]:
        print("PROBLEM:", problem)
    return not problems


def soak(db_url, workdir, seconds, connections, prepared_token=None, workers=None, label=None):
    """Run one soak against a fresh gunicorn on db_url; return (ok, Soak)."""
    workdir = Path(workdir)
    attachments = workdir / "attachments"
    app = make_app(db_url, attachments)
    token = prepared_token or prepare(app)
    before = view_counts(app)
    close(app)
    env = {"FEEDSERVER_DATABASE_URL": db_url, "FEEDSERVER_SECRET_KEY": "soak-secret",
           "FEEDSERVER_ATTACHMENT_DIR": str(attachments), "FEEDSERVER_ENV": "production",
           "FEEDSERVER_BASE_URL": "http://127.0.0.1",
           "FEEDSERVER_SESSION_COOKIE_SECURE": "true",
           "FEEDSERVER_AUDIENCE_AGENTS_PER_ADDRESS": "0"}  # the driver is one address of many readers
    server = Gunicorn(env, workers=workers, log_path=workdir / "gunicorn.log", cwd=workdir)
    try:
        load = Soak(server.url, token, before, seconds, connections).run()
    finally:
        server.stop()
    after, stored = view_counts(app), releases_by_id(app)
    close(app)
    problems = verify(load, before, after, stored)
    if any(c.isdigit() for c in server.server_header) or "python" in server.server_header.lower():
        problems.append(f"Server header reveals a version: {server.server_header!r}")
    if "Traceback" in server.log():
        problems.append("gunicorn log has a traceback: " + server.log()[-1500:])
    ok = report(label or db_url.split("://")[0], load, before, after, problems)
    return ok, load


def soak_database(url):
    """Create (if needed) and empty the soak's own database on the server of `url`."""
    import psycopg
    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (SOAK_DB,)).fetchone():
            conn.execute(f"CREATE DATABASE {SOAK_DB}")
    target = urlunsplit(parts._replace(path="/" + SOAK_DB))
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return target


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=None, help="default: as shipped")
    parser.add_argument("--postgres", default=os.environ.get("FEEDSERVER_TEST_POSTGRES_URL", ""),
                        help="server URL; the soak uses its own database there")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args(argv)
    ok = True
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
            url = "sqlite:///" + str(Path(tmp) / "soak.sqlite3")
            ok &= soak(url, tmp, args.seconds, args.connections, workers=args.workers,
                       label="SQLite")[0]
    if args.postgres:
        with tempfile.TemporaryDirectory(prefix="soak-pg-") as tmp:
            ok &= soak(soak_database(args.postgres), tmp, args.seconds, args.connections,
                       workers=args.workers, label="PostgreSQL")[0]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
