"""Shared model plumbing: the base model, aware-UTC datetimes and storable text."""
import re
import secrets
from datetime import datetime, timezone

from peewee import CharField, DateTimeField, Model, TextField

from ..db import database

PUBLIC_ID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no l, o, 0, 1


def utcnow():
    """Return the current instant as an aware UTC datetime, whole seconds."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def new_public_id():
    """Return a random, unguessable 12-character public id (60 bits)."""
    return "".join(secrets.choice(PUBLIC_ID_ALPHABET) for _ in range(12))


class UTCDateTimeField(DateTimeField):
    """Aware UTC in Python, naive UTC whole seconds in the database.

    Naive UTC text sorts correctly in SQLite, and whole seconds survive
    MariaDB's DATETIME without rounding.
    """

    def db_value(self, value):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: pass an aware datetime")
        value = value.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0)
        return value.strftime("%Y-%m-%d %H:%M:%S")

    def python_value(self, value):
        value = super().python_value(value)
        if isinstance(value, datetime):
            return value.replace(tzinfo=timezone.utc)
        return value


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class _Storable:
    """Drop NUL and lone surrogates, which no database's UTF-8 text can hold."""

    def db_value(self, value):
        if isinstance(value, str):
            value = _UNSTORABLE.sub("", value)
        return super().db_value(value)


class SafeCharField(_Storable, CharField):
    pass


class SafeTextField(_Storable, TextField):
    pass


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False
