"""Warm feed poll through the WSGI stack in-process, audience counting on and off, in one run.

A quick check of issue 18's target (counting on >= 0.95 x off) without gunicorn or wrk:
python bench/poll_counting.py [--rounds N] [--polls N]. Each round times N warm polls (200 and
304, a reader's own app and an aggregator) on each app, alternating, in CPU time; the best
round of each is kept.
"""
import argparse
import io
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from feedserver import create_app  # noqa: E402
from feedserver.migrate import migrate  # noqa: E402
from feedserver.models import Category, Release, bump_feed_state, utcnow  # noqa: E402

FEED = "/feeds/category/press.atom"
AGENTS = ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0",
          "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 42 subscribers; )")


def build(folder, counting):
    app = create_app({"DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3", "SECRET_KEY": "bench",
                      "AUDIENCE_COUNT_POLLS": counting, "AUDIENCE_FLUSH_SECONDS": 0,
                      "AUDIENCE_FLUSH_EVENTS": 10**9})
    with app.app_context():
        migrate()
        if not Category.select().exists():
            press = Category.create(slug="press", name="보도자료")
            for n in range(20):
                Release.create(category=press, title=f"보도자료 {n}", author="경기지기", body_html="<p>본문</p>",
                               body_text="본문", summary="본문", status="published",
                               published_at=utcnow() - timedelta(minutes=1))
            bump_feed_state([press.id])
        app.extensions["feedserver.audience"].flush()  # the day's salt, as a worker's flusher loads it
    return app


def environ(agent, etag=None):
    env = {"REQUEST_METHOD": "GET", "PATH_INFO": FEED, "QUERY_STRING": "", "SERVER_NAME": "bench",
           "SERVER_PORT": "80", "HTTP_HOST": "bench", "wsgi.url_scheme": "http", "REMOTE_ADDR": "10.0.0.7",
           "HTTP_ACCEPT_ENCODING": "gzip", "HTTP_USER_AGENT": agent, "wsgi.input": io.BytesIO(),
           "wsgi.errors": sys.stderr, "wsgi.version": (1, 0), "wsgi.multithread": False,
           "wsgi.multiprocess": True, "wsgi.run_once": False, "SERVER_PROTOCOL": "HTTP/1.1"}
    if etag:
        env["HTTP_IF_NONE_MATCH"] = etag
    return env


def polls(app, n):
    """Return seconds for n warm polls, alternating 200s and 304s and two User-Agents."""
    seen = {}

    def start(status, headers, exc_info=None):
        seen.update(headers)
    b"".join(app(environ(AGENTS[0]), start))
    envs = [environ(AGENTS[i % 2], seen.get("ETag") if i % 4 >= 2 else None) for i in range(4)]
    began = time.process_time()  # CPU time: other processes on a shared machine do not count
    for i in range(n):
        b"".join(app(dict(envs[i % 4]), start))
    return time.process_time() - began


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=31)
    parser.add_argument("--polls", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        on, off = build(folder, True), build(folder, False)
        best = {"on": float("inf"), "off": float("inf")}
        for _ in range(args.rounds):
            for name, app in (("off", off), ("on", on)):
                best[name] = min(best[name], polls(app, args.polls))
        per = {name: args.polls / seconds for name, seconds in best.items()}
        print(f"counting off: {per['off']:,.0f} polls/s ({best['off'] / args.polls * 1e6:.2f} us/poll)")
        print(f"counting on:  {per['on']:,.0f} polls/s ({best['on'] / args.polls * 1e6:.2f} us/poll)")
        print(f"on / off = {per['on'] / per['off']:.3f} (target >= 0.95)")
        counted = on.extensions["feedserver.audience"].batch
        print(f"counted this run: {sum(c[0] for c in counted.feeds.values()):,} polls, {len(counted.pollers)} direct pollers")


if __name__ == "__main__":
    main()
