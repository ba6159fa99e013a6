"""WebSub push beside its floor: fan-out rate, push latency, publish cost and worker memory.

One run, on a throwaway copy of the demo archive (the API publishes into it):
- publish cost: API publishes timed with 0 and then N subscriptions of the governor's feed
  (no worker running, so only the publish transaction is timed);
- floor: a bare loop of urllib3 POSTing the feed's body to the sink over one kept-alive
  connection, the same client the worker uses;
- fan-out: one change delivered by one `feedserver worker` to N subscriptions spread over
  `hosts` callback hosts (127.0.0.x, all one nginx answering 204), half with secrets; timed from
  the change's commit to the sink's last logged POST; the worker's VmRSS sampled meanwhile;
- push latency: API publishes, each timed from its 201 to the subscriber's POST (nginx $msec).
"""
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

from common import BIN, OUT, ROOT, Gunicorn, Server, free_port, rss_mb, wait_http
from nginx import NGINX

HOSTS = 50
QUIET_BOARD = "press"  # a demo board whose feeds the run leaves unsubscribed


class LoggingSink(Server):
    """nginx answering 204 on 127.0.0.1..127.0.0.<hosts>, logging each request's time and URI."""

    def __init__(self, hosts):
        prefix = OUT / "push-sink"
        shutil.rmtree(prefix, ignore_errors=True)
        (prefix / "tmp").mkdir(parents=True)
        self.port, self.hosts = free_port(), hosts
        self.url = f"http://127.0.0.1:{self.port}"
        self.access = prefix / "access.log"
        user = "user root;\n" if os.geteuid() == 0 else ""
        listens = "\n".join(f"        listen 127.0.0.{h}:{self.port};" for h in range(1, hosts + 1))
        (prefix / "nginx.conf").write_text(f"""{user}worker_processes 1;
pid {prefix / 'nginx.pid'};
error_log {prefix / 'error.log'} warn;
events {{ worker_connections 4096; }}
http {{
    log_format t '$msec $request_uri';
    access_log {self.access} t;
    client_body_temp_path {prefix / 'tmp'};
    client_body_buffer_size 1m;
    keepalive_requests 100000;
    server {{
{listens}
        location / {{ return 204; }}
    }}
}}
""")
        super().__init__("push-sink", [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
                                       "-e", str(prefix / "error.log"), "-g", "daemon off;"])

    def bases(self):
        return [f"http://127.0.0.{h}:{self.port}" for h in range(1, self.hosts + 1)]

    def lines(self, marker):
        """Return (epoch seconds, uri) of the logged requests whose URI starts with marker."""
        if not self.access.exists():
            return []
        out = []
        for line in self.access.read_text().splitlines():
            stamp, _, uri = line.partition(" ")
            if uri.startswith(marker):
                out.append((float(stamp), uri))
        return out


def floor_rate(url, body, seconds=3.0):
    """POSTs per second of a bare keep-alive loop: the same client, no outbox, no signing."""
    from urllib.parse import urlsplit

    from urllib3.connection import HTTPConnection
    parts = urlsplit(url)
    connection = HTTPConnection(parts.hostname, parts.port)
    headers = {"Content-Type": "application/atom+xml; charset=utf-8"}
    done, ends = 0, time.monotonic() + seconds
    started, cpu = time.monotonic(), time.process_time()
    while time.monotonic() < ends:
        connection.request("POST", parts.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        done += 1
    connection.close()
    return done / (time.monotonic() - started), (time.process_time() - cpu) * 1000 / done


class Peak:
    """Sample one process's VmRSS in a thread; keep the largest."""

    def __init__(self, pid):
        self.pid, self.peak = pid, 0.0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.wait(0.1):
            value = rss_mb(self.pid)
            if value is None:
                return
            self.peak = max(self.peak, value)

    def close(self):
        self.stop.set()
        self.thread.join()
        return self.peak


def cpu_seconds(pid):
    """Return user+system CPU seconds a process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def push_dbname():
    """Name the PostgreSQL copy after the checkout, so two worktrees' benches never drop each other's."""
    tag = hashlib.sha256(str(ROOT).encode()).hexdigest()[:8]
    return f"feedserver_bench_push_{tag}"


def copy_archive(archive):
    """Return the env of a throwaway copy of an archive: the API writes into it."""
    env = archive.env()
    if archive.engine == "sqlite":
        target = OUT / "push-copy.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        import sqlite3
        with sqlite3.connect(archive.path) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        env["FEEDSERVER_DATABASE_URL"] = f"sqlite:///{target}"
    else:
        import psycopg
        admin = archive.url.rsplit("/", 1)[0] + "/postgres"
        name = push_dbname()
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name}")
            connection.execute(f'CREATE DATABASE {name} TEMPLATE "{archive.dbname}"')
        env["FEEDSERVER_DATABASE_URL"] = archive.url.rsplit("/", 1)[0] + "/" + name
    return env


def probe(env, *args):
    out = subprocess.run([str(BIN / "python"), str(ROOT / "bench" / "probe.py"), *args],
                         env={**os.environ, **env}, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def api_publish(app_url, token, title, board="governor"):
    """Publish one release through the API; return the epoch time of its 201 and the seconds it took."""
    data = json.dumps({"title": title, "category": board, "body": "<p>알림 시험 본문</p>",
                       "status": "published"}).encode()
    request = urllib.request.Request(app_url + "/api/v1/releases", data=data, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=30) as response:
        if response.status != 201:
            raise RuntimeError(f"API publish answered {response.status}")
        response.read()
    return time.time(), time.monotonic() - started


def wait_until(predicate, timeout):
    ends = time.monotonic() + timeout
    while time.monotonic() < ends:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    return predicate()


def run(bench, archive, subscribers, hosts=HOSTS, publishes=50, cost_samples=20):
    """Measure push; add its rows and ratios to bench.report."""
    env = {**copy_archive(archive), "FEEDSERVER_BASE_URL": "http://bench.example",
           "FEEDSERVER_WEBSUB_ALLOWED_CALLBACK_NETWORKS": "127.0.0.0/8"}
    token = probe(env, "websub-token")["token"]
    sink = LoggingSink(hosts)
    app = Gunicorn("wsgi:app", env=env, workers=bench.workers, name="push-app")
    worker = None
    try:
        wait_http(sink.url + "/", timeout=30, proc=sink.proc)
        wait_http(app.url + "/board/", timeout=60, proc=app.proc)
        probe(env, "websub-setup", str(subscribers), ",".join(sink.bases()))
        for n in range(5):  # warm every gunicorn worker's imports and caches
            api_publish(app.url, token, f"준비 {n}", QUIET_BOARD)
        # Side by side: a board whose feeds nobody subscribes to, then the governor's (N subscribers).
        empty, full = [], []
        for n in range(cost_samples):
            empty.append(api_publish(app.url, token, f"구독자 없음 {n}", QUIET_BOARD)[1])
            full.append(api_publish(app.url, token, f"구독자 {subscribers}명 {n}")[1])
        probe(env, "websub-clear-outbox")
        body = Path(probe(env, "websub-body", str(OUT / "push-body"))["path"]).read_bytes()
        floor, floor_cpu = floor_rate(sink.url + "/floor", body)
        worker = Server("push-worker", [str(BIN / "feedserver"), "worker"], env=env)
        time.sleep(2)  # imported, listening
        peak = Peak(worker.proc.pid)
        cpu = cpu_seconds(worker.proc.pid)
        committed = probe(env, "websub-publish")["committed"]
        got = wait_until(lambda: len(sink.lines("/cb/")) >= subscribers, 120)
        cpu = (cpu_seconds(worker.proc.pid) - cpu) * 1000 / subscribers
        rss = peak.close()
        delivered = sink.lines("/cb/")
        took = (max(t for t, _ in delivered) - committed) if delivered else float("inf")
        rate = len(delivered) / took
        bench.log(f"push: {len(delivered)} of {subscribers} deliveries in {took:.2f} s ({rate:.0f}/s), "
                  f"floor {floor:.0f}/s; CPU ms per POST: worker {cpu:.2f}, floor {floor_cpu:.2f}; "
                 f"worker peak {rss:.0f} MB")
        probe(env, "websub-latency-setup", sink.url + "/lat")
        time.sleep(1)
        latencies = []
        for n in range(publishes):
            at, _ = api_publish(app.url, token, f"알림 지연 {n}")
            seen = wait_until(lambda n=n: len(sink.lines("/lat")) > n, 10)
            latencies.append(sink.lines("/lat")[n][0] - at if seen else 10.0)
    finally:
        for server in (worker, app, sink):
            if server is not None:
                server.stop()
    report(bench, subscribers, hosts, floor, rate, len(delivered), took, got, rss, latencies, empty, full)


def report(bench, subscribers, hosts, floor, rate, delivered, took, complete, rss, latencies, empty, full):
    r = bench.report
    label = f"WebSub fan-out, {subscribers} subscriptions on {hosts} hosts, one worker"
    r.ratio(f"{label}: deliveries/s / bare keep-alive POST loop [{rate:.0f} vs {floor:.0f}/s, "
            f"{delivered} in {took:.2f} s]", round(rate / floor, 2) if complete else 0.0, ">=", 0.5)
    r.ratio(f"{label}: worker VmRSS peak (MB)", round(rss, 1), "<=", 100)
    cuts = statistics.quantiles(latencies, n=100)
    r.ratio(f"push latency, API 201 to the subscriber's POST, p50 of {len(latencies)} (s)",
            round(statistics.median(latencies), 3), "<=", 0.3)
    r.ratio(f"push latency, API 201 to the subscriber's POST, p99 of {len(latencies)} (s)",
            round(cuts[98], 3), "<=", 1.0)
    r.ratio(f"API publish time with {subscribers} / with 0 subscriptions (median of {len(full)})",
            round(statistics.median(full) / statistics.median(empty), 2), "<=", 1.2,
            note=f"{statistics.median(empty) * 1000:.1f} / {statistics.median(full) * 1000:.1f} ms")
