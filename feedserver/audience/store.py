"""Writing counted batches to the daily tables, and the day's rollover that drops raw hashes."""
from datetime import UTC, datetime, timedelta

from peewee import Case, fn

from feedserver.db import database, is_mysql, is_sqlite
from feedserver.models import (
    AudienceAgents,
    AudienceSalt,
    AudienceSeen,
    FeedAggregator,
    FeedAudience,
    Release,
    ReleaseAudience,
    WidgetHost,
)

INSERT_CHUNK = 200


def write(batch, today, salts, keep_days=400):
    """Write one batch in one transaction; at a new day, drop earlier hashes and old aggregates."""
    try:
        if batch.events:
            _write(batch)
        # Once a day per process, and whenever a batch from before midnight brought hashes of
        # a finished day (their counts are written): no raw hash outlives its day.
        if salts.rolled != today or any(day < today for day, _, _ in batch.pollers):
            roll_over(today, keep_days)
            salts.rolled = today
        salts.prepare(today)
    finally:
        if not is_sqlite():
            database.close()  # the flusher's pooled connection goes back at once


def _write(batch):
    # SQLite: take the write lock first. A transaction that reads before it writes cannot take
    # the lock another writer took meanwhile, and fails at once ("database is locked") instead
    # of waiting out the busy timeout.
    with database.atomic(**({"lock_type": "IMMEDIATE"} if is_sqlite() else {})):
        _pollers(batch.pollers)
        _feeds(batch)
        _aggregators(batch.latest)
        _views(batch.views)
        _add(WidgetHost, WidgetHost.loads, (({"day": d, "host": h}, n)
                                            for (d, h), n in batch.widget_hosts.items()))


def _add(model, column, rows):
    """Add n to column for each (key fields, n), creating the row when it is new."""
    for key, n in rows:
        _upsert(model.insert(**key, **{column.name: n}), model, {column: column + n})


def _upsert(query, model, update):
    """Run an INSERT that updates on a clash with the model's unique (day, ...) index."""
    # MariaDB has one ON DUPLICATE KEY UPDATE for every unique key and names none.
    target = None if is_mysql() else [getattr(model, n) for n in model._meta.indexes[0][0]]
    return query.on_conflict(conflict_target=target, update=update).execute()


def _feeds(batch):
    keys = set(batch.feeds) | {(d, f) for d, f, _ in batch.pollers}
    direct = _direct_counts({(d, f) for d, f, _ in batch.pollers})
    for day, feed in sorted(keys):
        polls, not_modified = batch.feeds.get((day, feed), (0, 0))
        seen = direct.get((day, feed), 0)
        # Direct pollers are a distinct count over every instance: take the larger figure.
        _upsert(FeedAudience.insert(day=day, feed=feed, polls=polls, not_modified=not_modified,
                                    direct=seen), FeedAudience, {
            FeedAudience.polls: FeedAudience.polls + polls,
            FeedAudience.not_modified: FeedAudience.not_modified + not_modified,
            FeedAudience.direct: Case(None, [(FeedAudience.direct < seen, seen)], FeedAudience.direct)})


def _pollers(pollers):
    """Remember each direct poller once per feed and day (raw hashes, dropped at the rollover)."""
    rows = [{"day": d, "scope": f, "visitor": v, "address": ""} for d, f, v in sorted(pollers)]
    for start in range(0, len(rows), INSERT_CHUNK):
        AudienceSeen.insert_many(rows[start:start + INSERT_CHUNK]).on_conflict_ignore().execute()


def _direct_counts(keys):
    counts = {}
    for day, feed in keys:
        counts[day, feed] = AudienceSeen.select().where(
            AudienceSeen.day == day, AudienceSeen.scope == feed).count()
    return counts


def _aggregators(latest):
    for (day, feed, name), (subscribers, seen) in sorted(latest.items()):
        when = _stamp(seen)
        newer = FeedAggregator.seen_at <= when
        # A figure older than the one stored (another instance flushed later) changes nothing;
        # subscribers goes first: MariaDB assigns left to right and would see the new seen_at.
        _upsert(FeedAggregator.insert(day=day, feed=feed, aggregator=name, subscribers=subscribers,
                                      seen_at=when), FeedAggregator, {
            FeedAggregator.subscribers: Case(None, [(newer, subscribers)], FeedAggregator.subscribers),
            FeedAggregator.seen_at: Case(None, [(newer, when)], FeedAggregator.seen_at)})


def _views(views):
    known = {r for r, in Release.select(Release.id).where(
        Release.id.in_(sorted({r for _, r, _ in views}))).tuples()} if views else set()
    # A release deleted since its view was counted takes its views with it.
    _add(ReleaseAudience, ReleaseAudience.views, (({"day": d, "release": r, "source": s}, n)
                                                  for (d, r, s), n in sorted(views.items()) if r in known))


def _stamp(seconds):
    """Return an aware UTC datetime, whole seconds, for a time.time() value."""
    return datetime.fromtimestamp(int(seconds), UTC)


def roll_over(today, keep_days):
    """Delete every visitor hash and salt of days before today, and aggregates past keep_days."""
    AudienceSeen.delete().where(AudienceSeen.day < today).execute()
    AudienceAgents.delete().where(AudienceAgents.day < today).execute()
    AudienceSalt.delete().where(AudienceSalt.day < today).execute()
    if keep_days:
        oldest = today - timedelta(days=keep_days)
        for model in (FeedAudience, FeedAggregator, ReleaseAudience, WidgetHost):
            model.delete().where(model.day < oldest).execute()


def seen_days():
    """Return the days that still have raw visitor hashes or salts (for the retention check)."""
    days = {d for d, in AudienceSeen.select(fn.DISTINCT(AudienceSeen.day)).tuples()}
    days |= {d for d, in AudienceAgents.select(fn.DISTINCT(AudienceAgents.day)).tuples()}
    return sorted(days | {d for d, in AudienceSalt.select(AudienceSalt.day).tuples()})
