"""Audience tables: daily aggregates kept for AUDIENCE_KEEP_DAYS, raw visitor hashes for one day.

`day` is the Asia/Seoul calendar day. audience_salt, audience_seen and audience_agents hold the
only per-visitor data (keyed hashes), and all are emptied of every earlier day at each day's first
flush.
"""
from peewee import CharField, DateField, ForeignKeyField, IntegerField

from ..db import note_write
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

    @classmethod
    def count_first(cls, day, scope, visitor, address, cap, release_id):
        """PostgreSQL: remember a first view and add it to the release's count.

        One statement (one commit, one round trip). With a cap, the address's agents are a
        counter row (audience_agents) that a new reader's upsert moves: concurrent upserts of
        one row wait for each other and each sees the count the other left, so of many agents
        from one address arriving at once at most `cap` count. (Counting audience_seen rows
        instead would need a second statement: one statement's snapshot misses readers
        committed while it runs.)
        Return the new count, or False when the reader was seen already or is over the cap.
        """
        day = cls.day.db_value(day)
        db = cls._meta.database
        if cap:
            row = db.execute_sql(_FIRST_VIEW_WITHIN_CAP_PG,
                                 (day, scope, visitor, address, day, scope, address, release_id, cap)).fetchone()
        else:
            row = db.execute_sql(_FIRST_VIEW_PG, (day, scope, visitor, address, release_id)).fetchone()
        if row is None:
            return False
        note_write(views=True)
        return row[0]


class AudienceAgents(BaseModel):
    """How many readers (User-Agents) one address brought to one scope on one day (PostgreSQL)."""

    day = DateField()
    scope = CharField(max_length=120)
    address = CharField(max_length=32)
    agents = IntegerField(default=0)

    class Meta:
        indexes = ((("day", "scope", "address"), True),)


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


AUDIENCE_MODELS = [AudienceSalt, AudienceSeen, AudienceAgents, FeedAudience, FeedAggregator, ReleaseAudience,
                   WidgetHost]
COUNTER_MODELS = [FeedAudience, FeedAggregator, ReleaseAudience, WidgetHost]


# A view is not worth waiting for a WAL flush: these statements commit asynchronously
# (synchronous_commit off for their own transaction only), so a crash of the database server
# may lose the last fraction of a second of views, never a release or any other write.
_QUICK = "WITH quick AS (SELECT set_config('synchronous_commit', 'off', true))"
_FIRST_VIEW_PG = f"""{_QUICK},
seen AS (
  INSERT INTO "audience_seen" ("day", "scope", "visitor", "address") VALUES (%s, %s, %s, %s)
  ON CONFLICT DO NOTHING RETURNING 1)
UPDATE "release" SET "view_count" = "view_count" + 1
WHERE "id" = %s AND EXISTS (SELECT 1 FROM quick) AND EXISTS (SELECT 1 FROM seen)
RETURNING "view_count"
"""
_FIRST_VIEW_WITHIN_CAP_PG = f"""{_QUICK},
seen AS (
  INSERT INTO "audience_seen" ("day", "scope", "visitor", "address") VALUES (%s, %s, %s, %s)
  ON CONFLICT DO NOTHING RETURNING 1),
agents AS (
  INSERT INTO "audience_agents" ("day", "scope", "address", "agents") SELECT %s, %s, %s, 1 FROM seen
  ON CONFLICT ("day", "scope", "address") DO UPDATE SET "agents" = "audience_agents"."agents" + 1
  RETURNING "agents")
UPDATE "release" SET "view_count" = "view_count" + 1
WHERE "id" = %s AND EXISTS (SELECT 1 FROM quick) AND EXISTS (SELECT 1 FROM agents WHERE "agents" <= %s)
RETURNING "view_count"
"""
