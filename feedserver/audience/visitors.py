"""Visitors as keyed hashes: a random salt per Asia/Seoul day, kept in the database for that day.

Every instance reads the same day's salt, so one reader is one hash on all of them; once the
day's salt is deleted (store.roll_over), nobody, the operators included, can tell whose hash
a row was. Addresses and User-Agents are hashed as they arrive and never kept.
"""
import hashlib
import secrets
import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from peewee import IntegrityError

from feedserver.models import AudienceSalt

SEOUL = ZoneInfo("Asia/Seoul")


class Clock:
    """Today's date in Seoul, recomputed only when the day ends (cheap on the poll path)."""

    def __init__(self, now=time.time):
        self.now, self.day, self.ends = now, None, 0.0

    def today(self):
        stamp = self.now()
        if stamp >= self.ends:
            local = datetime.fromtimestamp(stamp, SEOUL)
            self.day = local.date()
            self.ends = datetime.combine(self.day + timedelta(days=1), datetime.min.time(),
                                         SEOUL).timestamp()
        return self.day


class Salts:
    """The salts this app's process holds, by day (per app: a salt belongs to one database)."""

    def __init__(self):
        self.by_day, self.lock = {}, threading.Lock()
        self.rolled = None  # the day this process last dropped earlier hashes (store.write)

    def get(self, day):
        """Return the day's salt as bytes: from memory, the database, or newly made."""
        salt = self.by_day.get(day)
        if salt is not None:
            return salt
        with self.lock:
            row = AudienceSalt.get_or_none(AudienceSalt.day == day)
            if row is None:
                try:
                    AudienceSalt.create(day=day, salt=secrets.token_hex(32))
                except IntegrityError:
                    pass  # another instance made it first: use theirs
                row = AudienceSalt.get(AudienceSalt.day == day)
            self.by_day[day] = salt = bytes.fromhex(row.salt)
        return salt

    def cached(self, day):
        """Return the day's salt if this process holds it already (the poll path asks only this)."""
        return self.by_day.get(day)

    def prepare(self, today):
        """Load (or make) the salts of today and tomorrow, so the poll path never waits for one."""
        self.forget(today)
        for day in (today, today + timedelta(days=1)):
            self.get(day)

    def forget(self, before):
        """Drop the salts of days before `before` from memory."""
        for day in [d for d in self.by_day if d < before]:
            self.by_day.pop(day, None)


def digest(salt, *parts):
    """Return the keyed hash of the parts (32 hex characters)."""
    return hashlib.blake2b("\n".join(parts).encode("utf-8", "replace"), key=salt,
                           digest_size=16).hexdigest()

