"""Subscriber channels of /admin/audience: one small function each, shown in this order.

A channel is a function (period) -> [(name, subscribers)]; an empty list hides it. To add one,
write the function and list it in CHANNELS.
"""
import importlib

from feedserver.models import (
    Category,
    FeedAggregator,
    FeedAudience,
    Subscription,
    utcnow,
)


def within(model, period):
    """The condition: the row's day falls in the period."""
    return (model.day >= period.start) & (model.day <= period.end)


def latest_aggregators(period):
    """Return {(feed, aggregator): subscribers} from each pair's latest day in the period."""
    found = {}
    rows = (FeedAggregator.select(FeedAggregator.feed, FeedAggregator.aggregator, FeedAggregator.subscribers)
            .where(within(FeedAggregator, period)).order_by(FeedAggregator.day))
    for feed, name, subscribers in rows.tuples():
        found[feed, name] = subscribers  # the latest day's figure wins
    return found


def aggregators(period):
    """Each aggregator by name: its latest reported figures summed over the feeds."""
    totals = {}
    for (_, name), n in latest_aggregators(period).items():
        totals[name] = totals.get(name, 0) + n
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))


def direct(period):
    """Readers polling on their own (apps, self-hosted readers): the latest day's distinct count."""
    latest = {}
    rows = (FeedAudience.select(FeedAudience.feed, FeedAudience.direct)
            .where(within(FeedAudience, period)).order_by(FeedAudience.day))
    for feed, pollers in rows.tuples():
        latest[feed] = pollers  # each feed's latest day, as the feeds table shows it
    return [("직접 구독", sum(latest.values()))]


def websub(period):
    """Servers subscribed through our WebSub hub, leases still running."""
    return [("WebSub", Subscription.active(utcnow()).count())]


def email(period):
    """Confirmed e-mail subscriptions per board, when the mail package is installed."""
    try:
        # By name: the mail package comes from another branch and may not be here (nor be known
        # to import-linter, which would then read the import as one of feedserver itself).
        subscriptions = importlib.import_module("feedserver.mail.subscriptions")
    except ImportError:
        return []
    names = {c.id: c.name for c in Category.select(Category.id, Category.name)}
    counts = subscriptions.confirmed_counts()
    return [(f"전자우편 · {names.get(key, '전체 게시판') if key else '전체 게시판'}", n)
            for key, n in sorted(counts.items(), key=lambda item: (item[0] is not None, item[0] or 0))]


CHANNELS = [aggregators, direct, websub, email]
