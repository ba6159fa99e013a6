#!/usr/bin/env python3
"""Outside-in reproductions of the closed security report, over real HTTP and real sockets.

The script builds its own production-like stack from the checkout under attack (--code, default
the current directory): a PostgreSQL database of its own (attack_db), `feedserver migrate`,
`seed-demo`, `create-admin`, `create-user`, `create-token`, gunicorn with deploy/gunicorn.conf.py
and config/production.example.toml (FEEDSERVER_ENV=production, SECRET_KEY, BASE_URL on the nginx
port, PROXY_FIX_HOPS=1), `feedserver worker` under strace (every connect() it makes is logged),
and the shipped deploy/nginx.conf in front (rendered to local ports by bench/nginx.py). It then
attacks it the way an outsider can: only through nginx unless a line says otherwise.

Runs:
  prod    the stack above, WebSub callbacks limited to public addresses (the shipped default);
  prod+   the same stack restarted with a few 127.0.0.x addresses in
          FEEDSERVER_WEBSUB_ALLOWED_CALLBACK_NETWORKS, for the checks that need a subscriber
          (slow drip, embargo notifications, redirects, raw Korean topics); 127.0.0.2 stays
          forbidden and is where a followed redirect would land;
  dev     plain development setup: SQLite, default settings, gunicorn without nginx.

Every check prints one line:
  FIXED       <id> <what>: <evidence>
  REPRODUCES  <id> <what>: <evidence>
  NOTE        <id> <what>: <evidence>   (an observation; does not change the exit status)
Exit status: 0 when nothing reproduces, 1 otherwise (2 when the stack could not be built).

Usage:
  cd /tmp/attack && PYTHONPATH=/tmp/attack /work/main/.venv/bin/python /work/main/bench/attack.py
  options: --code DIR (checkout to attack), --releases N (demo releases, default 20000),
           --skip-dev, --keep-logs DIR (copy server logs and the worker's connect trace there)
Needs: PostgreSQL on 127.0.0.1:5432 (trust auth, user postgres), nginx, strace (optional).
"""
import argparse
import gzip
import http.client
import io
import json
import os
import re
import secrets
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlencode, urljoin, urlsplit
from zoneinfo import ZoneInfo

PY = sys.executable
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
STRACE = shutil.which("strace")
PG = {"host": "127.0.0.1", "port": "5432", "user": "postgres"}
DB_NAME = "attack_db"
ADMIN, EDITOR = "gwanrija7x", "pyeonjip9x"   # names no public page shows unless a session leaks
PASSWORD = "correct horse battery staple"
KST = timezone(timedelta(hours=9))
# Runs `feedserver ARGS` with the code under attack first on sys.path ('' = the cwd = --code).
CLI = ("import sys, feedserver; sys.stderr.write('feedserver from %s\\n' % feedserver.__file__); "
       "from feedserver.cli import main; sys.argv[0] = 'feedserver'; main()")
GUNICORN = ("import sys, feedserver; sys.stderr.write('feedserver from %s\\n' % feedserver.__file__); "
            "from gunicorn.app.wsgiapp import run; sys.argv[0] = 'gunicorn'; run()")
VARIANTS = [
    ({}, "plain"),
    ({"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
      "Accept-Encoding": "gzip, deflate, br, zstd"}, "browser"),
    ({"Accept": "application/rss+xml, application/atom+xml", "Accept-Encoding": "gzip"}, "reader"),
    ({"Accept": "application/json", "Accept-Encoding": "identity"}, "json"),
    ({"Accept": "*/*", "Accept-Encoding": "br;q=1.0, gzip;q=0.5"}, "odd"),
]
# Anonymous extras that try to land on other nginx cache keys or upstream variants.
ANON_EXTRA = [
    ({"Accept-Encoding": "gzip;q=0, identity"}, "gzip-q0"),
    ({"Accept-Encoding": "x-" + secrets.token_hex(3) + ", gzip"}, "junk-gzip"),
    ({"Accept": "application/feed+json", "Accept-Encoding": "deflate"}, "feedjson"),
]

RESULTS = []
PROCS = []
LISTENERS = []


# ------------------------------------------------------------------------------------ output

def report(fid, title, ok, evidence, note=False):
    status = "NOTE" if note else ("FIXED" if ok else "REPRODUCES")
    RESULTS.append((status, fid, title, evidence))
    print(f"{status:<11}{fid:<8}{title}: {evidence}", flush=True)


def say(text):
    print(f"# {text}", flush=True)


def short(text, n=90):
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


# -------------------------------------------------------------------------------------- HTTP

class Resp:
    def __init__(self, status, headers, body, elapsed):
        self.status, self.headers, self.body, self.elapsed = status, headers, body, elapsed

    def header(self, name):
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def text(self):
        raw = self.body
        if (self.header("Content-Encoding") or "").lower() == "gzip":
            try:
                raw = gzip.decompress(raw)
            except OSError:
                pass
        return raw.decode("utf-8", "replace")

    def __repr__(self):
        return f"{self.status} {short(self.text, 60)!r}"


def quote_url(url):
    """Percent-encode what http.client cannot send (Korean), keep what is already encoded."""
    return quote(url, safe=":/?=&%#[]@!$'()*+,;~")


def request(method, url, headers=None, body=None, source=None, timeout=30):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout,
                                      source_address=(source, 0) if source else None)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.monotonic()
    try:
        conn.request(method, target, body=body, headers=headers or {})
        answer = conn.getresponse()
        data = answer.read()
        return Resp(answer.status, answer.getheaders(), data, time.monotonic() - started)
    finally:
        conn.close()


def get(url, headers=None, source=None, timeout=30):
    return request("GET", quote_url(url), headers, None, source, timeout)


def post_form(url, data, headers=None, source=None):
    h = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
    return request("POST", quote_url(url), h, urlencode(data).encode(), source)


def multipart(fields, files):
    boundary = "----attack" + secrets.token_hex(8)
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(str(value).encode() + b"\r\n")
    for name, (filename, data, ctype) in files.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                  f'filename="{filename}"\r\nContent-Type: {ctype}\r\n\r\n'.encode())
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def api(base, token, method, path, payload=None, raw=None, ctype="application/json", files=None):
    headers = {"Authorization": f"Bearer {token}"}
    body = None
    if files is not None:
        body, headers["Content-Type"] = multipart({}, files)
    elif raw is not None:
        body, headers["Content-Type"] = raw, ctype
    elif payload is not None:
        body, headers["Content-Type"] = json.dumps(payload, ensure_ascii=False).encode(), ctype
    return request(method, quote_url(base + path), headers, body)


def error_message(resp):
    try:
        return json.loads(resp.body)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return resp.text


def csrf_of(resp):
    match = re.search(r'name="csrf_token" value="([^"]+)"', resp.text)
    return match.group(1) if match else ""


class Browser:
    """A client holding the session cookie the way a browser would (one cookie, any path)."""

    def __init__(self, base, source=None, headers=None):
        self.base, self.source, self.cookie = base, source, None
        self.extra = headers or {}
        self.seen_cookies = []

    def go(self, method, path, data=None, headers=None, files=None):
        h = {**self.extra, **(headers or {})}
        if self.cookie:
            h["Cookie"] = f"session={self.cookie}"
        body = None
        if files is not None:
            body, h["Content-Type"] = multipart(data or {}, files)
        elif data is not None:
            body = urlencode(data).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        resp = request(method, quote_url(self.base + path), h, body, self.source)
        for value in resp.all("Set-Cookie"):
            self.seen_cookies.append(value)
            match = re.match(r"\s*session=([^;]*)", value)
            if match:
                self.cookie = match.group(1) or None
        return resp

    def get(self, path, **kw):
        return self.go("GET", path, **kw)

    def post(self, path, data=None, **kw):
        return self.go("POST", path, data, **kw)

    def form(self, page, action, data, **kw):
        """Post a form with the CSRF token the page carries."""
        token = csrf_of(self.get(page))
        return self.post(action, {"csrf_token": token, **data}, **kw)


def login(base, username, password=PASSWORD, source=None, headers=None, next_url=None):
    browser = Browser(base, source, headers)
    page = browser.get("/admin/login" + (f"?next={quote(next_url, safe='')}" if next_url else ""))
    data = {"csrf_token": csrf_of(page), "username": username, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return browser, browser.post("/admin/login", data)


def signed_in(resp):
    return resp.status in (302, 303) and "/admin/login" not in (resp.header("Location") or "")


# -------------------------------------------------------------------------------- processes

class Proc:
    """A child in its own session; stop() ends it and whatever it forked (by its own pgid)."""

    def __init__(self, name, cmd, env, cwd, logdir):
        self.name, self.log_path = name, Path(logdir) / f"{name}.log"
        self.log = open(self.log_path, "ab")
        self.p = subprocess.Popen(cmd, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=self.log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        PROCS.append(self)

    def alive(self):
        return self.p.poll() is None

    def stop(self):
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.p.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.p.wait(wait)
            except subprocess.TimeoutExpired:
                continue
        try:  # children left in the group after the leader exited
            os.killpg(self.p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.log.close()
        if self in PROCS:
            PROCS.remove(self)


def free_port(host="127.0.0.1"):
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_http(url, proc=None, timeout=60):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        if proc is not None and not proc.alive():
            raise RuntimeError(f"{proc.name} exited; see {proc.log_path}")
        try:
            last = get(url, timeout=5)
            if last.status == 200:
                return last
        except OSError as error:
            last = error
        time.sleep(0.25)
    raise RuntimeError(f"{url} did not come up: {last}")


def children(pid):
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def memory_kb(pid, field):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def gunicorn_workers(proc):
    """Return the pids of gunicorn's workers (children of the master, which runs under python)."""
    return children(proc.p.pid)


class Forwarder:
    """TCP forwarder: the worker reaches its database through this port, so that any connect()
    the worker makes to 127.0.0.1:5432 itself can only be a WebSub request."""

    def __init__(self, target):
        self.target = target
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.open = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.open:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=10)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.open = False
        self.sock.close()


# ------------------------------------------------------------------------- socket listeners

class Listener:
    """A real socket that records every connection and answers like a WebSub subscriber.

    mode "silent": record and hang up; "sink": echo hub.challenge, answer deliveries 204;
    "drip": echo hub.challenge, answer deliveries one byte every `drip` seconds;
    "redirect": answer the verification with 302 to `redirect_to`.
    """

    def __init__(self, host="127.0.0.1", mode="silent", redirect_to=None, drip=5.0, port=0):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(128)
        self.host, self.port = host, self.sock.getsockname()[1]
        self.mode, self.redirect_to, self.drip = mode, redirect_to, drip
        self.events, self.lock, self.open = [], threading.Lock(), True
        LISTENERS.append(self)
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self):
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def _accept(self):
        while self.open:
            try:
                conn, peer = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn, peer), daemon=True).start()

    def _handle(self, conn, peer):
        event = {"t": time.monotonic(), "wall": time.time(), "peer": peer[0], "method": None,
                 "path": None, "headers": {}, "body": b"", "held": None}
        with self.lock:
            self.events.append(event)
        try:
            conn.settimeout(15)
            self._read(conn, event)
            if self.mode == "silent" or event["method"] is None:
                return
            query = parse_qs(urlsplit(event["path"]).query)
            if event["method"] == "GET":
                if self.mode == "redirect":
                    location = self.redirect_to + "?" + urlsplit(event["path"]).query
                    conn.sendall(f"HTTP/1.1 302 Found\r\nLocation: {location}\r\n"
                                 f"Content-Length: 0\r\nConnection: close\r\n\r\n".encode())
                else:
                    challenge = (query.get("hub.challenge") or [""])[0].encode()
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                                 + str(len(challenge)).encode() + b"\r\nConnection: close\r\n\r\n"
                                 + challenge)
            elif self.mode == "drip":
                self._drip(conn, event)
            else:
                conn.sendall(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
        except OSError:
            pass
        finally:
            if event["held"] is None:
                event["held"] = time.monotonic() - event["t"]
            conn.close()

    @staticmethod
    def _read(conn, event):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        event["method"], event["path"] = lines[0].split(" ")[:2]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.setdefault(name.strip().lower(), []).append(value.strip())
        event["headers"] = headers
        length = int((headers.get("content-length") or ["0"])[0] or 0)
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            body += chunk
        event["body"] = body

    def _drip(self, conn, event):
        payload = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 4096\r\n\r\n"
        sent, started = 0, time.monotonic()
        while self.open and time.monotonic() - started < 90:
            conn.send(payload[sent:sent + 1] if sent < len(payload) else b"x")
            sent += 1
            readable, _, _ = select.select([conn], [], [], self.drip)
            if readable:
                try:
                    if not conn.recv(4096):
                        break
                except OSError:
                    break
        event["held"] = time.monotonic() - event["t"]
        event["bytes_dripped"] = sent

    def of(self, method):
        with self.lock:
            return [e for e in self.events if e["method"] == method]

    def close(self):
        self.open = False
        try:
            self.sock.close()
        except OSError:
            pass


# --------------------------------------------------------------------------- worker tracing

CONNECT4 = re.compile(r'connect\(\d+, \{sa_family=AF_INET, sin_port=htons\((\d+)\), '
                      r'sin_addr=inet_addr\("([0-9.]+)"\)')
CONNECT6 = re.compile(r'connect\(\d+, \{sa_family=AF_INET6, sin6_port=htons\((\d+)\),.*?'
                      r'inet_pton\(AF_INET6, "([^"]+)"')


class Trace:
    """The worker's connect() calls, as strace logged them."""

    def __init__(self, path):
        self.path = Path(path)

    def mark(self):
        return self.path.stat().st_size if self.path.exists() else 0

    def connects(self, since=0, ignore_ports=()):
        if not self.path.exists():
            return []
        with open(self.path, "rb") as fh:
            fh.seek(since)
            text = fh.read().decode("latin-1")
        found = []
        for pattern in (CONNECT4, CONNECT6):
            for port, addr in pattern.findall(text):
                if int(port) not in ignore_ports and int(port) != 53:
                    found.append(f"{addr}:{port}")
        return found


# -------------------------------------------------------------------------------- the stack

class Stack:
    """gunicorn (+ worker, + nginx) for one run; `url` is what an outsider talks to."""

    def __init__(self, name, code, work, env, db_url, worker_db_url, nginx=True):
        self.name, self.code, self.work = name, Path(code), Path(work)
        self.env, self.db_url, self.worker_db_url = env, db_url, worker_db_url
        self.use_nginx = nginx
        self.web_port = free_port()
        self.nginx_port = free_port() if nginx else None
        self.direct = f"http://127.0.0.1:{self.web_port}"
        self.url = f"http://127.0.0.1:{self.nginx_port}" if nginx else self.direct
        self.web = self.worker = self.proxy = None
        self.trace = Trace(self.work / f"{name}-worker-connects.trace")
        self.traces = []
        self.workers = None

    def cli(self, *args, stdin=None, extra=None):
        env = {**self.env, "FEEDSERVER_DATABASE_URL": self.db_url, **(extra or {})}
        done = subprocess.run([PY, "-c", CLI, *args], env=env, cwd=self.code, input=stdin,
                              capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            raise RuntimeError(f"feedserver {' '.join(args)} failed: {done.stderr[-800:]}")
        return done.stdout.strip(), done.stderr

    def start_app(self, extra=None, tag=""):
        env = {**self.env, "FEEDSERVER_DATABASE_URL": self.db_url, **(extra or {})}
        conf = self.code / "deploy" / "gunicorn.conf.py"
        self.web = Proc(f"{self.name}{tag}-gunicorn",
                        [PY, "-c", GUNICORN, "--config", str(conf), "--bind",
                         f"127.0.0.1:{self.web_port}", "wsgi:app"], env, self.code, self.work)
        worker_env = {**env, "FEEDSERVER_DATABASE_URL": self.worker_db_url}
        self.trace = Trace(self.work / f"{self.name}{tag}-worker-connects.trace")
        self.traces.append(self.trace)
        cmd = [PY, "-c", CLI, "worker"]
        if STRACE:
            cmd = [STRACE, "-f", "-qq", "--seccomp-bpf", "-e", "trace=connect",
                   "-o", str(self.trace.path)] + cmd
        self.worker = Proc(f"{self.name}{tag}-worker", cmd, worker_env, self.code, self.work)
        wait_http(self.direct + "/robots.txt", self.web)
        time.sleep(0.5)
        self.workers = gunicorn_workers(self.web)
        if not self.worker.alive():
            raise RuntimeError(f"worker exited; see {self.worker.log_path}")
        wait_for(lambda: all("feedserver from" in p.log_path.read_text(errors="replace")
                             for p in (self.web, self.worker)), 10)
        origins = {p.name: next((line.split(" from ", 1)[1] for line in
                                 p.log_path.read_text(errors="replace").splitlines()
                                 if line.startswith("feedserver from")), "?")
                   for p in (self.web, self.worker)}
        say(f"code running: {origins}")
        if any(not path.startswith(str(self.code)) for path in origins.values()):
            raise RuntimeError(f"the servers do not run the code under attack: {origins}")

    def stop_app(self):
        for proc in (self.worker, self.web):
            if proc is not None:
                proc.stop()
        self.worker = self.web = None

    def start_nginx(self):
        sys.path.insert(0, str(self.code / "bench"))
        from nginx import render  # the shipped file with this run's ports and paths
        prefix = self.work / f"{self.name}-nginx"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (prefix / "tmp" / kind).mkdir(parents=True, exist_ok=True)
        conf = prefix / "nginx.conf"
        conf.write_text(render(self.web_port, self.nginx_port, prefix / "cache", prefix=prefix,
                               shipped=self.code / "deploy" / "nginx.conf"))
        self.proxy = Proc(f"{self.name}-nginx", [NGINX, "-p", str(prefix), "-c", str(conf), "-e",
                                                  str(prefix / "error.log"), "-g", "daemon off;"],
                          self.env, self.code, self.work)
        wait_http(self.url + "/robots.txt", self.proxy)

    def stop(self):
        self.stop_app()
        if self.proxy is not None:
            self.proxy.stop()
            self.proxy = None

    def worker_connects(self, since, allowed_ports=()):
        """Connections the worker made since `since`, minus its own database and DNS."""
        ignore = set(allowed_ports)
        if self.worker_db_url != self.db_url:
            ignore.add(int(urlsplit(self.worker_db_url).port))
        return self.trace.connects(since, ignore)

    def sql(self, query):
        """Read the run's database (evidence only: never used to decide what an attacker sees)."""
        if self.db_url.startswith("sqlite"):
            with sqlite3.connect(self.db_url[len("sqlite:///"):]) as conn:
                return conn.execute(query).fetchall()
        done = subprocess.run(["psql", "-h", PG["host"], "-p", PG["port"], "-U", PG["user"], "-At",
                               "-d", DB_NAME, "-c", query], capture_output=True, text=True)
        return [tuple(line.split("|")) for line in done.stdout.splitlines() if line]


def prepare(stack, releases):
    """migrate, seed-demo, create-admin, create-user, create-token: as an operator would."""
    out, err = stack.cli("migrate")
    source = next((line for line in err.splitlines() if line.startswith("feedserver from")), "?")
    stack.cli("seed-demo", "--count", str(releases))
    stack.cli("create-admin", ADMIN, "--password-stdin", stdin=PASSWORD + "\n")
    stack.cli("create-user", EDITOR, "--role", "editor", "--password-stdin", stdin=PASSWORD + "\n")
    token, _ = stack.cli("create-token", ADMIN)
    return token.splitlines()[-1].strip(), source


# ------------------------------------------------------------------------------ the checks

def public_urls(stack, token):
    """Sample every public GET route with live ids (the crawl list of tests/support/crawl.py)."""
    cats = json.loads(api(stack.url, token, "GET", "/api/v1/categories").body)["items"]
    rels = json.loads(api(stack.url, token, "GET",
                          "/api/v1/releases?status=published&per_page=100").body)["items"]
    visible = [r for r in rels if r["visible"]]
    pick = next((r for r in visible if r["attachments"]), visible[0])
    slug = pick["category"]
    older = next((r for r in visible if r["category"] == slug and r["id"] != pick["id"]), pick)
    fid = pick["attachments"][0]["url"].rsplit("/", 1)[1] if pick["attachments"] else None
    # The archive document of its month of publication, a month in Asia/Seoul.
    month = datetime.fromisoformat(pick["published_at"]).astimezone(ZoneInfo("Asia/Seoul")).strftime("%Y-%m")
    feeds = lambda path: [f"{path}.{fmt}" for fmt in ("rss", "atom", "json")]  # noqa: E731
    urls = ["/", "/board/", "/board/?page=2", "/board/?field=title&q=경기도", f"/board/{slug}/",
            f"/board/{slug}/?field=all&q=소식", "/board/nope/", f"/releases/{pick['id']}",
            f"/releases/{older['id']}", "/releases/zzzzzzzzzzzz",
            *feeds("/feeds/all"), *feeds(f"/feeds/category/{slug}"), "/feeds/category/nope.rss",
            *[f"/feeds/search.{f}?field=title&q=경기도" for f in ("rss", "atom", "json")],
            *feeds(f"/feeds/archive/all/{month}"), *feeds(f"/feeds/archive/category/{slug}/{month}"),
            "/feeds/", "/feeds.opml", "/favicon.ico", "/robots.txt", "/sitemap.xml",
            "/sitemaps/1.xml", "/sitemap-news.xml", "/widget/latest.json",
            f"/widget/latest.json?category={slug}&limit=3", "/embed/latest",
            f"/embed/latest?category={slug}", "/widget.js", "/widget", "/static/feed.xsl"]
    if fid:
        urls.append(f"/releases/{pick['id']}/files/{fid}")
    return urls, cats, pick


def leaks(resp, names=(ADMIN, EDITOR)):
    found = []
    if resp.all("Set-Cookie"):
        found.append("Set-Cookie " + short(resp.all("Set-Cookie")[0], 40))
    if "cookie" in (resp.header("Vary") or "").lower():
        found.append("Vary: " + resp.header("Vary"))
    text = resp.text
    for marker in (*names, 'href="/admin', "로그아웃"):
        if marker in text:
            found.append(f"body shows {marker!r}")
    return found


def crawl(targets, pool):
    """Fetch (base, url, headers, cookie) tuples in parallel; return (target, resp) pairs."""
    def one(target):
        base, url, headers, cookie = target
        h = dict(headers)
        if cookie:
            h["Cookie"] = f"session={cookie}"
        for attempt in range(4):  # a database restarted by someone else is not a finding
            try:
                resp = get(base + url, h)
            except OSError as error:
                resp = Resp(0, [], str(error).encode(), 0)
            if resp.status not in (0, 502, 503, 504):
                break
            time.sleep(1 + attempt)
        return target, resp
    return list(pool.map(one, targets))


def check_sessions(stack, token, run, pool):
    """1. Critical: a signed-in crawl must leave nothing per user in any public response or cache."""
    urls, _, _ = public_urls(stack, token)
    bases = [stack.url] + ([stack.direct] if stack.use_nginx else [])
    admin, resp_a = login(stack.url, ADMIN)
    editor, resp_e = login(stack.url, EDITOR, source="127.0.0.5")
    if not (signed_in(resp_a) and signed_in(resp_e)):
        report(f"1{run}", "signed-in crawl", False, f"could not sign in: {resp_a.status} {resp_e.status}")
        return
    captured = {admin.cookie, editor.cookie}
    targets = [(b, u, h, c) for b in bases for c in (admin.cookie, editor.cookie)
               for u in urls for h, _ in VARIANTS]
    signed = crawl(targets, pool)
    problems = []
    for (base, url, _, _), resp in signed:
        if resp.status >= 500 or resp.status == 0:
            problems.append(f"signed-in {url} → {resp.status}")
        for value in resp.all("Set-Cookie"):
            problems.append(f"signed-in {url} set a cookie: {short(value, 40)}")
            captured.add(re.match(r"\s*session=([^;]*)", value).group(1) if "session=" in value else "")
    anon_targets = []
    for round_ in range(2):
        for base in bases:
            for url in urls:
                for headers, _ in VARIANTS + ANON_EXTRA:
                    anon_targets.append((base, url, headers, None))
                if url.startswith(("/feeds/", "/widget/", "/sitemap")) and "?" not in url:
                    # A query the caches never saw: nginx and the fast path both miss.
                    anon_targets.append((base, f"{url}?cb={secrets.token_hex(4)}", {}, None))
    anon = crawl(anon_targets, pool)
    hits = 0
    for (base, url, headers, _), resp in anon:
        hits += resp.header("X-Cache-Status") == "HIT"
        for leak in leaks(resp):
            where = "nginx" if base == stack.url and stack.use_nginx else "gunicorn"
            problems.append(f"anonymous {url} via {where} ({headers or 'plain'}): {leak}")
    via = ["nginx" if b == stack.url and stack.use_nginx else "gunicorn" for b in bases]
    evidence = (f"{len(signed)} signed-in requests (admin+editor × {len(urls)} URLs × 5 Accept/"
                f"Accept-Encoding variants via {'+'.join(via)}), "
                f"{len(anon)} anonymous" + (f" ({hits} nginx HITs): " if stack.use_nginx else ": "))
    report(f"1{run}", "public responses carry no session (Set-Cookie, Vary: Cookie, name, logout, admin link)",
           not problems, evidence + ("nothing per user" if not problems
                                     else f"{len(problems)} problems, e.g. {problems[:3]}"))
    # Cookies captured anywhere must die with logout.
    alive = [get(stack.url + "/admin/", {"Cookie": f"session={c}"}).status for c in captured if c]
    outs = [b.form("/admin/", "/admin/logout", {}) for b in (admin, editor)]
    replay = [get(stack.url + path, {"Cookie": f"session={c}"})
              for c in captured if c for path in ("/admin/users", "/admin/", "/admin/tokens")]
    still = [r for r in replay if r.status != 302 or "/admin/login" not in (r.header("Location") or "")]
    report(f"1b{run}", "captured session cookies are dead after logout", not still and alive == [200, 200],
           f"{len(captured)} cookies captured (admin, editor; none from public responses), live before "
           f"logout ({alive}); logout → {[o.status for o in outs]}; replaying them on /admin/users, "
           f"/admin/, /admin/tokens → {sorted({r.status for r in replay})} to "
           f"{sorted({(r.header('Location') or '').split('?')[0] for r in replay})}")


def check_session_extras(stack, run):
    """Session fixation, CSRF on the account page, open redirect after login."""
    base = stack.url
    pre = Browser(base, "127.0.0.6")
    page = pre.get("/admin/login")
    before = pre.cookie
    resp = pre.post("/admin/login", {"csrf_token": csrf_of(page), "username": ADMIN, "password": PASSWORD})
    after = pre.cookie
    fixed = Browser(base)
    fixed.cookie = before
    probe = fixed.get("/admin/") if before else None
    ok = bool(signed_in(resp) and before and after and before != after and probe.status == 302)
    report(f"X1{run}", "session fixation: the pre-login cookie does not survive login", ok,
           f"GET /admin/login set session={short(before, 16)}; login → {resp.status}, new cookie "
           f"{'differs' if before != after else 'SAME'}; pre-login cookie on /admin/ → "
           f"{probe.status if probe else '-'} {probe.header('Location') if probe else ''}")
    flags = next((c for c in pre.seen_cookies[1:]
                  if c.startswith("session=") and "Expires=Thu, 01 Jan 1970" not in c), "")
    report(f"X2{run}", "session cookie flags", True,
           "; ".join(p.strip() for p in flags.split(";")[1:]) or "(no cookie seen)", note=True)

    # CSRF: a signed-in browser posting the account forms without the token.
    cases = [("/admin/account", {"current_password": PASSWORD, "password": "hijacked-password-1",
                                 "confirm": "hijacked-password-1"}),
             ("/admin/account/sessions/end", {}), ("/admin/logout", {}),
             ("/admin/tokens", {"name": "csrf"})]
    token_less = Browser(base, "127.0.0.6").post("/admin/login", {"username": ADMIN, "password": PASSWORD})
    answers = [f"POST /admin/login (no token) → {token_less.status}"]
    for path, data in cases:
        r = pre.post(path, data, headers={"Origin": "https://evil.example",
                                          "Referer": "https://evil.example/x"})
        answers.append(f"POST {path} (no token, Origin evil) → {r.status}")
    still_in = pre.get("/admin/")
    _, relog = login(base, ADMIN, source="127.0.0.6")
    ok = all(a.endswith("→ 400") for a in answers) and still_in.status == 200 and signed_in(relog)
    report(f"X3{run}", "CSRF on /admin/account and other signed-in forms", ok,
           "; ".join(answers) + f"; session still valid → {still_in.status}; old password still "
           f"works → {'yes' if signed_in(relog) else 'NO'}")

    # Open redirect through ?next=.
    nexts = ["//evil.example/", "https://evil.example/", "/\\evil.example", "\\\\evil.example",
             "/%2F%2Fevil.example", "\t//evil.example", " //evil.example", "///evil.example",
             "/\t/evil.example", "http:evil.example", "javascript:alert(1)", "/.//evil.example",
             "%2F%2Fevil.example", "//evil.example@127.0.0.1/", "/admin/\r\nLocation: //evil"]
    bad = []
    for value in nexts:
        r = get(f"{base}/admin/login?next={quote(value, safe='')}")
        match = re.search(r'name="next" value="([^"]*)"', r.text)
        hidden = match.group(1).replace("&amp;", "&") if match else ""
        landed = urlsplit(urljoin(base + "/admin/login", hidden))
        if landed.netloc != urlsplit(base).netloc or landed.scheme not in ("http", "https"):
            bad.append(f"{value!r} → {hidden!r}")
    browser, resp = login(base, ADMIN, source="127.0.0.6", next_url="//evil.example/")
    location = resp.header("Location") or ""
    landed = urlsplit(urljoin(base + "/admin/login", location))
    if landed.netloc != urlsplit(base).netloc:
        bad.append(f"real login with next=//evil.example/ → Location {location!r}")
    report(f"X4{run}", "open redirect via /admin/login?next=", not bad,
           f"{len(nexts)} hostile next values + 1 real login: " + (
               f"all stay on the site (login with next=//evil.example/ → {resp.status} Location {location})"
               if not bad else f"{bad[:3]}"))


def ssrf_callbacks(listen4, listen6):
    p4, p6 = listen4.port, listen6.port if listen6 else listen4.port
    return [
        f"http://127.0.0.1:{p4}/cb", f"http://localhost:{p4}/cb", f"http://LOCALHOST.:{p4}/cb",
        f"http://2130706433:{p4}/cb", f"http://0x7f000001:{p4}/cb", f"http://0177.0.0.1:{p4}/cb",
        f"http://127.1:{p4}/cb", f"http://127.000.000.001:{p4}/cb", f"http://0.0.0.0:{p4}/cb",
        f"http://0:{p4}/cb", f"http://[::1]:{p6}/cb", f"http://[::]:{p6}/cb",
        f"http://[::ffff:127.0.0.1]:{p4}/cb", f"http://[::ffff:7f00:1]:{p4}/cb",
        f"http://[0:0:0:0:0:ffff:127.0.0.1]:{p4}/cb", f"http://[64:ff9b::7f00:1]:{p4}/cb",
        f"http://[2002:7f00:1::1]:{p4}/cb", f"http://[fe80::1%25lo]:{p4}/cb",
        f"http://user:pw@127.0.0.1:{p4}/cb", f"http://example.com@127.0.0.1:{p4}/cb",
        f"https://127.0.0.1:{p4}/cb", f"http://127.0.0.1:{p4}/cb?x=1#frag",
        "http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/latest/meta-data/",
        "http://10.0.0.1/cb", "http://172.16.0.1/cb", "http://192.168.0.1/cb",
        "http://100.64.0.1/cb", "http://198.18.0.1/cb", "http://224.0.0.1/cb",
        "http://127.0.0.1:6379/", "http://127.0.0.1:5432/", "http://localhost:6379/",
        "gopher://127.0.0.1:6379/_INFO", "file:///etc/passwd", "ftp://127.0.0.1/",
    ]


def check_ssrf(stack, run, listen4, listen6):
    """2. SSRF: internal callbacks get 400 before anything is queued; the worker never connects."""
    topic = stack.url + "/feeds/all.rss"
    mark = stack.trace.mark()
    queued_before = stack.sql("select count(*) from outbox where kind = 'verify'")
    answers, wrong = [], []
    for n, callback in enumerate(ssrf_callbacks(listen4, listen6)):
        # One address per callback: RATE_LIMIT_WEBSUB must not answer in the hub's place.
        r = post_form(stack.url + "/websub", {"hub.mode": "subscribe", "hub.topic": topic,
                                              "hub.callback": callback}, source=f"127.0.3.{n + 1}")
        answers.append(r.status)
        if r.status != 400:
            wrong.append(f"{callback} → {r.status} {short(r.text, 50)!r}")
    time.sleep(3 * 1.0 + 1)  # three worker poll intervals
    queued_after = stack.sql("select count(*) from outbox where kind = 'verify'")
    seen = [e["peer"] for lst in (listen4, listen6) if lst for e in lst.events]
    connects = stack.worker_connects(mark)
    internal = connects
    ok = not wrong and not seen and not internal and queued_before == queued_after
    report(f"2{run}", "SSRF: internal hub.callback spellings refused before queueing", ok,
           f"{len(answers)} callbacks (127.0.0.1, localhost, 2130706433, 0x7f000001, 0177.0.0.1, "
           f"127.1, 0.0.0.0, [::1], [::ffff:127.0.0.1], 169.254.169.254, 10/8, 100.64/10, "
           f":6379, :5432, …) → statuses {sorted(set(answers))}"
           + (f", not 400: {wrong[:3]}" if wrong else "")
           + f"; verify jobs queued {queued_before[0][0]}→{queued_after[0][0]}; listener "
           f"{listen4.url}{' and ' + listen6.url if listen6 else ''} connections: {len(seen)}; "
           f"worker connect() to anything but its database: "
           f"{internal[:5] if internal else ('none' if STRACE else 'not traced (no strace)')}")


def check_redirect_code(code):
    """2b. Redirects: read from netguard.py (no public server can be run here)."""
    text = (Path(code) / "feedserver" / "websub" / "netguard.py").read_text()
    # One request on one checked connection: urllib3's request()+getresponse() before, one
    # sendall() whose answer httptools parses since the fan-out round.
    single = ("connection.request(" in text and "getresponse()" in text) or (
        "sock.sendall(message)" in text and "HttpResponseParser" in text)
    follows = any(word in text for word in ("redirect=True", "follow_redirects", "urlopen(",
                                            "requests.", "PoolManager", "retries=Retry"))
    deliv = (Path(code) / "feedserver" / "websub" / "delivery.py").read_text()
    ok = single and not follows and "Location" not in deliv and "Location" not in text
    report("2b", "redirects from a public-looking callback (code path)", ok,
           "netguard.request(): one connection to the address resolve() checked, one request "
           "written and one answer read, no PoolManager/urlopen/retries; a 3xx is returned as a status "
           "(verify: not 2xx → failed; deliver/ping: RuntimeError → retry), Location is never read"
           if ok else "netguard.py may follow redirects: review")


def check_rate_limit(stack, run, listen4, source="127.0.0.12"):
    """4. 500 anonymous subscribe requests from one address: 429 after the limit, quickly."""
    data = {"hub.mode": "subscribe", "hub.topic": stack.url + "/feeds/all.rss",
            "hub.callback": f"http://127.0.0.1:{listen4.port}/flood"}
    while not 1 < time.time() % 60 < 45:  # one fixed window, not two
        time.sleep(0.5)
    started = time.monotonic()

    def one(_):
        return post_form(stack.url + "/websub", data, source=source)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(one, range(500)))
    took = time.monotonic() - started
    statuses = {}
    for r in answers:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    first = next((i for i, r in enumerate(answers) if r.status == 429), None)
    limited = [r for r in answers if r.status == 429]
    slow = max((r.elapsed for r in limited), default=0)
    retry = limited[0].header("Retry-After") if limited else None
    passed = 500 - len(limited)
    workers = len(stack.workers or []) or 1
    ok = bool(limited) and passed <= 30 * workers and slow < 2 and took < 30
    report(f"4{run}", "500 /websub requests from one address", ok,
           f"{statuses} in {took:.1f}s; first 429 at request #{first}, Retry-After {retry}, slowest "
           f"429 {slow * 1000:.0f} ms; {passed} not limited (RATE_LIMIT_WEBSUB 30/minute is counted "
           f"per gunicorn process without RATELIMIT_REDIS_URL: {workers} workers → up to {30 * workers})")


def check_ipv6_rotation(stack, run, listen4):
    """NEW: IPv6 clients rotate addresses inside their /64; limits count whole addresses."""
    if not stack.use_nginx:
        return
    prefix = "2001:db8:77:1::"
    # Sent straight to gunicorn with the X-Forwarded-For nginx writes for an IPv6 client
    # ($proxy_add_x_forwarded_for = the client's address): nginx here listens on IPv4 only.
    checked = limited = 0
    for n in range(1, 41):
        h = {"X-Forwarded-For": f"{prefix}{n:x}", "X-Forwarded-Proto": "http",
             "X-Forwarded-Host": urlsplit(stack.url).netloc}
        page = Browser(stack.direct, headers=h)
        token = csrf_of(page.get("/admin/login"))
        r = page.post("/admin/login", {"csrf_token": token, "username": EDITOR, "password": f"guess-{n}"})
        if r.status == 429:
            limited += 1
        elif r.status == 200:
            checked += 1
    ok = checked <= 20
    report("N1", "NEW login throttle counts IPv6 clients per address, not per /64", ok,
           f"40 wrong passwords for {EDITOR!r} from 40 addresses of one /64 ({prefix}/64, the header "
           f"nginx forwards for IPv6 clients, sent to gunicorn): {checked} checked, {limited} got 429 "
           f"(per-/64 counting would check at most 5; LOGIN_SPRAY_MAX_FAILURES leaves every new "
           f"address 2 tries, and a /64 has 2^64). Needs IPv6 in front: the shipped nginx.conf "
           f"listens on IPv4 only, but a dual-stack listener or load balancer makes it real "
           f"(websub.client_key already counts IPv6 per /64)")
    passed = 0
    for n in range(1, 151):
        h = {"X-Forwarded-For": f"2001:db8:77:2::{n:x}", "X-Forwarded-Proto": "http",
             "X-Forwarded-Host": urlsplit(stack.url).netloc}
        r = post_form(stack.direct + "/websub", {"hub.mode": "subscribe",
                                                 "hub.topic": stack.url + "/feeds/all.rss",
                                                 "hub.callback": f"http://127.0.0.1:{listen4.port}/v6"},
                      headers=h)
        passed += r.status != 429
    report("N2", "NEW RATE_LIMIT_WEBSUB counts IPv6 clients per address, not per /64",
           passed <= 30 * max(1, len(stack.workers or [])),
           f"150 /websub requests from 150 addresses of 2001:db8:77:2::/64 (forwarded as nginx would): "
           f"{passed} not limited (per-/64 counting: at most 30 per gunicorn process, "
           f"{30 * max(1, len(stack.workers or []))} here; the pending/subscription counts do use the /64)")


AUDIT_ROW = re.compile(r'<tr data-action="login_failed">.*?<time datetime="([^"]+)".*?'
                       r'<code>user:([^<]*)</code>', re.S)


def audit_failures(stack, username, since):
    """Count '로그인 실패' rows for username at or after `since` on /admin/audit (newest first)."""
    admin, _ = login(stack.url, ADMIN, source="127.0.0.7")
    page = admin.get("/admin/audit?action=login_failed")
    rows = AUDIT_ROW.findall(page.text)
    return sum(1 for when, who in rows if who == username
               and datetime.fromisoformat(when) >= since.replace(microsecond=0))


def check_login(stack, run):
    """6. Login throttling: spoofed X-Forwarded-For, the owner elsewhere, 20 parallel attempts."""
    base, spoof = stack.url, {"X-Forwarded-For": "203.0.113.7"}
    codes = []
    for n in range(5):
        _, r = login(base, ADMIN, f"wrong-{n}", source="127.0.0.2", headers=spoof)
        codes.append(r.status)
    _, sixth = login(base, ADMIN, "wrong-6", source="127.0.0.2", headers=spoof)
    _, rotated = login(base, ADMIN, "wrong-7", source="127.0.0.2",
                       headers={"X-Forwarded-For": "198.51.100.9"})
    _, none = login(base, ADMIN, "wrong-8", source="127.0.0.2")
    _, owner = login(base, ADMIN, source="127.0.0.3", headers=spoof)
    ok = (codes == [200] * 5 and sixth.status == 429 and rotated.status == 429
          and none.status == 429 and signed_in(owner))
    where = "through nginx (it appends the real client to X-Forwarded-For; PROXY_FIX_HOPS=1 takes " \
            "the last entry)" if stack.use_nginx else "gunicorn without a proxy (PROXY_FIX_HOPS=0: " \
            "X-Forwarded-For is ignored)"
    report(f"6{run}", "five bad logins do not lock the owner out; spoofing X-Forwarded-For gains nothing",
           ok, f"{where}: attacker at 127.0.0.2 sending X-Forwarded-For 203.0.113.7: 5 tries → {codes}, "
               f"6th → {sixth.status}, with a new spoofed XFF 198.51.100.9 → {rotated.status}, "
               f"without XFF → {none.status}; owner at 127.0.0.3 (sending the attacker's spoofed XFF "
               f"too) → {owner.status} {owner.header('Location')}")
    if stack.use_nginx:
        # What a spoofed header would do if gunicorn's port were reachable: note only.
        direct = []
        for n in range(7):
            _, r = login(stack.direct, ADMIN, f"direct-{n}", headers={"X-Forwarded-For": f"192.0.2.{n + 1}"})
            direct.append(r.status)
        report(f"6n{run}", "gunicorn's own port trusts X-Forwarded-For (PROXY_FIX_HOPS=1)", True,
               f"7 bad logins straight to {stack.direct} with a new X-Forwarded-For each → {direct}: each "
               f"counted for the spoofed address. Safe only while gunicorn listens on 127.0.0.1 "
               f"(deploy/gunicorn.conf.py default) or a firewalled address", note=True)
    time.sleep(1.1)  # audit times have whole seconds: start on a fresh one
    since = datetime.now(timezone.utc)

    def attempt(n):
        _, r = login(base, ADMIN, f"parallel-{n}", source="127.0.0.4")
        return r.status
    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(attempt, range(20)))
    checked = audit_failures(stack, ADMIN, since)
    report(f"6b{run}", "20 parallel bad logins from one address: how many reached the password check",
           checked <= 5 and statuses.count(200) <= 5,
           f"responses {dict((s, statuses.count(s)) for s in set(statuses))}; /admin/audit shows "
           f"{checked} new '로그인 실패' entries for {ADMIN} (LOGIN_MAX_FAILURES 5)")

    # Can an outsider tell real account names from made-up ones?
    real, fake = EDITOR, "no-such-user-" + secrets.token_hex(2)
    took = {real: [], fake: []}
    statuses = {real: set(), fake: set()}
    for n in range(12):  # interleaved, 4 per (address, name): under every throttle limit
        for name, source in ((real, f"127.0.1.{n // 4 + 1}"), (fake, f"127.0.2.{n // 4 + 1}")):
            _, r = login(base, name, f"enum-{n}", source=source)
            took[name].append(r.elapsed)
            statuses[name].add(r.status)
    t1, t2 = (sorted(took[n])[len(took[n]) // 2] for n in (real, fake))
    s1, s2 = (sorted(statuses[n]) for n in (real, fake))
    def page(name, source):
        return re.sub(r'value="[^"]*"', "", login(base, name, "x", source=source)[1].text.replace(name, "NAME"))
    same_page = page(real, "127.0.0.16") == page(fake, "127.0.0.17")
    ok = s1 == s2 and abs(t1 - t2) < max(0.04, 0.35 * max(t1, t2)) and same_page
    report(f"X8{run}", "account names cannot be told apart by the login answer", ok,
           f"12 wrong passwords each, interleaved: {real!r} → {s1}, median {t1 * 1000:.0f} ms "
           f"(max {max(took[real]) * 1000:.0f}); {fake!r} → {s2}, median {t2 * 1000:.0f} ms "
           f"(max {max(took[fake]) * 1000:.0f}); pages identical apart from the echoed name: {same_page}")


def check_reflection(stack, token, run):
    """X. Reflected markup in search pages and feeds, JSONP, CORS on private routes."""
    evil = '"><svg onload=alert(1)><script>alert(2)</script>'
    bad = []
    for path in (f"/board/?field=all&q={quote(evil)}", f"/feeds/search.rss?field=all&q={quote(evil)}",
                 f"/feeds/search.atom?field=all&q={quote(evil)}", f"/feeds/search.json?field=all&q={quote(evil)}",
                 f"/widget/latest.json?callback=alert&category={quote(evil)}",
                 f"/embed/latest?category={quote(evil)}", f"/widget?category={quote(evil)}",
                 f"/admin/login?next={quote(evil)}"):
        r = get(stack.url + path)
        ctype = (r.header("Content-Type") or "").split(";")[0]
        is_json = ctype.endswith("json") and r.header("X-Content-Type-Options") == "nosniff"
        if r.text.lstrip().startswith("alert(") or (
                not is_json and ("<svg onload" in r.text or "<script>alert" in r.text)):
            bad.append(f"{path.split('?')[0]} → {r.status} {ctype} reflects it raw")
        if r.status >= 500:
            bad.append(f"{path.split('?')[0]} → {r.status}")
    cors = {}
    for path, headers in (("/admin/login", {}), ("/api/v1/releases?per_page=1", {"Authorization": f"Bearer {token}"})):
        r = get(stack.url + path, {"Origin": "https://evil.example", **headers})
        cors[path.split("?")[0]] = r.header("Access-Control-Allow-Origin")
        if r.header("Access-Control-Allow-Credentials"):
            bad.append(f"{path}: Access-Control-Allow-Credentials {r.header('Access-Control-Allow-Credentials')}")
    report(f"X9{run}", "reflected markup in search/widget/login, JSONP, credentialed CORS", not bad,
           f"q/category/next = {evil!r} on board, search feeds, widget, embed, login: "
           + ("escaped in HTML/XML (JSON carries it as a string, served as JSON with nosniff), "
              "no JSONP" if not bad else f"{bad}")
           + f"; Access-Control-Allow-Origin for Origin evil: {cors}")


def check_editor_limits(stack, run):
    """X. What an editor's session and token may not do (admin-only actions, others' tokens)."""
    editor, resp = login(stack.url, EDITOR, source="127.0.0.19")
    if not signed_in(resp):
        report(f"X10{run}", "editor may not act as admin", False, f"editor could not sign in: {resp.status}")
        return
    page = editor.get("/admin/tokens")
    made = editor.post("/admin/tokens", {"csrf_token": csrf_of(page), "name": "editor"})
    secret = (re.search(r"(fs_[A-Za-z0-9_-]{20,})", made.text) or [None, ""])[1]
    token = csrf_of(editor.get("/admin/"))
    tries = {
        "POST /admin/users (new admin)": editor.post("/admin/users", {
            "csrf_token": token, "username": "sneaky", "password": "x" * 12, "role": "admin"}),
        "POST /admin/users/1 (role)": editor.post("/admin/users/1", {
            "csrf_token": token, "role": "editor", "active": "0"}),
        "POST /admin/users/1/password": editor.post("/admin/users/1/password", {
            "csrf_token": token, "password": "x" * 12, "confirm": "x" * 12}),
        "POST /admin/users/1/sessions/end": editor.post("/admin/users/1/sessions/end", {"csrf_token": token}),
        "POST /admin/tokens/1/revoke (admin's token)": editor.post("/admin/tokens/1/revoke", {"csrf_token": token}),
        "POST /admin/categories": editor.post("/admin/categories", {
            "csrf_token": token, "slug": "sneaky", "name": "몰래"}),
        "GET /admin/users": editor.get("/admin/users"),
    }
    rels = json.loads(api(stack.url, secret, "GET", "/api/v1/releases?per_page=1").body)["items"] if secret else []
    if rels:
        tries["DELETE /api/v1/releases/<id> (editor token)"] = api(stack.url, secret, "DELETE",
                                                                   f"/api/v1/releases/{rels[0]['id']}")
        tries["GET /admin/releases/<id>/delete"] = editor.get(f"/admin/releases/{rels[0]['id']}/delete")
    wrong = {k: r.status for k, r in tries.items() if r.status != 403}
    _, still = login(stack.url, ADMIN, source="127.0.0.20")
    report(f"X10{run}", "an editor's session and API token cannot do an admin's work", not wrong and signed_in(still),
           f"{len(tries)} admin-only actions → " + (f"all 403" if not wrong else f"not 403: {wrong}")
           + f"; admin still signs in: {signed_in(still)}")


def check_pending_limit(stack, source="127.0.0.22"):
    """4b. Verifications waiting per client: 429 past WEBSUB_MAX_PENDING_PER_CLIENT (20)."""
    silent = Listener("127.0.0.1", "silent")  # allowed in this run; hangs up, so jobs stay pending
    answers = []
    for n in range(26):
        r = subscribe(stack, stack.url + "/feeds/all.rss", f"{silent.url}/p{n}", source=source)
        answers.append(r.status)
    first = next((i for i, s in enumerate(answers) if s == 429), None)
    ok = answers.count(202) <= 21 and first is not None and all(s == 429 for s in answers[first:])
    report("4b", "verifications waiting per client (WEBSUB_MAX_PENDING_PER_CLIENT 20)", ok,
           f"26 subscriptions from one address to a callback that hangs up: {answers.count(202)} accepted, "
           f"then {answers.count(429)}× 429 from request #{first}")
    silent.close()


def build_bombs(work):
    """A 510 KB .hwpx whose mimetype entry inflates to 512 MiB, and a variant whose directory lies."""
    path = Path(work) / "bomb.hwpx"
    if not path.exists():
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            with archive.open("mimetype", "w") as fh:
                fh.write(b"application/hwp+zip")
                chunk = bytes(1024 * 1024)
                for _ in range(512):
                    fh.write(chunk)
            archive.writestr("Contents/content.hpf", "<opf/>")
        path.write_bytes(buf.getvalue())
    honest = path.read_bytes()
    # Same bytes, but the local header and central directory declare the entry's unpacked size
    # equal to its packed size: only a reader that trusts the stream would inflate 512 MiB.
    lying = bytearray(honest)
    comp = int.from_bytes(lying[18:22], "little")
    lying[22:26] = comp.to_bytes(4, "little")
    central = lying.find(b"PK\x01\x02")
    lying[central + 24:central + 28] = comp.to_bytes(4, "little")
    return honest, bytes(lying)


def check_zip_bomb(stack, token, run, work):
    """7. A 510 KB hwpx bomb via the API: refused in under a second, worker memory bounded."""
    honest, lying = build_bombs(work)
    draft = api(stack.url, token, "POST", "/api/v1/releases",
                {"title": "압축 폭탄 시험", "category": json.loads(api(stack.url, token, "GET",
                 "/api/v1/categories").body)["items"][0]["slug"], "body": "시험", "status": "draft"})
    rid = json.loads(draft.body)["id"]
    workers = gunicorn_workers(stack.web)
    hwm = {pid: memory_kb(pid, "VmHWM") for pid in workers}
    rows = []
    worst = 0.0
    for label, data in (("honest", honest), ("lying directory", lying)):
        r = api(stack.url, token, "POST", f"/api/v1/releases/{rid}/attachments",
                files={"file": ("보도자료.hwpx", data, "application/hwp+zip")})
        worst = max(worst, r.elapsed)
        rows.append((label, r.status, r.elapsed, short(error_message(r), 50)))
    grown = max((memory_kb(pid, "VmHWM") - hwm[pid]) for pid in workers) if workers else 0
    rss = {pid: memory_kb(pid, "VmRSS") // 1024 for pid in workers}
    ok = all(status in (400, 413, 415) for _, status, _, _ in rows) and worst < 1.0 and grown < 64 * 1024
    report(f"7{run}", "zip bomb (.hwpx, 510 KB → 512 MiB) via the API", ok,
           f"{len(honest) / 1024:.0f} KiB upload: " + "; ".join(
               f"{label} → {status} in {took * 1000:.0f} ms ({msg!r})" for label, status, took, msg in rows)
           + f"; gunicorn workers' peak RSS grew by at most {grown / 1024:.1f} MiB, RSS now {rss} MiB")
    return rid


def check_search(stack, run):
    """8. Search cost: one-letter and unknown-word searches, uncached."""
    rows = []
    for path in ("/board/?field=all&q=가", "/feeds/search.rss?field=all&q=뷁",
                 "/board/?field=body&q=나", "/feeds/search.atom?field=all&q=뷀",
                 f"/board/?field=all&q=가&page=3", f"/feeds/search.json?field=all&q={secrets.token_hex(3)}"):
        r = get(stack.url + path)
        partial = "일부만 검색" in r.text
        rows.append((path, r.status, r.elapsed, r.header("X-Cache-Status"), partial))
    worst = max(t for _, _, t, _, _ in rows)
    ok = all(s == 200 for _, s, _, _, _ in rows) and worst < 2.0
    report(f"8{run}", "search cost, uncached", ok, "; ".join(
        f"{p} → {s} {t * 1000:.0f} ms{' ' + c if c else ''}{' (일부만 검색)' if pt else ''}"
        for p, s, t, c, pt in rows))


def check_search_flood(stack, run, seconds=8, clients=12):
    """8b. Many cheap-to-send, budget-bounded searches at once: what happens to everyone else."""
    def board_ms(n):
        return [round(get(stack.url + f"/board/?page={1 + secrets.randbelow(40)}").elapsed * 1000)
                for _ in range(n)]
    idle = board_ms(5)
    syllables = [chr(0xAC00 + i) for i in range(0, 11172, 7)]
    stop = time.monotonic() + seconds
    statuses = {}

    def flood(i):
        while time.monotonic() < stop:
            q = syllables[secrets.randbelow(len(syllables))]
            path = (f"/feeds/search.rss?field=all&q={q}&c={secrets.token_hex(3)}" if i % 2
                    else f"/board/?field=all&q={q}")
            r = get(stack.url + path, source="127.0.0.50")
            statuses[r.status] = statuses.get(r.status, 0) + 1
    with ThreadPoolExecutor(clients + 1) as pool:
        jobs = [pool.submit(flood, i) for i in range(clients)]
        time.sleep(2)
        busy = board_ms(5)
        for job in jobs:
            job.result()
    sent = sum(statuses.values())
    report(f"8b{run}", "search flood from one address (residual risk)", True,
           f"{clients} clients at 127.0.0.50 sending unique one-letter board/search-feed searches for "
           f"{seconds}s: {sent} requests ({sent / seconds:.0f}/s), statuses {statuses}; /board/ for "
           f"everyone else {idle} ms idle → {busy} ms during the flood. Each search is bounded "
           f"(SEARCH_TIME_BUDGET_MS), but no per-client limit covers /board/ searches (ratelimit "
           f"BUCKETS: /feeds/, widget JSON, /api/, /websub) and RATE_LIMIT_FEEDS is off by default",
           note=True)


def check_big_bodies(stack, run):
    """9b. Anonymous oversized bodies: refused quickly, worker memory bounded."""
    workers = gunicorn_workers(stack.web) if stack.web else []
    hwm = {pid: memory_kb(pid, "VmHWM") for pid in workers}
    rows = []
    big_form = ("hub.mode=subscribe&hub.topic=" + "a" * (20 * 1024 * 1024)).encode()
    for label, path, body, ctype in (
            ("20 MB urlencoded POST /websub", "/websub", big_form, "application/x-www-form-urlencoded"),
            ("20 MB urlencoded POST /admin/login", "/admin/login", big_form,
             "application/x-www-form-urlencoded"),
            ("multipart with 5,000 parts POST /admin/login", "/admin/login",
             *multipart({f"f{n}": "x" for n in range(5000)}, {}))):
        r = request("POST", stack.url + path, {"Content-Type": ctype}, body, source="127.0.0.51")
        message = re.search(r"<p[^>]*>([^<]{5,120})</p>", r.text)
        rows.append((label, r.status, r.elapsed, short(message.group(1) if message else r.text, 60)))
    grown = max((memory_kb(pid, "VmHWM") - hwm[pid]) for pid in workers) if workers else 0
    parsed = [label for label, status, _, _ in rows if status != 413]
    report(f"9b{run}", "anonymous oversized forms (MAX_FORM_MEMORY_SIZE 2 MiB)", True, "; ".join(
        f"{label} → {status} in {took * 1000:.0f} ms ({msg!r})" for label, status, took, msg in rows)
        + f"; gunicorn workers' peak RSS grew by at most {grown / 1024:.1f} MiB. "
        + (f"Parsed in full, not 413: {parsed} — Werkzeug 3.1 reads urlencoded bodies whole, "
           f"MAX_FORM_MEMORY_SIZE binds multipart fields only, so any anonymous POST may cost up to "
           f"MAX_CONTENT_LENGTH (21 MiB) of parsing per worker" if parsed else "all refused with 413"),
        note=True)


def check_low(stack, token, run, listen4):
    """9. Low-severity inputs."""
    base = stack.url
    topic = base + "/feeds/all.rss"
    results = []

    def expect(label, resp, allowed, max_seconds=5.0):
        good = resp.status in allowed and resp.elapsed < max_seconds
        results.append((label, good, f"{resp.status} in {resp.elapsed * 1000:.0f} ms"))
        return resp

    expect("hub.lease_seconds=²", post_form(base + "/websub", {
        "hub.mode": "subscribe", "hub.topic": topic, "hub.lease_seconds": "²",
        "hub.callback": "http://203.0.113.10/cb"}, source="127.0.0.13"), {400})
    expect("/sitemaps/99999999999999999999.xml", get(base + "/sitemaps/99999999999999999999.xml"), {404})
    expect("/feeds/archive/all/99999999999999999999.rss",
           get(base + "/feeds/archive/all/99999999999999999999.rss"), {404, 410})
    expect("/feeds/archive/category/x/99999999999999999999.atom",
           get(base + "/feeds/archive/category/x/99999999999999999999.atom"), {404, 410})
    for where, root in (("", base), (" (gunicorn)", stack.direct))[: 2 if stack.use_nginx else 1]:
        for path in ("/releases/a%00b", "/board/?q=a%00b", "/feeds/search.rss?q=a%00b",
                     "/feeds/category/a%00b.rss", "/releases/a%00b/files/1", "/board/a%00b/"):
            expect(path + where, get(root + path), {400, 404})
    expect("/feeds/all.rss?limit=9×5000", get(base + "/feeds/all.rss?limit=" + "9" * 5000), {400})
    # A page number that is no page a reader meant goes to page 1 (issue 16), as Korean boards do.
    expect("/board/?page=9×5000", get(base + "/board/?page=" + "9" * 5000), {302})
    expect("/widget/latest.json?limit=100000", get(base + "/widget/latest.json?limit=100000"), {200, 400})
    expect("/board/?q=101 letters", get(base + "/board/?q=" + "가" * 101), {400})
    expect("hub.mode=publish from outside", post_form(base + "/websub", {
        "hub.mode": "publish", "hub.url": topic, "hub.topic": topic}, source="127.0.0.13"), {400})
    expect("hub.secret of 300 bytes", post_form(base + "/websub", {
        "hub.mode": "subscribe", "hub.topic": topic, "hub.secret": "s" * 300,
        "hub.callback": "http://203.0.113.10/cb"}, source="127.0.0.13"), {400})
    if token:
        cat = json.loads(api(base, token, "GET", "/api/v1/categories").body)["items"][0]["slug"]
        expect("API lone surrogate \\ud800", api(base, token, "POST", "/api/v1/releases",
               raw=b'{"title": "\\ud800", "category": "' + cat.encode() + b'", "body": "x"}'), {400})
        expect("API 100,000-deep nesting", api(base, token, "POST", "/api/v1/releases",
               raw=b'{"title": ' + b"[" * 100000 + b"]" * 100000 + b"}"), {400})
        expect("API 100,000-deep objects", api(base, token, "POST", "/api/v1/releases",
               raw=b'{"a":' * 100000 + b"1" + b"}" * 100000), {400})
        expect("API ?page=99999999999", api(base, token, "GET", "/api/v1/releases?page=99999999999"), {400})
        expect("API id with NUL", api(base, token, "GET", "/api/v1/releases/a%00b"), {400, 404})
        big = {"title": "큰 본문", "category": cat, "body": "<p>" + "가" * (5 * 1024 * 1024) + "</p>",
               "status": "draft"}
        expect("API 15 MB body", api(base, token, "POST", "/api/v1/releases", big), {400, 413}, 10)
    # A raw-Korean topic must not be a 500 (its full round trip is checked in the prod+ run).
    expect("hub.topic with raw Korean query", post_form(base + "/websub", {
        "hub.mode": "subscribe", "hub.topic": base + "/feeds/search.rss?field=all&q=경기 도정",
        "hub.callback": f"http://127.0.0.1:{listen4.port}/ko"}, source="127.0.0.13"), {400})
    bad = [f"{label} → {ev}" for label, good, ev in results if not good]
    report(f"9{run}", "low: odd lease, huge page numbers, NUL, lone surrogate, deep JSON, 15 MB body",
           not bad, "; ".join(f"{label} → {ev}" for label, _, ev in results) if not bad
           else "unexpected: " + "; ".join(bad))

    # HSTS: what an outsider can make the app believe about the scheme.
    rows, hsts = [], []
    for header in ({"X-Forwarded-Proto": "https"}, {"Forwarded": "proto=https"},
                   {"X-Forwarded-Ssl": "on"}, {"X-Forwarded-Protocol": "ssl"}):
        r = get(base + f"/board/?hsts={secrets.token_hex(2)}", header)
        name = next(iter(header))
        sts = r.header("Strict-Transport-Security")
        rows.append(f"{name}: {header[name]} → {r.status}" + (f" HSTS {sts}" if sts else ""))
        if r.header("Strict-Transport-Security"):
            hsts.append(name)
    report(f"9h{run}", "HSTS and forwarded-scheme headers from clients", True,
           "; ".join(rows) + (" — nginx overwrites X-Forwarded-Proto with $scheme, so no HSTS over "
                              "plain http; X-Forwarded-Ssl/-Protocol reach gunicorn (its "
                              "secure_scheme_headers, trusted from 127.0.0.1) and contradict nginx's "
                              "X-Forwarded-Proto: gunicorn answers 400 (only the sender is hurt; "
                              "400 is not cached)" if stack.use_nginx else ""), note=True)

    # Framing: feeds and everything but the embed routes are DENY.
    frames = {}
    for path in ("/feeds/all.rss", "/feeds/all.atom", "/feeds/all.json", "/static/feed.xsl",
                 "/board/", "/widget/latest.json", "/embed/latest"):
        r = get(base + path)
        frames[path] = (r.header("X-Frame-Options"), r.header("Content-Security-Policy") or "")
    ok = all(v[0] == "DENY" and "frame-ancestors 'none'" in v[1] for p, v in frames.items()
             if p != "/embed/latest") and frames["/embed/latest"][0] is None
    def ancestors(csp):
        match = re.search(r"frame-ancestors [^;]*", csp)
        return match.group(0) if match else "no frame-ancestors"
    report(f"9f{run}", "X-Frame-Options on feeds", ok, "; ".join(
        f"{p}: XFO {v[0]}, {ancestors(v[1])}" for p, v in frames.items()))


def check_attachment_withdraw(stack, token, run):
    """9. Attachment Cache-Control, then withdraw the release and fetch the file again."""
    cat = json.loads(api(stack.url, token, "GET", "/api/v1/categories").body)["items"][0]["slug"]
    made = json.loads(api(stack.url, token, "POST", "/api/v1/releases",
                          {"title": "첨부 철회 시험", "category": cat, "body": "첨부 시험",
                           "status": "published"}).body)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    added = json.loads(api(stack.url, token, "POST", f"/api/v1/releases/{made['id']}/attachments",
                           files={"file": ("자료.pdf", pdf, "application/pdf")}).body)
    path = urlsplit(added["url"]).path
    first = get(stack.url + path)
    etag = first.header("ETag")
    api(stack.url, token, "POST", f"/api/v1/releases/{made['id']}/withdraw")
    again = get(stack.url + path)
    revalidate = get(stack.url + path, {"If-None-Match": etag or "*"})
    ok = first.status == 200 and again.status == 410 and revalidate.status == 410
    report(f"9a{run}", "attachment of a withdrawn release", ok,
           f"before: {first.status} Cache-Control {first.header('Cache-Control')!r}, "
           f"X-Cache-Status {first.header('X-Cache-Status')}; after withdraw: {again.status}, "
           f"with If-None-Match → {revalidate.status}. (Browsers and shared caches may keep the file "
           f"for max-age; nginx does not cache /releases/.)")


def check_host_header(stack, token, run):
    """X. Host header injection with BASE_URL set."""
    evil = {"Host": "evil.example"}
    hits = {}
    urls = ["/feeds/all.rss", "/feeds/all.atom", "/feeds/all.json", "/board/", "/feeds/",
            "/feeds.opml", "/sitemap.xml", "/sitemaps/1.xml", "/robots.txt", "/widget/latest.json",
            "/embed/latest", "/widget", "/sitemap-news.xml", "/admin/login", "/admin/"]
    rels = json.loads(api(stack.url, token, "GET", "/api/v1/releases?status=published&per_page=1").body)
    urls.append(urlsplit(rels["items"][0]["url"]).path)
    for url in urls:
        r = get(stack.url + url, evil)
        found = sorted(set(re.findall(r"[\w:/]*evil\.example[^\"'<>\s]*", r.text + " " + " ".join(
            v for k, v in r.headers if k.lower() in ("location", "link")))))
        if found:
            hits[url] = found[:2]
    r = request("GET", stack.url + "/api/v1/releases?per_page=1",
                {"Authorization": f"Bearer {token}", **evil})
    api_hits = re.findall(r"http://evil\.example[^\"]*", r.text)[:2]
    base_set = stack.use_nginx
    if base_set:
        report("N3" if run == "" else f"N3{run}",
               "NEW Host header reaches absolute links although BASE_URL is set", not hits,
               (f"GET with Host: evil.example → {hits}" if hits else "no public page names evil.example")
               + f"; API (token, private no-store) also builds URLs from Host: {api_hits}")
    else:
        report(f"X5{run}", "Host header in dev (no BASE_URL)", True,
               f"links follow Host on {sorted(hits)[:6]}… as documented for an empty BASE_URL; "
               "production refuses to start without BASE_URL", note=True)


def check_token_persistence(stack, run):
    """X. What a stolen session can keep: an API token survives logout and password change."""
    browser, resp = login(stack.url, EDITOR, source="127.0.0.8")
    page = browser.get("/admin/tokens")
    made = browser.post("/admin/tokens", {"csrf_token": csrf_of(page), "name": "stolen session"})
    match = re.search(r"(fs_[A-Za-z0-9_-]{20,})", made.text)
    secret = match.group(1) if match else ""
    new_password = PASSWORD + "!"
    account = browser.get("/admin/account")
    changed = browser.post("/admin/account", {"csrf_token": csrf_of(account), "current_password": PASSWORD,
                                              "password": new_password, "confirm": new_password})
    browser.form("/admin/account", "/admin/account/sessions/end", {})
    browser.form("/admin/", "/admin/logout", {})
    use = api(stack.url, secret, "GET", "/api/v1/releases?per_page=1") if secret else None
    report(f"X6{run}", "API token minted with a (stolen) session after password change + sign-out-everywhere",
           True, f"token issued → {made.status}; password change → {changed.status}; sign out "
                 f"everywhere + logout; the token then on /api/v1/releases → {use.status if use else '-'}. "
                 "Tokens are not tied to the session epoch (docs/security.md promises this only for "
                 "cookies): the user must revoke tokens by hand at /admin/tokens", note=True)
    # Put the editor's password back for later checks.
    b2, r2 = login(stack.url, EDITOR, new_password, source="127.0.0.8")
    if signed_in(r2):
        acc = b2.get("/admin/account")
        b2.post("/admin/account", {"csrf_token": csrf_of(acc), "current_password": new_password,
                                   "password": PASSWORD, "confirm": PASSWORD})


# ----------------------------------------------------------- prod+: checks with a subscriber

def subscribe(stack, topic, callback, source="127.0.0.21"):
    return post_form(stack.url + "/websub", {"hub.mode": "subscribe", "hub.topic": topic,
                                            "hub.callback": callback}, source=source)


def wait_for(condition, timeout, step=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def etags(stack, word):
    """The validators an outsider can see: origin ETags through nginx (a fresh query misses its cache)."""
    out = {}
    for path in ("/feeds/all.atom", f"/feeds/search.atom?field=all&q={word}", "/feeds/all.rss"):
        sep = "&" if "?" in path else "?"
        r = get(stack.url + f"{path}{sep}cb={secrets.token_hex(4)}")
        out[path.split("?")[0] + ("?q" if "?" in path else "")] = r.header("ETag")
    return out


def check_subscribers(stack, token, forbidden):
    """3, 5, 2c, 9k: drip, embargo, redirect and raw Korean topics with real subscribers."""
    word = "엠바고" + secrets.token_hex(3)
    sink = Listener("127.0.0.1", "sink")
    redirector = Listener("127.0.0.1", "redirect", redirect_to=forbidden.url + "/landed")
    drippers = [Listener(f"127.0.0.{n}", "drip") for n in range(3, 13)]
    all_rss = stack.url + "/feeds/all.rss"
    raw_topic = stack.url + f"/feeds/search.rss?field=all&q={word}"
    answers = [subscribe(stack, all_rss, sink.url + "/all"),
               subscribe(stack, raw_topic, sink.url + "/search"),
               subscribe(stack, all_rss, redirector.url + "/r")]
    answers += [subscribe(stack, all_rss, d.url + "/drip") for d in drippers]
    verified = wait_for(lambda: len(sink.of("GET")) >= 2 and all(d.of("GET") for d in drippers)
                        and redirector.of("GET"), 30)
    wait_for(lambda: int(stack.sql("select count(*) from subscription")[0][0]) >= 12, 10)
    subs = int(stack.sql("select count(*) from subscription")[0][0])
    if not verified or subs < 12:
        report("3", "slow-drip subscribers", False, f"setup failed: subscribe → "
               f"{[a.status for a in answers]}, verified={verified}, subscriptions={subs}")
        return
    time.sleep(2)
    # 2c. A callback that redirects its verification to a forbidden address.
    landed = list(forbidden.events)
    kept = stack.sql(f"select count(*) from subscription where callback like '{redirector.url}%'")
    report("2c", "redirects are not followed (real sockets, prod+ run)",
           not landed and kept[0][0] == "0",
           f"callback {redirector.url}/r answered the verification 302 → {forbidden.url}/landed "
           f"(127.0.0.2 is not an allowed network): connections there {len(landed)}; "
           f"subscription stored: {kept[0][0] != '0'}")
    # 9k. The raw Korean topic is stored percent-encoded and echoed as such.
    search_get = next(e for e in sink.of("GET") if e["path"].startswith("/search"))
    stored = parse_qs(urlsplit(search_get["path"]).query)["hub.topic"][0]

    # 5. Embargo: create, edit, withdraw a release scheduled for tomorrow.
    admin, _ = login(stack.url, ADMIN, source="127.0.0.9")
    cat = json.loads(api(stack.url, token, "GET", "/api/v1/categories").body)["items"][0]["slug"]
    start_tags = etags(stack, word)
    posts_before = len(sink.of("POST")) + sum(len(d.of("POST")) for d in drippers)
    tomorrow = (datetime.now(KST) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page = admin.get("/admin/releases/new")
    created = admin.post("/admin/releases/new", {
        "csrf_token": csrf_of(page), "title": f"{word} 내일 발표", "category": cat, "author": "",
        "body": f"{word} 엠바고 본문입니다.", "summary": "", "mode": "schedule",
        "publish_at": tomorrow, "action": "save"})
    location = created.header("Location") or ""
    public_id = location.rstrip("/").split("/")[-2] if "/releases/" in location else ""
    steps = {"created": etags(stack, word)}
    edit = admin.get(f"/admin/releases/{public_id}/edit")
    revision = re.search(r'name="revision" value="(\d+)"', edit.text)
    later = (datetime.now(KST) + timedelta(days=1, hours=2)).strftime("%Y-%m-%dT%H:%M")
    edited = admin.post(f"/admin/releases/{public_id}/edit", {
        "csrf_token": csrf_of(edit), "title": f"{word} 내일 발표 (수정)", "category": cat,
        "author": "", "body": f"{word} 고친 엠바고 본문입니다.", "summary": "", "mode": "schedule",
        "publish_at": later, "revision": revision.group(1) if revision else "", "action": "save"})
    steps["edited"] = etags(stack, word)
    peek = {p: get(stack.url + p) for p in (f"/releases/{public_id}", f"/board/?field=all&q={word}",
                                            f"/feeds/search.rss?field=all&q={word}&cb=1")}
    leaked = [p for p, r in peek.items() if (r.status == 200 and public_id in r.text)]
    withdrawn = admin.form(f"/admin/releases/{public_id}/edit", f"/admin/releases/{public_id}/withdraw",
                           {"reason": "엠바고 전 철회"})  # a withdrawal needs a reason (issue 15)
    steps["withdrawn"] = etags(stack, word)
    time.sleep(4)  # four worker poll intervals
    posts_after = len(sink.of("POST")) + sum(len(d.of("POST")) for d in drippers)
    jobs = stack.sql(f"select kind, status from outbox where payload like '%{public_id}%' "
                     f"and kind <> 'verify'") if public_id else []
    moved = [name for name, tags in steps.items() if tags != start_tags]
    ok = (created.status == 302 and edited.status == 302 and withdrawn.status == 302 and not moved
          and posts_after == posts_before and not leaked and not [j for j in jobs if j[0] != "due"])
    report("5", "embargoed release: create, edit, withdraw move no validator and notify nobody", ok,
           f"admin form: create (schedule {tomorrow} KST) → {created.status}, edit → {edited.status}, "
           f"withdraw → {withdrawn.status}; ETags {start_tags} " + (
               "unchanged after each step" if not moved else f"CHANGED after {moved}: {steps}")
           + f"; deliveries to 12 verified subscribers (all.rss ×11, search ×1): {posts_after - posts_before}; "
           f"outbox jobs for it: {jobs or 'none'}; public pages showing it: {leaked or 'none'}")

    # 3. Slow drip + a normal subscriber: publish a visible release that matches everything.
    mark = time.monotonic()
    page = admin.get("/admin/releases/new")
    published = admin.post("/admin/releases/new", {
        "csrf_token": csrf_of(page), "title": f"{word} 지금 발표", "category": cat, "author": "",
        "body": f"{word} 공개 본문", "summary": "", "mode": "publish", "action": "save"})
    control = etags(stack, word)
    got_all = wait_for(lambda: len(sink.of("POST")) >= 2, 40)
    sink_posts = sorted(sink.of("POST"), key=lambda e: e["t"])
    latency = [round(e["t"] - mark, 1) for e in sink_posts]
    deadline = 10
    wait_for(lambda: all(e["held"] is not None for d in drippers for e in d.of("POST")) and
             sum(len(d.of("POST")) for d in drippers) >= len(drippers), 45)
    held = [round(e["held"], 1) for d in drippers for e in d.of("POST") if e["held"] is not None]
    open_now = sum(1 for d in drippers for e in d.of("POST") if e["held"] is None)
    reached = sum(1 for d in drippers if d.of("POST"))
    ok = (published.status == 302 and got_all and latency and max(latency) < 2 * deadline + 8
          and held and max(held) <= deadline + 3 and open_now == 0)
    report("3", "slow-drip callbacks (1 byte / 5 s) do not hold worker threads; a normal subscriber is served",
           ok, f"10 dripping subscribers on 127.0.0.3-12 (WEBSUB_WORKER_THREADS 8, deadline "
               f"{deadline}s): {reached} reached, connections cut by the worker after {sorted(held)} s, "
               f"{open_now} still open; the normal subscriber got {len(sink_posts)} deliveries "
               f"{latency} s after publishing (all.rss + search feed)")
    if control == start_tags:
        report("5c", "embargo probe sensitivity", False, "publishing a visible release did not move "
               "the ETags either: the ETag probe above proves nothing")
    # 9k. Raw Korean topic round trip.
    search_post = next((e for e in sink_posts if e["path"].startswith("/search")), None)
    links = (search_post or {}).get("headers", {}).get("link", [""])
    self_link = re.findall(r"<([^>]+)>;\s*rel=\"self\"", ", ".join(links))
    ok = (stored.isascii() and unquote(stored) == raw_topic and search_post is not None
          and self_link == [stored] and word.encode() in search_post["body"])
    report("9k", "topic with raw Korean in the query", ok,
           f"subscribed {short(raw_topic, 70)!r} → verification hub.topic {short(stored, 80)!r}; "
           f"delivery rel=self {self_link[:1]}; body carries the word: "
           f"{bool(search_post and word.encode() in search_post['body'])}")
    for lst in [sink, redirector, *drippers]:
        lst.close()


# ------------------------------------------------------------------------------------ runs

def pg_admin(*args):
    return subprocess.run([args[0], "-h", PG["host"], "-p", PG["port"], "-U", PG["user"], *args[1:]],
                          capture_output=True, text=True)


def wait_pg(timeout=90):
    """Wait for PostgreSQL to accept connections (other users of this server may restart it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pg_admin("psql", "-d", "postgres", "-Atc", "select 1").stdout.strip() == "1":
            return True
        time.sleep(1)
    return False


def fresh_db():
    wait_pg()
    pg_admin("dropdb", "--if-exists", DB_NAME)
    created = pg_admin("createdb", DB_NAME)
    if created.returncode != 0:
        raise RuntimeError(f"createdb {DB_NAME}: {created.stderr}")


def base_env(code, work):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDSERVER_")}
    env.update({"PYTHONPATH": str(code), "PYTHONDONTWRITEBYTECODE": "1",
                "FEEDSERVER_ATTACHMENT_DIR": str(Path(work) / "files")})
    return env


def run_prod(code, work, args):
    say("prod: PostgreSQL attack_db, gunicorn (deploy/gunicorn.conf.py), worker, shipped nginx")
    fresh_db()
    db_url = f"postgresql://{PG['user']}@{PG['host']}:{PG['port']}/{DB_NAME}"
    forward = Forwarder((PG["host"], int(PG["port"])))
    worker_db = f"postgresql://{PG['user']}@127.0.0.1:{forward.port}/{DB_NAME}"
    env = base_env(code, work)
    stack = Stack("prod", code, work, env, db_url, worker_db)
    env.update({"FEEDSERVER_CONFIG": str(Path(code) / "config" / "production.example.toml"),
                "FEEDSERVER_ENV": "production", "FEEDSERVER_SECRET_KEY": secrets.token_hex(32),
                "FEEDSERVER_BASE_URL": stack.url, "FEEDSERVER_PROXY_FIX_HOPS": "1"})
    try:
        started = time.monotonic()
        try:
            token, source = prepare(stack, args.releases)
        except RuntimeError as error:  # e.g. PostgreSQL restarted under us: once more, from scratch
            say(f"setup failed ({short(error, 120)}); retrying once on a fresh database")
            fresh_db()
            token, source = prepare(stack, args.releases)
        say(f"{source}; seeded {args.releases} releases in {time.monotonic() - started:.0f}s; "
            f"nginx {stack.url} → gunicorn {stack.direct}; worker connects traced: {bool(STRACE)}")
        stack.start_app()
        stack.start_nginx()
        say(f"gunicorn workers: {len(stack.workers)} (shipped conf), pids {stack.workers}")
        listen4 = Listener("127.0.0.1", "silent")
        try:
            listen6 = Listener("::1", "silent", port=listen4.port)
        except OSError:
            listen6 = Listener("::1", "silent")
        with ThreadPoolExecutor(8) as pool:
            check_sessions(stack, token, "", pool)
        check_session_extras(stack, "")
        check_ssrf(stack, "", listen4, listen6)
        check_redirect_code(code)
        check_rate_limit(stack, "", listen4)
        check_login(stack, "")
        check_ipv6_rotation(stack, "", listen4)
        check_reflection(stack, token, "")
        check_editor_limits(stack, "")
        check_zip_bomb(stack, token, "", work)
        check_search(stack, "")
        check_search_flood(stack, "")
        check_big_bodies(stack, "")
        check_low(stack, token, "", listen4)
        check_attachment_withdraw(stack, token, "")
        check_host_header(stack, token, "")
        check_token_persistence(stack, "")
        late = [e["peer"] for lst in (listen4, listen6) for e in lst.events]
        if late:
            report("2z", "listeners contacted during the prod run", False, f"{late}")

        say("prod+: the same stack with 127.0.0.1 and 127.0.0.3-12 allowed as callback networks "
            "(127.0.0.2 stays forbidden)")
        stack.stop_app()
        allowed = " ".join(["127.0.0.1/32"] + [f"127.0.0.{n}/32" for n in range(3, 13)])
        stack.start_app({"FEEDSERVER_WEBSUB_ALLOWED_CALLBACK_NETWORKS": allowed}, tag="-allowed")
        forbidden = Listener("127.0.0.2", "silent")
        check_subscribers(stack, token, forbidden)
        forbidden.close()
        check_pending_limit(stack)
    finally:
        if args.keep_logs:
            keep(stack, work, args.keep_logs)
        stack.stop()
        forward.close()
        wait_pg(60)
        pg_admin("dropdb", "--if-exists", DB_NAME)


def run_dev(code, work, args):
    say("dev: SQLite, default settings (development), gunicorn without nginx, worker")
    env = base_env(code, work)
    db_url = f"sqlite:///{Path(work) / 'dev.sqlite3'}"
    stack = Stack("dev", code, work, env, db_url, db_url, nginx=False)
    try:
        token, source = prepare(stack, 937)
        say(f"{source}; gunicorn {stack.direct}")
        stack.start_app()
        listen4 = Listener("127.0.0.1", "silent")
        listen6 = Listener("::1", "silent")
        with ThreadPoolExecutor(8) as pool:
            check_sessions(stack, token, "-dev", pool)
        check_session_extras(stack, "-dev")
        check_ssrf(stack, "-dev", listen4, listen6)
        check_login(stack, "-dev")
        check_reflection(stack, token, "-dev")
        check_editor_limits(stack, "-dev")
        check_low(stack, token, "-dev", listen4)
        check_big_bodies(stack, "-dev")
        check_host_header(stack, token, "-dev")
        refused = subprocess.run([PY, "-c", "from feedserver import create_app; create_app()"],
                                 env={**env, "FEEDSERVER_ENV": "production",
                                      "FEEDSERVER_DATABASE_URL": db_url},
                                 cwd=code, capture_output=True, text=True)
        no_base = subprocess.run([PY, "-c", "from feedserver import create_app; create_app()"],
                                 env={**env, "FEEDSERVER_ENV": "production",
                                      "FEEDSERVER_SECRET_KEY": "x" * 32,
                                      "FEEDSERVER_DATABASE_URL": db_url},
                                 cwd=code, capture_output=True, text=True)
        last = lambda done: short(done.stderr.strip().splitlines()[-1] if done.stderr else "", 80)  # noqa: E731
        report("X7", "production refuses the default SECRET_KEY and an empty BASE_URL",
               refused.returncode != 0 and "SECRET_KEY" in refused.stderr
               and no_base.returncode != 0 and "BASE_URL" in no_base.stderr,
               f"FEEDSERVER_ENV=production, default key → exit {refused.returncode}: {last(refused)}; "
               f"with a key, no BASE_URL → exit {no_base.returncode}: {last(no_base)}")
    finally:
        if args.keep_logs:
            keep(stack, work, args.keep_logs)
        stack.stop()


def keep(stack, work, dest):
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for path in Path(work).glob("*.log"):
        shutil.copy(path, dest / path.name)
    for trace in stack.traces:
        if trace.path.exists():
            shutil.copy(trace.path, dest / trace.path.name)


def cleanup(*_):
    for lst in list(LISTENERS):
        lst.close()
    for proc in list(PROCS):
        proc.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", default=os.getcwd(), help="checkout to attack (default: cwd)")
    parser.add_argument("--releases", type=int, default=20000, help="demo releases in the prod run")
    parser.add_argument("--skip-dev", action="store_true", help="skip the SQLite dev run")
    parser.add_argument("--keep-logs", help="copy server logs and the worker trace here")
    args = parser.parse_args()
    code = Path(args.code).resolve()
    if not (code / "feedserver" / "__init__.py").exists():
        parser.error(f"{code} is not a feedserver checkout (run from it or pass --code)")
    which = subprocess.run([PY, "-c", "import feedserver; print(feedserver.__file__)"],
                           env=base_env(code, "/tmp"), cwd=code, capture_output=True, text=True)
    say(f"attacking {code}: feedserver imports from {which.stdout.strip()}")
    if not which.stdout.strip().startswith(str(code)):
        print("the code under attack is not what imports; fix PYTHONPATH/--code", file=sys.stderr)
        return 2
    instance_existed = (code / "instance").exists()
    work = Path(tempfile.mkdtemp(prefix="feedserver-attack-"))
    signal.signal(signal.SIGTERM, lambda *_: (cleanup(), sys.exit(3)))
    started = time.monotonic()
    status = 0
    try:
        run_prod(code, work, args)
        if not args.skip_dev:
            run_dev(code, work, args)
    except Exception as error:  # noqa: BLE001 - report, clean up, and say the run is incomplete
        import traceback
        traceback.print_exc()
        print(f"attack run aborted: {error}", file=sys.stderr)
        status = 2
    finally:
        cleanup()
        shutil.rmtree(work, ignore_errors=True)
        if not instance_existed:
            shutil.rmtree(code / "instance", ignore_errors=True)
    reproduced = [r for r in RESULTS if r[0] == "REPRODUCES"]
    fixed = [r for r in RESULTS if r[0] == "FIXED"]
    say(f"{len(fixed)} fixed, {len(reproduced)} reproduce, "
        f"{len([r for r in RESULTS if r[0] == 'NOTE'])} notes in {time.monotonic() - started:.0f}s")
    if status:
        return status
    return 1 if reproduced else 0


if __name__ == "__main__":
    sys.exit(main())
