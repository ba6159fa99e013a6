"""What metrics and request logs cost a warm feed poll answered by the fast path.

Calls the WSGI app directly (no HTTP, no test client), so the figure is the instrumentation's
share of the fast path itself: the worst case. Usage: python bench/metrics_overhead.py [N]
"""
import io
import logging
import shutil
import sys
import tempfile
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from feedserver import create_app
from feedserver.db import database
from feedserver.migrate import migrate
from feedserver.observability import metrics
from feedserver.publishing.demo import seed_demo

VARIANTS = {"off": {"METRICS_ENABLED": False, "REQUEST_LOG": False},
            "metrics": {"METRICS_ENABLED": True, "REQUEST_LOG": False},
            "metrics+log": {"METRICS_ENABLED": True, "REQUEST_LOG": True}}


def build(folder, settings):
    database.obj and database.close()
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
                      "ATTACHMENT_DIR": folder, **settings})
    logging.getLogger("feedserver").handlers[0].setStream(io.StringIO())  # formatted, not printed
    return app


def poll(app):
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/feeds/all.rss", "QUERY_STRING": "",
               "SERVER_NAME": "localhost", "SERVER_PORT": "80", "HTTP_HOST": "localhost",
               "HTTP_ACCEPT_ENCODING": "gzip", "wsgi.url_scheme": "http", "REMOTE_ADDR": "127.0.0.1",
               "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr}
    body = app(environ, lambda status, headers, exc_info=None: None)
    b"".join(body)
    if hasattr(body, "close"):  # the server closes what it was given: the observer's cue
        body.close()


def main(n=20000):
    folder = tempfile.mkdtemp(prefix="metrics-overhead-")
    app = build(folder, VARIANTS["off"])
    with app.app_context():
        migrate()
        seed_demo(count=937, attachment_dir=folder)
    apps = {name: build(folder, settings) for name, settings in VARIANTS.items()}
    for app in apps.values():
        for _ in range(100):
            poll(app)  # warm: rendered once, then kept by the fast path
    hits = metrics.cache_lookups.labels("fastpath", "hit")
    before = hits._value.get()
    poll(apps["metrics"])
    assert hits._value.get() == before + 1, "the poll missed the fast path"
    results = {name: [] for name in apps}
    for _ in range(15):  # interleaved rounds, so machine noise hits every variant alike
        for name, app in apps.items():
            results[name].append(timeit.timeit(lambda app=app: poll(app), number=n) / n * 1e6)
    base = min(results["off"])
    for name, runs in results.items():
        median = min(runs)  # the least disturbed round: the machine is shared
        print(f"{name:12s} {median:7.1f} µs per poll   x{median / base:.2f}")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
