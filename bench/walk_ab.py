"""The search walk's window statements, compiled once (search/walk.py) against the same statements
built anew each time (cache=False, as peewee did), interleaved in one process on one connection.

Usage: python bench/walk_ab.py DATABASE_URL   (a PostgreSQL or MariaDB archive from
bench/archives.py; SQLite searches through FTS5 and never walks)
"""
import os
import statistics
import sys
import time

os.environ["FEEDSERVER_DATABASE_URL"] = sys.argv[1]

from feedserver import create_app  # noqa: E402
from feedserver.models import Category, utcnow  # noqa: E402
from feedserver.search import walk  # noqa: E402

# (word, window size, rows already read, matches wanted): a search's sample window, and the
# next window of a common word's walk toward the 1,000 its count needs.
CASES = (("청년", 100, 0, 1000), ("청년", 6500, 100, 980), ("기후위기", 100, 0, 1000), ("뷁", 100, 0, 10))
ROUNDS = 60


def main():
    app = create_app()
    with app.app_context():
        now = utcnow()
        category = Category.get(Category.slug == "governor").id
        where = (category, (None, None), now)
        for word, size, skip, wanted in CASES:
            built, compiled = [], []
            for _ in range(ROUNDS):
                for cache, times in ((False, built), (True, compiled)):
                    start = time.perf_counter()
                    walk.walk_window(where, "all", [word], size, wanted, skip, cache=cache)
                    times.append(time.perf_counter() - start)
            b, c = statistics.median(built) * 1000, statistics.median(compiled) * 1000
            print(f"{word} window {size} from {skip}: built {b:.2f} ms, compiled {c:.2f} ms, "
                  f"compiled / built {c / b:.2f}")


if __name__ == "__main__":
    main()
