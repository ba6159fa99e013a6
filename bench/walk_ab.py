"""The search walk's window statements, compiled (search/walk.py) against peewee's build of the
same statements each time, interleaved in one process on one connection.

Usage: python bench/walk_ab.py DATABASE_URL   (a PostgreSQL or MariaDB archive from
bench/archives.py; SQLite searches through FTS5 and never walks)
"""
import os
import statistics
import sys
import time

os.environ["FEEDSERVER_DATABASE_URL"] = sys.argv[1]

from feedserver import create_app  # noqa: E402
from feedserver.models import Category, Release, utcnow  # noqa: E402
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

        def visible():
            return Release.visible_in(category, (None, None), now)
        where = (category, (None, None), now)
        for word, size, skip, wanted in CASES:
            built, compiled = [], []
            for _ in range(ROUNDS):
                for run, times in ((lambda: walk._built_window(visible(), "all", [word], size, wanted, skip), built),
                                   (lambda: walk.walk_window(visible, where, "all", [word], size, wanted, skip),
                                    compiled)):
                    start = time.perf_counter()
                    run()
                    times.append(time.perf_counter() - start)
            b, c = statistics.median(built) * 1000, statistics.median(compiled) * 1000
            print(f"{word} window {size} from {skip}: built {b:.2f} ms, compiled {c:.2f} ms, "
                  f"compiled / built {c / b:.2f}")


if __name__ == "__main__":
    main()
