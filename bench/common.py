"""Helpers for benchmarks: free ports, gunicorn processes, wrk runs and a printed table."""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read()
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


class Gunicorn:
    """A gunicorn started exactly as shipped (deploy/gunicorn.conf.py), stopped on exit."""

    def __init__(self, app, env=None, workers=2, cwd=None, extra=()):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [str(BIN / "gunicorn"), "--config", str(ROOT / "deploy" / "gunicorn.conf.py"),
               "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
               "--access-logfile", "/dev/null", *extra, app]
        self.proc = subprocess.Popen(cmd, cwd=cwd or ROOT, env={**os.environ, **(env or {})},
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def wrk(url, seconds, connections=32, headers=()):
    """Run wrk; return (requests/s, p99 ms, non-2xx/3xx count)."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for header in headers:
        cmd += ["-H", header]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rps, p99, int(bad.group(1)) if bad else 0


def _ms(text):
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def print_table(rows, ratios):
    """Print measured rows and ratios as one table."""
    print(f"\n{'case':<48}{'req/s':>10}{'p99 ms':>10}{'errors':>8}")
    for name, (rps, p99, bad) in rows.items():
        print(f"{name:<48}{rps:>10.0f}{p99:>10.1f}{bad:>8}")
    print(f"\n{'ratio':<60}{'measured':>10}{'target':>10}")
    for name, value, target in ratios:
        mark = "" if target is None else ("  ok" if value >= target else "  MISS")
        print(f"{name:<60}{value:>10.2f}{'' if target is None else f'{target:>10.2f}'}{mark}")
