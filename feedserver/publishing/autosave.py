"""Editor autosaves: the form's fields as last typed, per user and form, private to their author.

Autosaves are not releases: they never reach a feed, a page or a cache, and only their
author reads them (every lookup names the user).
"""
import json
from datetime import timedelta

from peewee import IntegrityError

from feedserver.db import database
from feedserver.models import Autosave, utcnow

MAX_BYTES = 2 * 1024 * 1024  # a 1 MiB body with room for its other fields
KEEP_DAYS = 14
MAX_FIELDS = 60


class AutosaveRefused(Exception):
    """An autosave that is too large or not a flat object of text fields."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.message = message
        self.status = status


def check(draft):
    """Return draft as stored JSON text, or raise AutosaveRefused."""
    if not isinstance(draft, dict) or not isinstance(draft.get("fields"), dict):
        raise AutosaveRefused("자동 저장할 내용이 올바르지 않습니다.")
    fields = draft["fields"]
    if len(fields) > MAX_FIELDS or not all(
            isinstance(k, str) and len(k) <= 64 and isinstance(v, str) for k, v in fields.items()):
        raise AutosaveRefused("자동 저장할 내용이 올바르지 않습니다.")
    staged = draft.get("staged") or []
    if not isinstance(staged, list) or not all(isinstance(t, str) and len(t) <= 64 for t in staged):
        raise AutosaveRefused("자동 저장할 첨부 목록이 올바르지 않습니다.")
    text = json.dumps({"fields": fields, "staged": staged[:50],
                       "form_token": str(draft.get("form_token") or "")[:64]}, ensure_ascii=False)
    if len(text.encode()) > MAX_BYTES:
        raise AutosaveRefused("자동 저장하기에 너무 깁니다.", status=413)
    return text


def store(user, form_key, draft):
    """Store user's draft of one form, replacing the last one; return the time saved."""
    text, now = check(draft), utcnow()
    for _ in range(2):  # two tabs saving the first draft at once: the loser updates
        with database.atomic():
            updated = (Autosave.update(fields=text, saved_at=now)
                       .where(Autosave.user == user.id, Autosave.form_key == form_key).execute())
            if updated:
                return now
            try:
                with database.atomic():
                    Autosave.create(user=user.id, form_key=form_key, fields=text, saved_at=now)
                return now
            except IntegrityError:
                continue
    return now


def load(user, form_key):
    """Return (draft, saved_at) of user's form, or (None, None)."""
    row = Autosave.get_or_none(Autosave.user == user.id, Autosave.form_key == form_key,
                               Autosave.saved_at > utcnow() - timedelta(days=KEEP_DAYS))
    if row is None:
        return None, None
    return json.loads(row.fields), row.saved_at


def discard(user, form_key):
    """Forget user's draft of one form."""
    Autosave.delete().where(Autosave.user == user.id, Autosave.form_key == form_key).execute()


def purge_expired(now=None):
    """Delete autosaves nobody came back to; return how many went."""
    limit = (now or utcnow()) - timedelta(days=KEEP_DAYS)
    return Autosave.delete().where(Autosave.saved_at <= limit).execute()
