"""Helpers for benchmarks: free ports, servers that always stop, wrk runs, worker memory."""
import os
import re
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OUT = ROOT / "bench" / "out"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url, timeout=30, proc=None):
    """Return the body of url once it answers 2xx; fail early if proc died."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server for {url} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read()
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def shipped_workers():
    """Return the worker count deploy/gunicorn.conf.py gives on this machine."""
    return runpy.run_path(str(GUNICORN_CONF))["workers"]


class Server:
    """A subprocess in its own session, so that stop() ends it and every child it forked."""

    def __init__(self, name, cmd, env=None, cwd=None):
        OUT.joinpath("logs").mkdir(parents=True, exist_ok=True)
        self.name, self.cmd, self.env, self.cwd = name, cmd, env, cwd
        self.log_path = OUT / "logs" / f"{name}.log"
        self.log = open(self.log_path, "wb")
        self._spawn()

    def _spawn(self):
        self.proc = subprocess.Popen(self.cmd, cwd=self.cwd or ROOT,
                                     env={**os.environ, **(self.env or {})},
                                     stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def restart(self):
        """Stop the server, dropping whatever it still had queued, and start it again."""
        self.stop()
        self.log = open(self.log_path, "ab")
        self._spawn()

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                pass
        try:  # whatever the session still holds (workers of a killed master)
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Gunicorn(Server):
    """A gunicorn started exactly as shipped (deploy/gunicorn.conf.py), stopped on exit."""

    def __init__(self, app, env=None, workers=2, cwd=None, extra=(), name=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [str(BIN / "gunicorn"), "--config", str(GUNICORN_CONF),
               "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
               "--access-logfile", "/dev/null", *extra, app]
        super().__init__(name or f"gunicorn-{self.port}", cmd, env=env, cwd=cwd)

    def worker_pids(self):
        return children(self.proc.pid)


def children(pid):
    """Return the pids of a process's direct children."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return [int(p) for p in text.split()]
    except OSError:
        pass
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def rss_mb(pid):
    """Return a process's resident memory (VmRSS) in MB, or None once it has gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class RssSampler:
    """Sample the VmRSS of a gunicorn's workers in a thread; keep the largest seen.

    `server` is a Gunicorn, or a callable returning the current one (it may be restarted).
    """

    def __init__(self, server, interval=0.25):
        self.server = server if callable(server) else (lambda: server)
        self.interval = interval
        self.peak, self.pids = 0.0, set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            server = self.server()
            for pid in server.worker_pids() if server is not None else ():
                value = rss_mb(pid)
                if value is not None:
                    self.pids.add(pid)
                    self.peak = max(self.peak, value)
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


@dataclass
class WrkResult:
    rps: float
    p50: float          # ms
    p99: float          # ms
    mean: float         # ms
    requests: int       # completed responses
    non_2xx_3xx: int
    socket_errors: int

    @property
    def errors(self):
        return self.non_2xx_3xx + self.socket_errors


def wrk_run(url, seconds, connections=32, headers=(), script=None, script_args=(), timeout=10):
    """Run wrk and parse its summary; a slow case times out only past `timeout` seconds."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", f"--timeout={timeout}s", "--latency"]
    for header in headers:
        cmd += ["-H", header]
    if script:
        cmd += ["-s", str(script)]
    cmd.append(url)
    if script_args:
        cmd += ["--", *script_args]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


def parse_wrk(out):
    """Parse wrk --latency output into a WrkResult."""
    def find(pattern, default=None):
        match = re.search(pattern, out)
        if match is None and default is None:
            raise RuntimeError(f"unexpected wrk output (no {pattern!r}):\n{out}")
        return match.group(1) if match else default
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return WrkResult(
        rps=float(find(r"Requests/sec:\s+([\d.]+)")),
        p50=_ms(find(r"\s50%\s+([\d.]+\w+)")),
        p99=_ms(find(r"\s99%\s+([\d.]+\w+)")),
        mean=_ms(find(r"Latency\s+([\d.]+\w+)")),
        requests=int(find(r"(\d+) requests in ")),
        non_2xx_3xx=int(find(r"Non-2xx or 3xx responses:\s+(\d+)", "0")),
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
    )


def wrk(url, seconds, connections=32, headers=()):
    """Run wrk; return (requests/s, p99 ms, non-2xx/3xx count)."""
    result = wrk_run(url, seconds, connections, headers)
    return result.rps, result.p99, result.non_2xx_3xx


def _ms(text):
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def print_table(rows, ratios):
    """Print measured rows and ratios as one table."""
    print(f"\n{'case':<48}{'req/s':>10}{'p99 ms':>10}{'errors':>8}")
    for name, (rps, p99, bad) in rows.items():
        print(f"{name:<48}{rps:>10.0f}{p99:>10.1f}{bad:>8}")
    print(f"\n{'ratio':<60}{'measured':>10}{'target':>10}")
    for name, value, target in ratios:
        mark = "" if target is None else ("  ok" if value >= target else "  MISS")
        print(f"{name:<60}{value:>10.2f}{'' if target is None else f'{target:>10.2f}'}{mark}")
