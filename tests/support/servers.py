"""Real servers for the app: werkzeug in a thread, or gunicorn as shipped in a process."""
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]


class LiveServer:
    """A real HTTP server for an app, in a thread, on a free port of 127.0.0.1."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def free_port():
    """Return a TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn(app, tmp_path, name, workers=2, env=None, args=()):
    """Start a real gunicorn (as shipped) on the app's database; return (process, url).

    env: more environment variables (FEEDSERVER_METRICS_TOKEN, ...) for this server only;
    args: more gunicorn options, which override the shipped ones.
    """
    port = free_port()
    env = {**os.environ, "FEEDSERVER_DATABASE_URL": app.config["DATABASE_URL"],
           "FEEDSERVER_ATTACHMENT_DIR": str(tmp_path / "attachments"), "FEEDSERVER_SECRET_KEY": "x",
           "FEEDSERVER_METRICS_DIR": str(tmp_path / f"{name}-metrics"), **(env or {})}
    with open(tmp_path / f"{name}.log", "wb") as log:  # the child keeps its own copy of the handle
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--config", str(ROOT / "deploy/gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--access-logfile", "/dev/null", *args, "wsgi:app"],
            cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/board/", timeout=2)
            return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError((tmp_path / f"{name}.log").read_text())
