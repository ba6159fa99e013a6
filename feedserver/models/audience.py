"""Audience tables: daily aggregates kept for AUDIENCE_KEEP_DAYS, raw visitor hashes for one day.

`day` is the Asia/Seoul calendar day. audience_salt and audience_seen hold the only per-visitor
data (keyed hashes), and both are emptied of every earlier day at each day's first flush.
"""
from peewee import CharField, DateField, ForeignKeyField, IntegerField

from .base import BaseModel, UTCDateTimeField
from .releases import Release


class AudienceSalt(BaseModel):
    """The random key of one day's visitor hashes; deleted when the day is over."""

    day = DateField(primary_key=True)
    salt = CharField(max_length=64)


class AudienceSeen(BaseModel):
    """One visitor (keyed hash of address and User-Agent) seen once on one scope and day."""

    day = DateField()
    scope = CharField(max_length=120)  # "release:<id>" or a feed path
    visitor = CharField(max_length=32)
    address = CharField(max_length=32)  # keyed hash of the address alone: caps rotating agents

    class Meta:
        indexes = ((("day", "scope", "visitor"), True), (("day", "scope", "address"), False))


class FeedAudience(BaseModel):
    """Polls, 304 answers and distinct direct pollers of one feed on one day."""

    day = DateField()
    feed = CharField(max_length=120)
    polls = IntegerField(default=0)
    not_modified = IntegerField(default=0)
    direct = IntegerField(default=0)

    class Meta:
        indexes = ((("day", "feed"), True),)


class FeedAggregator(BaseModel):
    """The latest subscriber figure an aggregator reported for one feed on one day."""

    day = DateField()
    feed = CharField(max_length=120)
    aggregator = CharField(max_length=40)
    subscribers = IntegerField(default=0)
    seen_at = UTCDateTimeField()

    class Meta:
        indexes = ((("day", "feed", "aggregator"), True),)


class ReleaseAudience(BaseModel):
    """Counted views of one release on one day, per class of referrer."""

    day = DateField()
    release = ForeignKeyField(Release, on_delete="CASCADE")
    source = CharField(max_length=16)
    views = IntegerField(default=0)

    class Meta:
        indexes = ((("day", "release", "source"), True),)


class WidgetHost(BaseModel):
    """Loads of the widget from one host site on one day."""

    day = DateField()
    host = CharField(max_length=255)
    loads = IntegerField(default=0)

    class Meta:
        indexes = ((("day", "host"), True),)


AUDIENCE_MODELS = [AudienceSalt, AudienceSeen, FeedAudience, FeedAggregator, ReleaseAudience, WidgetHost]
COUNTER_MODELS = [FeedAudience, FeedAggregator, ReleaseAudience, WidgetHost]
