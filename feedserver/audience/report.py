"""The figures of /admin/audience and /api/v1/audience, read from the daily tables (no Flask).

Subscriber-like figures (what aggregators report, distinct direct pollers) are the latest day's
within the period: they are head counts, and adding days would count one reader many times.
Polls, 304s, views and widget loads are summed over the period.
"""
from datetime import timedelta
from typing import NamedTuple
from urllib.parse import urlsplit

from peewee import fn

from feedserver.audience.channels import CHANNELS, latest_aggregators, within
from feedserver.audience.referrers import LABELS, SOURCES
from feedserver.models import (
    FeedAudience,
    Release,
    ReleaseAudience,
    Subscription,
    WidgetHost,
    utcnow,
)

PERIODS = (7, 30, 90)


class Period(NamedTuple):
    """The last `days` days up to and including `end` (Asia/Seoul days)."""

    days: int
    start: object
    end: object

    @classmethod
    def ending(cls, today, days):
        return cls(days, today - timedelta(days=days - 1), today)

    def dates(self):
        return [self.start + timedelta(days=n) for n in range(self.days)]


def websub_topics():
    """Return {feed path: active WebSub subscriptions} for plain subscription-feed topics."""
    counts = {}
    for topic, in Subscription.active(utcnow()).select(Subscription.topic).tuples():
        parts = urlsplit(topic)
        if not parts.query:
            counts[parts.path] = counts.get(parts.path, 0) + 1
    return counts


def feeds(period):
    """Return one dict per feed: aggregators' subscribers, direct pollers, WebSub, polls, 304s."""
    sums = {feed: (polls, not_modified) for feed, polls, not_modified in (
        FeedAudience.select(FeedAudience.feed, fn.SUM(FeedAudience.polls), fn.SUM(FeedAudience.not_modified))
        .where(within(FeedAudience, period)).group_by(FeedAudience.feed).tuples())}
    direct = {}
    for row in FeedAudience.select().where(within(FeedAudience, period)).order_by(FeedAudience.day):
        direct[row.feed] = row.direct  # the latest day wins
    aggregated = {}
    for (feed, _), n in latest_aggregators(period).items():
        aggregated[feed] = aggregated.get(feed, 0) + n
    websub = websub_topics()
    rows = []
    for feed in sorted(set(sums) | set(aggregated) | set(websub)):
        polls, not_modified = sums.get(feed, (0, 0))
        row = {"feed": feed, "aggregators": aggregated.get(feed, 0), "direct": direct.get(feed, 0),
               "websub": websub.get(feed, 0), "polls": int(polls or 0),
               "not_modified": int(not_modified or 0)}
        row["subscribers"] = row["aggregators"] + row["direct"] + row["websub"]
        rows.append(row)
    return sorted(rows, key=lambda r: (-r["subscribers"], r["feed"]))


def channels(period):
    """Return [{"channel", "subscribers"}]: each aggregator by name, direct readers, WebSub, ..."""
    return [{"channel": name, "subscribers": n} for channel in CHANNELS for name, n in channel(period)]


def top_releases(period, limit=10):
    """Return the releases with the most counted views in the period."""
    total = fn.SUM(ReleaseAudience.views)
    query = (ReleaseAudience.select(Release.public_id, Release.title, Release.published_at, total.alias("views"))
             .join(Release).where(within(ReleaseAudience, period))
             .group_by(Release.id, Release.public_id, Release.title, Release.published_at)
             .order_by(total.desc(), Release.id.desc()).limit(limit))
    return [{"public_id": p, "title": t, "published_at": at, "views": int(v)} for p, t, at, v in query.tuples()]


def daily_views(period, release):
    """Return [{"day", "views"}] for every day of the period (zeros included) for one release."""
    counted = dict(ReleaseAudience.select(ReleaseAudience.day, fn.SUM(ReleaseAudience.views))
                   .where(within(ReleaseAudience, period), ReleaseAudience.release == release.id)
                   .group_by(ReleaseAudience.day).tuples())
    return [{"day": day, "views": int(counted.get(day, 0))} for day in period.dates()]


def sources(period, release=None):
    """Return [{"source", "label", "views"}] of counted views by where readers came from."""
    query = ReleaseAudience.select(ReleaseAudience.source, fn.SUM(ReleaseAudience.views)).where(
        within(ReleaseAudience, period))
    if release is not None:
        query = query.where(ReleaseAudience.release == release.id)
    counted = dict(query.group_by(ReleaseAudience.source).tuples())
    return [{"source": s, "label": LABELS[s], "views": int(counted.get(s, 0))} for s in SOURCES]


def widget_hosts(period, limit=20):
    """Return the sites showing the widget, most loads first."""
    loads = fn.SUM(WidgetHost.loads)
    query = (WidgetHost.select(WidgetHost.host, loads).where(within(WidgetHost, period))
             .group_by(WidgetHost.host).order_by(loads.desc(), WidgetHost.host).limit(limit))
    return [{"host": h, "loads": int(n)} for h, n in query.tuples()]


# Every table of the page: its columns (key, Korean heading), in the CSV and the API alike.
TABLES = {
    "feeds": ("피드별 구독자", (("feed", "피드"), ("subscribers", "구독자 합계"), ("aggregators", "구독 서비스"),
                           ("direct", "직접 구독"), ("websub", "WebSub"), ("polls", "요청"),
                           ("not_modified", "변경 없음(304)"))),
    "channels": ("경로별 구독자", (("channel", "경로"), ("subscribers", "구독자"))),
    "top_releases": ("많이 본 보도자료", (("title", "제목"), ("public_id", "주소 번호"), ("views", "조회"))),
    "daily_views": ("일별 조회", (("day", "날짜"), ("views", "조회"))),
    "sources": ("유입 경로", (("label", "유입 경로"), ("source", "분류"), ("views", "조회"))),
    "widget_hosts": ("위젯을 단 사이트", (("host", "사이트"), ("loads", "불러온 횟수"))),
}


def everything(period, release=None):
    """Return every table for the period; daily_views only for a chosen release."""
    tables = {"feeds": feeds(period), "channels": channels(period), "top_releases": top_releases(period),
              "sources": sources(period, release), "widget_hosts": widget_hosts(period)}
    tables["daily_views"] = daily_views(period, release) if release is not None else []
    return tables
