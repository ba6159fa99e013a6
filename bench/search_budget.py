"""The search time budget, measured: one-letter board searches with and without it, side by side.

A letter no release holds makes the board search read every release (the finding: 2.5 s at
300,000 releases). Each search runs as an anonymous, uncached board page request, with
SEARCH_TIME_BUDGET_MS off and at its default, on a cached demo archive (bench/archives.py):
SQLite, and PostgreSQL too when FEEDSERVER_TEST_POSTGRES_URL is set (the archive is built on
the server of BENCH_PG_ADMIN_URL, as `make bench` does).

Usage: python bench/search_budget.py [--count 100000] [--runs 3] [--budget-ms 500]
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from archives import Archive  # noqa: E402

# (label, field, q): a letter no release holds, a letter nearly all do, an indexed word.
QUERIES = [("letter in none", "all", "뷁"), ("letter in most", "all", "도"), ("word", "all", "청년")]


def timed_pages(client, field, q, runs):
    """Return (median seconds, last response) of `runs` uncached board pages for one search."""
    times, response = [], None
    for run in range(runs):
        started = time.perf_counter()
        # A new query string each run: the page cache must not answer.
        response = client.get("/board/", query_string={"field": field, "q": q, "run": f"{time.time()}-{run}"})
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return statistics.median(times), response


def measure(engine, count, runs, budget_ms, log):
    """Print one line per query: its time unbudgeted and budgeted, and what each found."""
    from feedserver import create_app
    archive = Archive(engine, count).ensure(log=log)
    app = create_app({"DATABASE_URL": archive.url, "ATTACHMENT_DIR": str(archive.attachments),
                      "TESTING": True})
    client = app.test_client()
    client.get("/board/")  # templates compiled, connection opened
    for label, field, q in QUERIES:
        row = []
        for budget in (0, budget_ms):
            app.config["SEARCH_TIME_BUDGET_MS"] = budget
            seconds, response = timed_pages(client, field, q, runs)
            cut = "search-partial" in response.get_data(as_text=True)
            row.append(f"{seconds * 1000:9.1f} ms{' (cut)' if cut else '      '}")
        print(f"{engine:<10} {count:>9,}  {label:<15} {q!r:<8} {row[0]}  {row[1]}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--budget-ms", type=int, default=500)
    args = parser.parse_args()
    engines = ["sqlite"] + (["postgres"] if os.environ.get("FEEDSERVER_TEST_POSTGRES_URL") else [])
    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    print(f"median of {args.runs} uncached board pages; budget {args.budget_ms} ms")
    print(f"{'engine':<10} {'releases':>9}  {'query':<24} {'no budget':>15}  {'budget':>15}")
    for engine in engines:
        measure(engine, args.count, args.runs, args.budget_ms, log)


if __name__ == "__main__":
    main()
