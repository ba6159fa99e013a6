"""In-process look-ups on a benchmark database, run as a subprocess so the runner holds no connection.

Usage (FEEDSERVER_DATABASE_URL set): python bench/probe.py info | views PUBLIC_ID | counts CALLS
| sample N | websub-setup N CALLBACK_BASE | websub-publish     Each prints one JSON document.
"""
import json
import random
import sys
import time
from math import ceil


def info(app):
    from feedserver.models import Category, Release, utcnow, visible_count
    from feedserver.syndication.archive import all_keys
    from feedserver.syndication.source import Scope
    governor = Category.get(Category.slug == "governor")
    total = visible_count(governor.id)
    scope = Release.visible().where(Release.category == governor.id)
    middle = scope.select(Release.public_id).offset(total // 2).limit(1).scalar()
    return {"governor_id": governor.id, "count": total, "middle_public_id": middle,
            "pages": ceil(total / app.config["PAGE_SIZE"]),
            "archive_docs": [key.slug for key in all_keys(Scope(category=governor), utcnow(),
                                                          app.config["FEED_ARCHIVE_SIZE"])]}


def views(public_id):
    from feedserver.models import Release
    return Release.select(Release.view_count).where(Release.public_id == public_id).scalar()


def counts(calls):
    """Return the mean microseconds of visible_count() for the site and for one category."""
    from feedserver.models import Category, visible_count
    governor = Category.get(Category.slug == "governor").id
    result = {}
    for label, arg in (("category", governor), ("site", None)):
        visible_count(arg)
        start = time.perf_counter()
        for _ in range(calls):
            visible_count(arg)
        result[label] = (time.perf_counter() - start) / calls * 1e6
    return result


def sample(n):
    """Return the public ids of n releases spread at random over the archive."""
    from peewee import fn

    from feedserver.models import Release
    low, high = Release.select(fn.MIN(Release.id), fn.MAX(Release.id)).tuples().get()
    rng = random.Random(7)
    ids = rng.sample(range(low, high + 1), min(n, high - low + 1))
    query = Release.select(Release.public_id).where(Release.id.in_(ids), Release.status == "published")
    return [row[0] for row in query.tuples()]


def websub_setup(n, callback_base):
    """Replace every subscription and outbox row with n subscribers of the governor's Atom feed."""
    from datetime import timedelta

    from feedserver.db import database
    from feedserver.models import Category, OutboxJob, Subscription, utcnow
    governor = Category.get(Category.slug == "governor")
    topic = "http://bench.example/feeds/category/governor.atom"
    now = utcnow()
    with database.atomic():
        OutboxJob.delete().execute()
        Subscription.delete().execute()
        rows = [{"ident": f"{i:064x}", "topic": topic, "feed_key": f"cat:{governor.id}",
                 "callback": f"{callback_base}/cb/{i}", "secret": f"secret-{i}",
                 "lease_seconds": 864000, "expires_at": now + timedelta(days=10),
                 "verified_at": now} for i in range(n)]
        for start in range(0, n, 500):
            Subscription.insert_many(rows[start:start + 500]).execute()
    return {"subscriptions": n, "feed_key": f"cat:{governor.id}"}


def websub_publish():
    """Queue the job a publish writes: "the governor's feeds changed"."""
    from feedserver.db import database
    from feedserver.models import Category
    from feedserver.websub import outbox
    governor = Category.get(Category.slug == "governor")
    with database.atomic():
        outbox.enqueue("changed", {"release": "bench"}, f"cat:{governor.id}")
    return {"queued": 1}


def main():
    from feedserver import create_app
    from feedserver.db import database
    app = create_app()
    command, *args = sys.argv[1:]
    with app.app_context():
        database.connect(reuse_if_open=True)
        try:
            result = {"info": lambda: info(app), "views": lambda: views(args[0]),
                      "counts": lambda: counts(int(args[0])),
                      "sample": lambda: sample(int(args[0])),
                      "websub-setup": lambda: websub_setup(int(args[0]), args[1]),
                      "websub-publish": websub_publish}[command]()
        finally:
            database.close()
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
