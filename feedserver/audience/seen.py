"""Where a day's first views are remembered: audience_seen in the database, or Redis if configured.

Either answers "is this the reader's first view of the release today, within the cap per
address?" exactly under concurrency: a unique index in the database, SET NX in Redis. With
AUDIENCE_REDIS_URL a reload writes nothing to the database; its keys expire when the Seoul day
ends. Redis out of reach: the database answers instead (logged), so no view is lost or doubled.
"""
import logging
from datetime import datetime, timedelta

from peewee import SQL, fn

from feedserver.audience.visitors import SEOUL
from feedserver.db import database, is_postgres, is_sqlite
from feedserver.models import AudienceSeen, Compiled, Release, Slot

log = logging.getLogger(__name__)


class _Counting:
    """count(): a first view adds one to the release's count."""

    def count(self, day, scope, visitor, address, cap, release_id):
        """Add a view if it is the reader's first today (within the cap).

        Return the new count, None when the database did not say it (MariaDB), False when
        nothing was counted.
        """
        if not self.first(day, scope, visitor, address, cap):
            return False
        return Release.count_view(release_id)


class DatabaseSeen(_Counting):
    """First views as rows of audience_seen (dropped at the day's rollover)."""

    def first(self, day, scope, visitor, address, cap):
        # With a cap, the insert and the count are one transaction: between the two, other
        # readers from the address could insert too, and each would then count them all and
        # none would count (fewer than the cap counted). SQLite runs one writer at a time.
        if cap and is_sqlite():
            with database.atomic(lock_type="IMMEDIATE"):
                return self._first(day, scope, visitor, address, cap)
        if cap:
            with database.atomic():
                return self._first(day, scope, visitor, address, cap, queue=True)
        return self._first(day, scope, visitor, address, cap)

    def _first(self, day, scope, visitor, address, cap, queue=False):
        """queue: count after taking the scope's release row lock (MariaDB), so that new readers
        count one after another, each seeing those before it committed and none after it."""
        seen = {"day": day, "scope": scope, "address": address}
        if _REMEMBER.execute(visitor=visitor, **seen).rowcount != 1:
            return False
        if not cap:
            return True
        if queue and scope.startswith("release:"):
            _QUEUE.execute(release=int(scope.partition(":")[2]))
        return _AGENTS.scalar(**seen) <= cap

    def count(self, day, scope, visitor, address, cap, release_id):
        if not is_postgres():
            return super().count(day, scope, visitor, address, cap, release_id)
        return AudienceSeen.count_first(day, scope, visitor, address, cap, release_id)


def _slot(name):
    return Slot(name, getattr(AudienceSeen, name).db_value)


_REMEMBER = Compiled(lambda: AudienceSeen.insert(
    day=_slot("day"), scope=_slot("scope"), visitor=_slot("visitor"), address=_slot("address"))
    .on_conflict_ignore())
# The row a counted view updates anyway: its lock orders the readers of one release.
_QUEUE = Compiled(lambda: Release.select(Release.id).where(Release.id == Slot("release")).for_update())
_AGENTS = Compiled(lambda: AudienceSeen.select(fn.COUNT(SQL("*"))).where(
    AudienceSeen.day == _slot("day"), AudienceSeen.scope == _slot("scope"),
    AudienceSeen.address == _slot("address")))


class RedisSeen(_Counting):
    """First views as Redis keys that expire at the end of their day."""

    def __init__(self, url, prefix):
        import redis  # only here: the client costs every worker ~6 MB, and most sites run without it
        self.redis = redis
        self.client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        self.prefix, self.fallback = prefix, DatabaseSeen()

    def first(self, day, scope, visitor, address, cap):
        ends = int(datetime.combine(day + timedelta(days=1), datetime.min.time(), SEOUL).timestamp())
        try:
            if not self.client.set(f"{self.prefix}:{day}:{scope}:v:{visitor}", 1, nx=True, exat=ends):
                return False
            if not cap:
                return True
            pipe = self.client.pipeline()
            pipe.incr(f"{self.prefix}:{day}:{scope}:a:{address}")
            pipe.expireat(f"{self.prefix}:{day}:{scope}:a:{address}", ends)
            return pipe.execute()[0] <= cap
        except self.redis.RedisError as error:
            log.warning("audience: Redis out of reach, the database remembers views: %s", error)
            return self.fallback.first(day, scope, visitor, address, cap)


class KnownHere:
    """What this process already learnt from the store: a reload that reaches the same worker
    asks neither the database nor Redis again (once seen, a reader stays seen all day).

    Only answers the store gave are kept, so two workers racing still meet at the store, which
    decides. Bounded, and emptied when the Seoul day turns, so no hash outlives its day here.
    """

    def __init__(self, store, size=2048):
        self.store, self.size, self.day, self.known = store, size, None, set()

    def first(self, day, scope, visitor, address, cap):
        return self._ask(self.store.first, day, scope, visitor, address, cap)

    def count(self, day, scope, visitor, address, cap, release_id):
        """As the store's count(): False at once for a reader this process already knows."""
        return self._ask(self.store.count, day, scope, visitor, address, cap, release_id)

    def _ask(self, question, day, scope, visitor, *rest):
        if day != self.day:
            self.day, self.known = day, set()
        key = (scope, visitor)
        if key in self.known:
            return False
        answer = question(day, scope, visitor, *rest)
        if len(self.known) >= self.size:
            self.known = set()  # coarse but cheap: the store still answers for those forgotten
        self.known.add(key)
        return answer


def remembering(config):
    """Return the store the app's settings choose, behind this process's memory of it."""
    url = config.get("AUDIENCE_REDIS_URL")
    return KnownHere(RedisSeen(url, config["AUDIENCE_REDIS_PREFIX"]) if url else DatabaseSeen())
