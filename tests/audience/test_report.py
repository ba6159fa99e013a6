"""The audience report: head counts from the latest day, sums over the period, channels by data."""
import sys
import types
from datetime import UTC, date, datetime

from feedserver.audience import report
from feedserver.models import Category, FeedAggregator, FeedAudience

TODAY = date(2026, 12, 1)


def add_days(rows):
    for day, feed, name, subscribers, polls, direct in rows:
        FeedAggregator.create(day=day, feed=feed, aggregator=name, subscribers=subscribers,
                              seen_at=datetime(2026, 12, 1, tzinfo=UTC))
        FeedAudience.insert(day=day, feed=feed, polls=polls, not_modified=0, direct=direct).on_conflict_ignore().execute()


def test_head_counts_come_from_the_latest_day_and_polls_are_summed(db_app):
    with db_app.app_context():
        add_days([(date(2026, 11, 20), "/feeds/all.rss", "Feedly", 40, 10, 5),
                  (date(2026, 11, 30), "/feeds/all.rss", "Feedly", 42, 20, 3),
                  (date(2026, 11, 30), "/feeds/all.rss", "Inoreader", 3, 0, 0),
                  (date(2026, 10, 1), "/feeds/all.rss", "NewsBlur", 99, 1, 1)])  # before the 30 days
        rows = report.feeds(report.Period.ending(TODAY, 30))
        assert rows == [{"feed": "/feeds/all.rss", "aggregators": 45, "direct": 3, "websub": 0, "polls": 30,
                         "not_modified": 0, "subscribers": 48}]
        week = report.channels(report.Period.ending(TODAY, 7))
        assert week[:3] == [{"channel": "Feedly", "subscribers": 42}, {"channel": "Inoreader", "subscribers": 3},
                            {"channel": "직접 구독", "subscribers": 3}]


def test_the_email_channel_shows_only_when_the_mail_package_is_there(app, monkeypatch, make_category):
    with app.app_context():
        press = make_category(slug="press", name="보도자료")
        period = report.Period.ending(TODAY, 7)
        monkeypatch.setitem(sys.modules, "feedserver.mail.subscriptions", None)  # not installed
        assert [c["channel"] for c in report.channels(period)] == ["직접 구독", "WebSub"]
        mail = types.ModuleType("feedserver.mail.subscriptions")
        mail.confirmed_counts = lambda: {None: 7, press.id: 1234}
        monkeypatch.setitem(sys.modules, "feedserver.mail.subscriptions", mail)
        assert report.channels(period)[-2:] == [{"channel": "전자우편 · 전체 게시판", "subscribers": 7},
                                                {"channel": "전자우편 · 보도자료", "subscribers": 1234}]
        assert Category.select().count() == 1
