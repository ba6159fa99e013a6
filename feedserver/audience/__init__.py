"""Audience: who the feeds, boards and releases reach, counted without tracking anyone.

hooks.py counts feed polls (in the fast path's hook, or after Flask) and widget loads; views.py decides
whether a release view counts (once per reader and day, never robots); tally.py keeps the
counters in this worker's memory and writes them in batches (store.py); report.py reads the
daily tables for /admin/audience and the API. Visitors are keyed hashes under a salt that
lives one day (visitors.py); docs/privacy.md says what is counted and why it names nobody.
"""
from feedserver.audience import hooks, seen, store
from feedserver.audience.tally import Tally
from feedserver.db import database


def init_app(app):
    """Give the app its tally and count polls in front of whatever answers them."""
    keep_days = app.config["AUDIENCE_KEEP_DAYS"]
    bound = database.obj

    def flush_to(batch, today, salts):
        # A test process builds many apps on one proxy: never write one app's counts into another's.
        if database.obj is bound:
            store.write(batch, today, salts, keep_days)

    tally = Tally(flush_to, app.config["AUDIENCE_FLUSH_SECONDS"], app.config["AUDIENCE_FLUSH_EVENTS"])
    tally.seen = seen.remembering(app.config)
    app.extensions["feedserver.audience"] = tally
    if not app.config["AUDIENCE_COUNT_POLLS"]:
        return
    fastpath = app.extensions.get("feedserver.fastpath")
    if fastpath is not None:
        fastpath.on_poll = tally.poll
    app.after_request(lambda response: hooks.count_response(tally, response))
