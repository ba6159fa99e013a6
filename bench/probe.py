"""In-process look-ups on a benchmark database, run as a subprocess so the runner holds no connection.

Usage (FEEDSERVER_DATABASE_URL set): python bench/probe.py info | views PUBLIC_ID | counts CALLS
| sample N | websub-setup N CALLBACK_BASE | websub-publish     Each prints one JSON document.
"""
import json
import random
import sys
import time
from pathlib import Path
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


def counts(calls, rounds=5):
    """Return the microseconds of visible_count() for the site and for one category: the mean
    over `calls` calls, in the best of `rounds` rounds (a call takes ~15 us: one scheduler
    hiccup would otherwise decide the ratio)."""
    from feedserver.models import Category, visible_count
    governor = Category.get(Category.slug == "governor").id
    result = {}
    for label, arg in (("category", governor), ("site", None)):
        visible_count(arg)
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter()
            for _ in range(calls):
                visible_count(arg)
            best = min(best, (time.perf_counter() - start) / calls * 1e6)
        result[label] = best
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


def websub_setup(n, callback_bases):
    """Replace every subscription and outbox row with n subscribers of the governor's Atom feed.

    callback_bases: comma-separated; subscribers are spread over them, every other one signed.
    """
    from datetime import timedelta

    from feedserver.db import database
    from feedserver.models import Category, OutboxJob, Subscription, utcnow
    from feedserver.websub.netguard import host_key
    governor = Category.get(Category.slug == "governor")
    topic = "http://bench.example/feeds/category/governor.atom"
    now = utcnow()
    bases = callback_bases.split(",")
    with database.atomic():
        OutboxJob.delete().execute()
        Subscription.delete().execute()
        rows = []
        for i in range(n):
            callback = f"{bases[i % len(bases)]}/cb/{i}"
            rows.append({"ident": f"{i:064x}", "topic": topic, "feed_key": f"cat:{governor.id}",
                         "callback": callback, "secret": f"secret-{i}" if i % 2 == 0 else None,
                         "lease_seconds": 864000, "expires_at": now + timedelta(days=10),
                         "verified_at": now, "callback_host": host_key(callback)})
        for start in range(0, n, 500):
            Subscription.insert_many(rows[start:start + 500]).execute()
    return {"subscriptions": n, "feed_key": f"cat:{governor.id}"}


def websub_publish():
    """Queue the job a publish writes: "the governor's feeds changed"; say when it committed."""
    from feedserver.db import database
    from feedserver.models import Category
    from feedserver.websub import outbox
    governor = Category.get(Category.slug == "governor")
    with database.atomic():
        outbox.enqueue("changed", {"release": "bench"}, f"cat:{governor.id}")
    return {"queued": 1, "committed": time.time()}


def websub_token():
    """Create an editor with an API token (once) and return the token."""
    from feedserver.admin.accounts import create_user
    from feedserver.models import User
    from feedserver.publishing.audit import Actor
    from feedserver.publishing.tokens import issue_token
    user = User.get_or_none(User.username == "bench-push") or create_user(
        "bench-push", "correct horse battery staple bench")
    _, secret = issue_token(user, "bench", Actor(None, "cli", name="bench"))
    return {"token": secret}


def websub_clear_outbox():
    """Drop every queued job (the publish-cost round's)."""
    from feedserver.models import OutboxJob
    return {"deleted": OutboxJob.delete().execute()}


def websub_body(path):
    """Write the governor feed's body as the worker renders it, for the floor loop."""
    from feedserver.websub.delivery import render_topic
    body, _ = render_topic("http://bench.example/feeds/category/governor.atom")
    Path(path).write_bytes(body)
    return {"path": path, "bytes": len(body)}


def websub_latency_setup(callback):
    """Leave one subscriber, on the site feed, and no queued job."""
    from datetime import timedelta

    from feedserver.models import OutboxJob, Subscription, utcnow
    from feedserver.websub.netguard import host_key
    OutboxJob.delete().execute()
    Subscription.delete().execute()
    topic = "http://bench.example/feeds/all.atom"
    Subscription.create(ident="f" * 64, topic=topic, feed_key="all", callback=callback,
                        lease_seconds=864000, expires_at=utcnow() + timedelta(days=10),
                        callback_host=host_key(callback))
    return {"callback": callback}


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
                      "websub-publish": websub_publish,
                      "websub-token": websub_token,
                      "websub-clear-outbox": websub_clear_outbox,
                      "websub-body": lambda: websub_body(args[0]),
                      "websub-latency-setup": lambda: websub_latency_setup(args[0])}[command]()
        finally:
            database.close()
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
