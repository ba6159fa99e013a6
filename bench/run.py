"""`make bench`: feedserver under gunicorn as shipped, measured beside its floors in one run.

Side by side, one case at a time (wrk -c32 against one server while the others idle):
- floors: a bare Flask route and nginx (gzip_static) serving the feed's exact gzip bytes, and
  Django's syndication framework reading the same table (full GETs);
- the demo board on SQLite: warm feed poll, 304 revalidation, board page 1, a release page (each
  view counted: the count's delta is checked against wrk's 2xx responses), the feed through the
  shipped nginx micro-cache, and (full run) the feed rebuilt on every request;
- full run only: archives of 1,000 and 1,000,000 releases on SQLite and on PostgreSQL, each case
  run on both sizes back to back; worker memory sampled from /proc under load on 1,000,000;
  visible_count() timed in-process.
It prints one table and the ratios against issue 7's targets, marked ok or MISS.

Usage: python bench/run.py [--quick] [--seconds N] [--workers N] [--rebuild] [--engines ...]
Exit status: 0 all targets met (or --quick), 1 a target missed, 2 the apparatus failed.
"""
import argparse
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
import push
from archives import Archive
from common import (
    BIN,
    OUT,
    ROOT,
    Gunicorn,
    RssSampler,
    WrkResult,
    shipped_workers,
    wait_http,
    wrk_run,
)
from nginx import Nginx
from report import Report

FEED = "/feeds/category/governor.atom"
BOARD = "/board/governor/"
WIDGET = "/widget/latest.json?category=governor"
GZ = "Accept-Encoding: gzip"
# A reader's own app: the poll takes audience counting's dearest path (a keyed hash per poll).
READER = "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0"
BASE_URL = "http://bench.example"
# Common, uncommon, a letter that is nowhere, a letter that is everywhere, a word that one
# release holds (the seed's 2024-05-07 release): issue 20's worst cases besides the usual two.
SEARCH_WORDS = ("청년", "기후위기", "뷁", "도", "트리베디")
CONNECTIONS = 32
DEMO_COUNT = 937
SIZES = (1_000, 1_000_000)
PHASES = ["demo", "scale", "push", "mail"]
LUA_PATHS = ROOT / "bench" / "paths.lua"
LUA_BUST = ROOT / "bench" / "bust.lua"
LUA_READERS = ROOT / "bench" / "readers.lua"
UNCACHED = "uncached: page cache off, a new reader per request"


SLOW_SECONDS = 2       # a request this slow is timed one at a time, not under wrk -c32
GIVE_UP_SECONDS = 30   # a request slower than this is reported as timed out
MIX_MIN_RPS = 20       # a kind of page slower than this on its own is left out of the mixed run


class ApparatusError(RuntimeError):
    """The benchmark itself could not run (a server, a tool or a preflight request failed)."""


class CaseTimedOut(Exception):
    """One request of a case took longer than GIVE_UP_SECONDS; its server is still busy."""


def fetch(url, headers=None, timeout=60):
    """Return (status, headers, raw body) without following redirects or raising on 3xx/4xx."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def header_dict(headers):
    return dict(h.split(": ", 1) for h in headers)


class Bench:
    def __init__(self, args):
        self.args = args
        self.workers = args.workers or shipped_workers()
        self.report = Report()
        self.started = time.monotonic()
        self.gz_path = OUT / "feed.atom.gz"
        self.results = {}

    # ---- plumbing -------------------------------------------------------------------------

    def log(self, message):
        print(f"[{time.monotonic() - self.started:5.0f}s] {message}", file=sys.stderr, flush=True)

    @contextlib.contextmanager
    def serving(self, server, ready_path):
        """Wait for a started server; stop it (and its workers) however the block ends."""
        try:
            try:
                wait_http(server.url + ready_path, timeout=60, proc=server.proc)
            except RuntimeError as error:
                raise ApparatusError(f"{server.name}: {error}; see {server.log_path}") from None
            yield server
        finally:
            server.stop()

    def gunicorn(self, app, name, env=None, cwd=None):
        return Gunicorn(app, env=env, workers=self.workers, cwd=cwd, name=name)

    def app(self, archive, name, **extra):
        # wrk is one address: no cap on User-Agents per address, so each of its readers counts.
        # Metrics stay on (as shipped); the per-request log line is off, as gunicorn's access
        # log is (--access-logfile /dev/null): a line per request is I/O, not the server.
        env = {**archive.env(), "FEEDSERVER_BASE_URL": BASE_URL, "FEEDSERVER_PROXY_FIX_HOPS": "1",
               "FEEDSERVER_AUDIENCE_AGENTS_PER_ADDRESS": "0", "FEEDSERVER_REQUEST_LOG": "false",
               **extra}
        return self.gunicorn("wsgi:app", name, env=env)

    def probe(self, archive, *args):
        out = subprocess.run([str(BIN / "python"), str(ROOT / "bench" / "probe.py"), *args],
                             env={**os.environ, **archive.env()}, cwd=ROOT, check=True,
                             capture_output=True, text=True)
        return json.loads(out.stdout)

    def preflight(self, url, headers, expect):
        """GET url once; check its status and return how long it took in seconds."""
        start = time.monotonic()
        try:
            status, _, _ = fetch(url, header_dict(headers), timeout=GIVE_UP_SECONDS)
        except (TimeoutError, urllib.error.URLError) as error:
            if isinstance(error, TimeoutError) or isinstance(error.reason, TimeoutError):
                raise CaseTimedOut(url) from None
            raise
        if status != expect:
            raise ApparatusError(f"GET {url} answered {status}, expected {expect}")
        return time.monotonic() - start

    def wait_idle(self, server, path="/robots.txt", timeout=15):
        """Wait until requests queued by the last run have drained (a cheap GET is fast again).

        wrk leaves up to one request per connection queued; slow ones can keep the workers busy
        well past the run. A server still busy after `timeout` is restarted, so no case is
        measured against the leftovers of another.
        """
        deadline, fast = time.monotonic() + timeout, 0
        while time.monotonic() < deadline and fast < 2:
            start = time.monotonic()
            try:
                fetch(server.url + path, timeout=max(0.1, deadline - start))
            except OSError:
                continue
            fast = fast + 1 if time.monotonic() - start < 0.1 else 0
        if fast < 2:
            self.log(f"{server.name} still busy after {timeout} s: restarting it")
            server.restart()
            wait_http(server.url + path, timeout=60, proc=server.proc)

    def measure(self, name, server, path, headers=(), expect=200, note="", script=None,
                script_args=(), seconds=None, idle_path="/robots.txt", base=None):
        """Warm every worker, then run wrk for the run's duration; record and return the result."""
        url = (base or server.url) + path
        if not script_args:
            took = self.preflight(url, headers, expect)
            if SLOW_SECONDS < took < 3 * SLOW_SECONDS:  # once more, warm: only a cold cache?
                took = self.preflight(url, headers, expect)
            if took > SLOW_SECONDS:
                return self.record_slow(name, took)
        script = LUA_PATHS if script_args else script
        wrk_run(url, 1, CONNECTIONS, headers, script, script_args)
        self.wait_idle(server, idle_path)
        result = wrk_run(url, seconds or self.args.seconds, CONNECTIONS, headers, script, script_args)
        self.wait_idle(server, idle_path)
        self.report.add(name, result, note)
        self.results[name] = result
        self.log(f"{name}: {result.rps:.0f} req/s, p50 {result.p50:.2f} ms, "
                 f"p99 {result.p99:.1f} ms, errors {result.errors}")
        return result

    def record_slow(self, name, took):
        """Record a case too slow for wrk: one request at a time, throughput 1/latency."""
        ms = took * 1000
        result = WrkResult(rps=1 / took, p50=ms, p99=ms, mean=ms, requests=1, non_2xx_3xx=0,
                           socket_errors=0)
        self.report.add(name, result, note=f"one request at a time: {took:.1f} s, too slow for wrk")
        self.results[name] = result
        self.log(f"{name}: one request took {took:.1f} s; not run under wrk")
        return result

    def record_timeout(self, name):
        self.report.add(name, WrkResult(0, GIVE_UP_SECONDS * 1000, GIVE_UP_SECONDS * 1000,
                                        GIVE_UP_SECONDS * 1000, 0, 0, 1),
                        note=f"one request took over {GIVE_UP_SECONDS} s; gave up")
        self.log(f"{name}: one request took over {GIVE_UP_SECONDS} s; restarting its server")

    def measure_views(self, name, server, archive, public_id, label, script=LUA_READERS):
        """Measure a release page, each request a new reader; check every 2xx counted one view."""
        before = read_views(archive, public_id)
        path = f"/releases/{public_id}"
        self.preflight(server.url + path, (), 200)
        wrk_run(server.url + path, 1, CONNECTIONS, script=script)
        self.wait_idle(server)
        middle = read_views(archive, public_id)
        result = wrk_run(server.url + path, self.args.seconds, CONNECTIONS, script=script)
        self.wait_idle(server)
        after = read_views(archive, public_id)
        counted, answered = after - middle, result.requests - result.non_2xx_3xx
        # wrk stops with up to one request per connection in flight: the server counts those,
        # wrk does not. A view is lost only when fewer were counted than answered.
        lost = max(0, answered - counted)
        self.report.add(name, result)
        self.results[name] = result
        self.report.ratio(f"views lost on the release page, {label}", lost, "==", 0,
                          note=f"{counted} counted, {answered} 2xx")
        self.log(f"{name}: {result.rps:.0f} req/s, {counted} views counted for {answered} 2xx "
                 f"(+{counted - answered} in flight), {before} before warm-up")
        return result

    def bare_floor(self, name):
        """Run the bare Flask route serving the feed's gzip bytes."""
        bare = self.gunicorn("bare_app:app", "bare", cwd=ROOT / "bench",
                             env={"BENCH_BODY": str(self.gz_path), "BENCH_GZIP": "1"})
        with self.serving(bare, "/feed"):
            return self.measure(name, bare, "/feed", [GZ], idle_path="/feed")

    def floor_body(self):
        """Write the demo feed's gzip bytes, which the bare floor serves (the demo phase does it too)."""
        archive = Archive("sqlite", DEMO_COUNT).ensure(self.args.rebuild, log=self.log)
        app = self.app(archive, "app-demo")
        with self.serving(app, FEED):
            status, headers, body = fetch(app.url + FEED, {"Accept-Encoding": "gzip"})
        if status != 200 or headers.get("Content-Encoding") != "gzip":
            raise ApparatusError(f"feed answered {status} {headers.get('Content-Encoding')}")
        self.gz_path.write_bytes(body)

    # ---- phases ---------------------------------------------------------------------------

    def demo_phase(self):
        archive = Archive("sqlite", DEMO_COUNT).ensure(self.args.rebuild, log=self.log)
        info = self.probe(archive, "info")
        tag = f"sqlite demo {DEMO_COUNT}"
        app = self.app(archive, "app-demo")
        with self.serving(app, FEED):
            status, headers, body = fetch(app.url + FEED, {"Accept-Encoding": "gzip"})
            if status != 200 or headers.get("Content-Encoding") != "gzip":
                raise ApparatusError(f"feed answered {status} {headers.get('Content-Encoding')}")
            etag = headers["ETag"]
            self.gz_path.write_bytes(body)
            bare1 = self.bare_floor("bare Flask route, same gzip bytes (run 1)")
            feed = self.measure(f"[{tag}] feed poll, warm, gzip", app, FEED, [GZ, READER])
            uncounted = self.uncounted_feed(archive, tag)
            revalidate = self.measure(f"[{tag}] feed 304 revalidation (If-None-Match)", app, FEED,
                                      [GZ, f"If-None-Match: {etag}"], expect=304)
            page1 = self.measure(f"[{tag}] board page 1", app, BOARD)
            release = self.measure_views(f"[{tag}] release page (counts the view)", app, archive,
                                         info["middle_public_id"], "SQLite demo")
            widget = self.measure(f"[{tag}] widget JSON (what widget.js fetches)", app, WIDGET, [GZ])
            embed = self.measure(f"[{tag}] widget iframe page (/embed/latest)", app,
                                 "/embed/latest?category=governor", [GZ])
            bare2 = self.bare_floor("bare Flask route, same gzip bytes (run 2)")
            floor = (bare1.rps + bare2.rps) / 2
            django = self.django_floor(archive)
            static, cached = self.nginx_cases(app)
            rebuilt = None
            if not self.args.quick:
                rebuilt = self.rebuild_case(archive, tag)
        r = self.report
        r.ratio("warm feed poll, gzip / bare Flask", feed.rps / floor, ">=", 0.8)
        r.ratio("warm feed poll, audience counting on / off (issue 18)", feed.rps / uncounted.rps, ">=", 0.95)
        r.ratio("304 revalidation / bare Flask", revalidate.rps / floor, ">=", 0.8)
        r.ratio("304 revalidation / Django syndication full GET", revalidate.rps / django.rps, ">=", 20)
        r.ratio("board page 1 / bare Flask", page1.rps / floor, ">=", 0.5)
        r.ratio("release page (counts the view) / bare Flask, SQLite", release.rps / floor, ">=", 0.15)
        r.ratio("feed poll through shipped nginx micro-cache / nginx static", cached.rps / static.rps,
                ">=", 0.4)
        r.ratio("304 revalidation through shipped nginx / Django full GET (context)",
                self.nginx_304.rps / django.rps)
        r.ratio("widget JSON / bare Flask (context)", widget.rps / floor)
        r.ratio("widget iframe page / bare Flask (context)", embed.rps / floor)
        if rebuilt:
            r.ratio("warm feed poll / feed rebuilt on every request", feed.rps / rebuilt.rps)
        r.ratio("bare Flask / nginx static (context)", floor / static.rps)

    def uncounted_feed(self, archive, tag):
        """Measure the same warm poll on an app that counts no polls (AUDIENCE_COUNT_POLLS off)."""
        app = self.app(archive, "app-demo-uncounted", FEEDSERVER_AUDIENCE_COUNT_POLLS="false")
        with self.serving(app, FEED):
            return self.measure(f"[{tag}] feed poll, warm, gzip, audience counting off", app, FEED,
                                [GZ, READER])

    def django_floor(self, archive):
        django = self.gunicorn("django_feed.wsgi:application", "django", cwd=ROOT / "bench", env={
            "BENCH_DATABASE_URL": archive.url, "DJANGO_SETTINGS_MODULE": "django_feed.settings"})
        with self.serving(django, FEED):
            return self.measure("Django syndication Feed over the same table, full GET", django,
                                FEED, [GZ], idle_path=FEED)

    def nginx_cases(self, app):
        nginx = Nginx(app.port, self.gz_path)
        with self.serving(nginx, FEED):
            status, headers, body = fetch(nginx.static_url, {"Accept-Encoding": "gzip"})
            if body != self.gz_path.read_bytes() or headers.get("Content-Encoding") != "gzip":
                raise ApparatusError("nginx static did not serve the feed's gzip bytes")
            static = self.measure("nginx static file, gzip_static, same bytes", app, "/feed.atom",
                                  [GZ], base=nginx.static_url.rsplit("/", 1)[0])
            fetch(nginx.url + FEED, {"Accept-Encoding": "gzip"})
            _, headers, body = fetch(nginx.url + FEED, {"Accept-Encoding": "gzip"})
            cache_status = headers.get("X-Cache-Status", "none")
            if body != self.gz_path.read_bytes():
                raise ApparatusError("the feed through nginx differs from the app's bytes")
            cached = self.measure("feed poll through shipped nginx (micro-cache)", app, FEED, [GZ],
                                  note=f"X-Cache-Status {cache_status}", base=nginx.url)
            etag = headers.get("ETag", "")
            self.nginx_304 = self.measure("304 revalidation through shipped nginx", app, FEED,
                                          [GZ, f"If-None-Match: {etag}"], expect=304, base=nginx.url)
            fetch(nginx.url + WIDGET, {"Accept-Encoding": "gzip"})
            _, headers, _ = fetch(nginx.url + WIDGET, {"Accept-Encoding": "gzip"})
            self.measure("widget JSON through shipped nginx (micro-cache)", app, WIDGET, [GZ],
                         note=f"X-Cache-Status {headers.get('X-Cache-Status', 'none')}",
                         base=nginx.url)
        return static, cached

    def rebuild_case(self, archive, tag):
        # No render cache, and a query string (the default limit) keeps the feed fast path out.
        rebuild = self.app(archive, "app-rebuild", FEEDSERVER_FEED_CACHE_BYTES="0")
        with self.serving(rebuild, FEED):
            return self.measure(f"[{tag}] feed rebuilt on every request, gzip", rebuild,
                                FEED + "?limit=20", [GZ])

    def scale_phase(self, engine):
        archives = [Archive(engine, n).ensure(self.args.rebuild, log=self.log) for n in SIZES]
        infos = [self.probe(a, "info") for a in archives]
        tags = [f"{engine} {'1k' if n == 1_000 else '1M'}" for n in SIZES]
        label = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[engine]
        floor = self.bare_floor(f"bare Flask route, same gzip bytes ({engine} phase)")
        sample = self.probe(archives[1], "sample", "500")
        # Pages are kept per URL while the data holds, so repeating one URL would time the
        # cache; pages and searches are timed as rendered from the database instead.
        cases = [
            ("feed poll, warm, gzip", lambda i: FEED, [GZ]),
            ("board page 1", lambda i: BOARD, []),
            ("last board page", lambda i: f"{BOARD}?page={i['pages']}", []),
            *((f"board search '{w}'", lambda i, w=w: f"{BOARD}?q={quote(w)}", []) for w in SEARCH_WORDS),
        ]
        uncached = {name for name, _, _ in cases[1:]}
        got = {}
        servers = [None, None]

        def start(i, page_cache=False):
            # Pages and searches are timed as rendered from the database: no page cache (extra
            # query parameters no longer miss it); the mixed browse runs with the cache as shipped.
            extra = {} if page_cache else {"FEEDSERVER_PAGE_CACHE_BYTES": "0"}
            servers[i] = self.app(archives[i], f"app-{engine}-{SIZES[i]}", **extra)
            wait_http(servers[i].url + FEED, timeout=60, proc=servers[i].proc)

        try:
            start(0)
            start(1)
            with RssSampler(lambda: servers[1]) as rss:
                for name, path, headers in cases:
                    # Searches are compared with board page 1 at 1M only.
                    for i, (info, tag) in enumerate(zip(infos, tags)):
                        if name.startswith("board search") and i == 0:
                            continue
                        bust = name in uncached
                        try:
                            got[name, i] = self.measure(
                                f"[{tag}] {name}", servers[i], path(info), headers,
                                script=LUA_BUST if bust else None, note=UNCACHED if bust else "")
                        except CaseTimedOut:
                            got[name, i] = self.record_timeout(f"[{tag}] {name}")
                            servers[i].stop()
                            start(i)
                for i, (archive, info, tag) in enumerate(zip(archives, infos, tags)):
                    got["release", i] = self.measure_views(
                        f"[{tag}] release page (counts the view)", servers[i], archive,
                        info["middle_public_id"], f"{label} {tag.split()[1]}", script=LUA_BUST)
                    self.report.notes[f"[{tag}] release page (counts the view)"] = UNCACHED
                # As readers hit a popular release (the page cache on, as shipped), for the floor ratio.
                servers[0].stop()
                start(0, page_cache=True)
                got["release same URL", 0] = self.measure_views(
                    f"[{tags[0]}] release page, one URL (counts the view)", servers[0],
                    archives[0], infos[0]["middle_public_id"], f"{label} {tags[0].split()[1]}, one URL")
                # A kind of page joins the mix only if it held up under wrk on its own:
                # one that crawls would jam all 32 connections and leave nothing measured.
                kinds = {"releases": got["release", 1],
                         "searches": min((got[f"board search '{w}'", 1] for w in SEARCH_WORDS),
                                         key=lambda g: g.rps if g else 0)}
                kinds = {k: g is not None and g.rps >= MIX_MIN_RPS for k, g in kinds.items()}
                paths_file = self.mixed_paths(infos[1], sample, **kinds)
                servers[1].stop()
                start(1, page_cache=True)
                left_out = [k for k, ok in kinds.items() if not ok]
                self.measure(f"[{tags[1]}] mixed browse (memory)", servers[1], "/",
                             script_args=[str(paths_file)], seconds=self.args.seconds * 2,
                             note="slow " + " and ".join(left_out) + " left out" if left_out else "")
        finally:
            for server in servers:
                if server is not None:
                    server.stop()
        counts = [self.probe(a, "counts", "300" if self.args.quick else "2000") for a in archives]
        r = self.report
        for name, _, _ in cases[:3]:
            r.ratio(f"{label}: {name}, time at 1M / 1k", slower(got[name, 1], got[name, 0]),
                    "<=", 1.5)
        r.ratio(f"{label}: release page, time at 1M / 1k", slower(got["release", 1], got["release", 0]),
                "<=", 1.5)
        for scope in ("category", "site"):
            r.ratio(f"{label}: visible_count() {scope}, time at 1M / 1k",
                    counts[1][scope] / counts[0][scope], "<=", 1.5,
                    note=f"{counts[0][scope]:.0f} / {counts[1][scope]:.0f} us")
        for word in SEARCH_WORDS:
            name = f"board search '{word}'"
            r.ratio(f"{label} 1M: {name}, time / board page 1",
                    slower(got[name, 1], got["board page 1", 1]), "<=", 3)
        r.ratio(f"release page (counts the view) / bare Flask, {label} 1k",
                got["release same URL", 0].rps / floor.rps, ">=", 0.2)
        warm = got["feed poll, warm, gzip", 0]
        r.ratio(f"{label} 1k: warm feed poll / bare Flask (issue 20: PostgreSQL too)",
                warm.rps / floor.rps if warm else None, ">=", 0.8)
        for name, key in (("board page 1", ("board page 1", 1)), ("release page", ("release", 1))):
            result = got[key]
            r.ratio(f"{label} 1M: {name}, uncached / bare Flask (issue 20)",
                    result.rps / floor.rps if result else None, ">=", 0.2)
        r.ratio(f"{label} 1M: worker VmRSS peak under load (MB)", round(rss.peak, 1), "<=", 100,
                note=f"{len(rss.pids)} worker pids")

    def push_phase(self, engine):
        """WebSub push on a copy of the demo archive (bench/push.py): full 10,000 on 50 hosts."""
        archive = Archive(engine, DEMO_COUNT).ensure(self.args.rebuild, log=self.log)
        if self.args.quick:
            push.run(self, archive, subscribers=1000, hosts=10, publishes=10, cost_samples=5)
        else:
            push.run(self, archive, subscribers=10_000)

    def mail_phase(self, subscribers=2000):
        """One release to 2,000 subscribers through an SMTP sink (bench/mail_bench.py)."""
        done = subprocess.run([sys.executable, str(ROOT / "bench" / "mail_bench.py"), str(subscribers)],
                              capture_output=True, text=True, timeout=900, check=False)
        if done.returncode != 0:
            raise ApparatusError(f"mail_bench failed: {done.stderr[-500:]}")
        got = json.loads(done.stdout.strip().splitlines()[-1])
        self.log(f"mail: {got}")
        r = self.report
        r.ratio(f"E-mail: messages/s, one `feedserver worker`, SQLite [{got['messages']} of "
                f"{subscribers} in {got['seconds']} s]", got["messages_per_second"])
        r.ratio(f"E-mail: publish transaction with {subscribers:,} subscribers / with none",
                round(got["publish_ms_with_subscribers"] / max(got["publish_ms_no_subscribers"], 0.1), 2),
                "<=", 3)

    def mixed_paths(self, info, public_ids, releases, searches):
        """Write the mixed-browse request list, shaped like readers' traffic.

        Board pages and RFC 5005 archive documents near either end (readers page from the newest,
        archive walkers start at the newest document), subscription feeds at every ?limit in
        all three formats (each a separate rendering to cache), and, when they are fast enough,
        release pages spread over the whole archive and board searches.
        """
        import random
        rng = random.Random(11)
        pages = info["pages"]
        docs = info["archive_docs"]  # month documents, oldest first (split months: id blocks)

        def near_ends(last, n_new, n_old, span=100):
            return ([rng.randint(1, min(last, span)) for _ in range(n_new)]
                    + [rng.randint(max(1, last - span + 1), last) for _ in range(n_old)])
        paths = [f"{BOARD}?page={p}" for p in near_ends(pages, 700, 150)]
        paths += [f"/feeds/archive/category/governor/{docs[d - 1]}.{rng.choice(['atom', 'rss', 'json'])}"
                  for d in near_ends(len(docs), 200, 400)]
        paths += [f"{FEED[:-5]}.{fmt}?limit={n}" for fmt in ("atom", "rss", "json")
                  for n in range(1, 101)]
        if releases:
            paths += [f"/releases/{p}" for p in public_ids]
        if searches:
            words = ["청년", "기후위기", "반도체", "버스", "기본소득", "의료", "경기북부 대개조"]
            paths += [f"{BOARD}?q={quote(w)}&page={p}" for w in words for p in (1, 2, 3)]
        rng.shuffle(paths)
        target = OUT / "mixed-paths.txt"
        target.write_text("\n".join(paths) + "\n")
        return target


def slower(result, reference):
    """Return how many times longer a request of `result` takes than one of `reference`."""
    if result is None or reference is None or not result.rps:
        return None
    return reference.rps / result.rps


def read_views(archive, public_id):
    """Read a release's view_count straight from the database."""
    sql = "SELECT view_count FROM release WHERE public_id = {}"
    if archive.engine == "sqlite":
        with contextlib.closing(sqlite3.connect(archive.path, timeout=30)) as connection:
            return connection.execute(sql.format("?"), (public_id,)).fetchone()[0]
    import psycopg
    with psycopg.connect(archive.url) as connection:
        return connection.execute(sql.format("%s"), (public_id,)).fetchone()[0]


def describe_run(bench, args, seconds_taken):
    rev = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True,
                         text=True).stdout.strip()
    load = os.getloadavg()
    mode = "quick" if args.quick else "full"
    return [
        f"feedserver benchmark ({mode}), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"code {rev or 'unknown'}, {os.cpu_count()} cores",
        f"gunicorn sync, --workers {bench.workers} for every gunicorn case "
        f"(deploy/gunicorn.conf.py); wrk -t2 -c{CONNECTIONS} -d{args.seconds}s after a 1 s warm-up; "
        f"took {seconds_taken:.0f} s; load average at the end {load[0]:.1f}",
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="demo board on SQLite only, 2 s runs; never fails on a MISS")
    parser.add_argument("--seconds", type=int, help="wrk duration per case (full 6, quick 2)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: the shipped config)")
    parser.add_argument("--engines", nargs="*", default=["sqlite", "postgres"],
                        choices=["sqlite", "postgres"], help="archives to scale-test (full run)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached archives")
    parser.add_argument("--phases", nargs="*", default=PHASES, choices=PHASES,
                        help="run only these phases (full run; a partial run's table is not the README's)")
    args = parser.parse_args()
    args.seconds = args.seconds or (2 if args.quick else 6)

    def stop(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, stop)
    OUT.mkdir(parents=True, exist_ok=True)
    bench = Bench(args)
    try:
        if args.quick or "demo" in args.phases:
            bench.demo_phase()
        else:
            bench.floor_body()
        if args.quick:
            bench.push_phase("sqlite")
        else:
            for engine in args.engines if "scale" in args.phases else ():
                bench.scale_phase(engine)
            if "push" in args.phases:
                bench.push_phase("postgres" if "postgres" in args.engines else "sqlite")
            if "mail" in args.phases:
                bench.mail_phase()
    except ApparatusError as error:
        print(f"bench: apparatus failed: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bench: interrupted; servers stopped", file=sys.stderr)
        return 130
    except Exception:  # noqa: BLE001 - any other failure is the apparatus's
        import traceback
        traceback.print_exc()
        print("bench: apparatus failed (servers stopped)", file=sys.stderr)
        return 2
    report = bench.report
    report.header = describe_run(bench, args, time.monotonic() - bench.started)
    table = report.render()
    print(table)
    name = "last-bench-quick" if args.quick else "last-bench" if args.phases == PHASES else "last-bench-partial"
    (OUT / f"{name}.txt").write_text(table + "\n")
    (OUT / f"{name}.json").write_text(json.dumps({
        "header": report.header,
        "rows": {k: vars(v) for k, v in report.rows.items()},
        "ratios": [{**vars(r), "status": r.status} for r in report.ratios],
    }, ensure_ascii=False, indent=1))
    if args.quick:
        return 0
    return 1 if report.misses() else 0


if __name__ == "__main__":
    sys.exit(main())
