"""Feed polling throughput: our app against a bare Flask route and a rebuild-every-time app.

Usage: python bench/feed_bench.py [--seconds N]   (`make bench` runs the full comparison: bench/run.py)
Prints requests/s and p99 for each case, measured side by side in one run, and the ratios.
"""
import argparse
import gzip
import os
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import BIN, ROOT, Gunicorn, print_table, wait_http, wrk  # noqa: E402

FEED = "/feeds/category/governor.atom"


def seed(workdir):
    env = {**os.environ, "FEEDSERVER_DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3",
           "FEEDSERVER_ATTACHMENT_DIR": f"{workdir}/attachments"}
    for args in (["migrate"], ["seed-demo"]):
        subprocess.run([str(BIN / "feedserver"), *args], env=env, cwd=workdir, check=True,
                       stdout=subprocess.DEVNULL)
    return env


def fetch(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request) as response:
        return response.read(), dict(response.headers)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="feedbench-")
    env = seed(workdir)
    app = Gunicorn("wsgi:app", env={**env, "FEEDSERVER_BASE_URL": "http://bench.example"}, cwd=ROOT)
    rebuild = Gunicorn("wsgi:app", env={**env, "FEEDSERVER_BASE_URL": "http://bench.example",
                                        "FEEDSERVER_FEED_CACHE_BYTES": "0"}, cwd=ROOT)
    servers = [app, rebuild]
    try:
        wait_http(app.url + FEED)
        wait_http(rebuild.url + FEED)
        body, headers = fetch(app.url + FEED)
        etag = headers["ETag"]
        body_file = Path(workdir) / "feed.gz"
        body_file.write_bytes(gzip.compress(body, mtime=0))
        bare = Gunicorn("bare_app:app", cwd=ROOT / "bench", env={
            "BENCH_BODY": str(body_file), "BENCH_GZIP": "1"})
        servers.append(bare)
        wait_http(bare.url + "/feed")
        gz = "Accept-Encoding: gzip"
        rows = {
            "bare Flask route, same gzip bytes": wrk(bare.url + "/feed", args.seconds, headers=[gz]),
            "feedserver warm feed poll (gzip)": wrk(app.url + FEED, args.seconds, headers=[gz]),
            "feedserver 304 revalidation": wrk(app.url + FEED, args.seconds,
                                               headers=[gz, f"If-None-Match: {etag}"]),
            # A query string keeps the feed fast path out, so this one really rebuilds.
            "rebuild feed on every request (gzip)": wrk(rebuild.url + FEED + "?limit=20",
                                                        args.seconds, headers=[gz]),
        }
    finally:
        for server in servers:
            server.stop()
    floor = rows["bare Flask route, same gzip bytes"][0]
    warm = rows["feedserver warm feed poll (gzip)"][0]
    revalidate = rows["feedserver 304 revalidation"][0]
    rebuilt = rows["rebuild feed on every request (gzip)"][0]
    print_table(rows, [
        ("warm feed poll / bare Flask", warm / floor, 0.8),
        ("304 revalidation / bare Flask", revalidate / floor, 0.8),
        ("warm feed poll / rebuild every request", warm / rebuilt, None),
        ("304 revalidation / rebuild every request", revalidate / rebuilt, None),
    ])


if __name__ == "__main__":
    main()
