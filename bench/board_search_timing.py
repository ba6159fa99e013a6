"""Time uncached board searches on an existing database: the fastest and the median of a few runs.

Usage: python bench/board_search_timing.py DATABASE_URL [--runs 5]
Build a board first, e.g. FEEDSERVER_DATABASE_URL=sqlite:////tmp/b.sqlite3 feedserver migrate &&
feedserver seed-demo --count 100000 (the same database before and after a change).
"""
import argparse
import statistics
import time

# (board path, field, q, page): a common word, a rarer one, a one-letter word, across all boards.
SEARCHES = [
    ("/board/governor/", "all", "청년", 1), ("/board/governor/", "all", "청년", 7),
    ("/board/governor/", "title", "반도체", 1), ("/board/governor/", "body", "경기도", 3),
    ("/board/", "all", "수소버스", 1), ("/board/", "all", "도", 1), ("/board/", "all", "뷁", 1),
]


def timings_ms(client, path, field, q, page, runs):
    """Return (fastest, median) milliseconds of `runs` page-cache misses for one search page.

    The fastest run says most on a shared, busy machine: the others waited for a CPU."""
    times = []
    for run in range(runs):
        started = time.perf_counter()
        response = client.get(path, query_string={"field": field, "q": q, "page": page,
                                                  "run": f"{time.time()}-{run}"})
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code in (200, 302), response.status_code
    return min(times), statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from feedserver import create_app
    app = create_app({"DATABASE_URL": args.url, "TESTING": True})
    client = app.test_client()
    client.get("/board/")  # templates compiled, connection opened
    for path, field, q, page in SEARCHES:
        fastest, median = timings_ms(client, path, field, q, page, args.runs)
        print(f"{path:<18} {field:<6} {q:<6} page {page:<3} fastest {fastest:7.1f} ms  median {median:7.1f} ms",
              flush=True)


if __name__ == "__main__":
    main()
