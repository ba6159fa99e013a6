"""Citizens' subscriptions: double opt-in, change, one-click unsubscribe, and counts for the lead."""
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from peewee import fn

from feedserver.db import database
from feedserver.mail import addresses
from feedserver.mail.compose import site_url
from feedserver.mail.fanout import add_deliveries, dumps, queue_sends
from feedserver.models import (
    Category,
    MailAddress,
    MailSubscription,
    PressContact,
    PressContactBoard,
    utcnow,
)

CONFIRM_EVERY = timedelta(hours=1)


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="feedserver-mail-confirm")


def request_subscription(address, board_ids, digest_hour=None):
    """Send a confirmation link for this choice; at most one per address an hour.

    Says nothing about whether the address was known: the caller shows one answer for all.
    board_ids: category ids, or [] for every board. Raises InvalidAddress for a bad address.
    """
    normalized = addresses.normalize(address)
    now = utcnow()
    row = addresses.get_or_create(normalized)
    boards = sorted(set(board_ids))
    with database.atomic():
        # Write first: the guarded UPDATE lets one of two racing requests through, and on SQLite
        # a transaction that read before writing fails at once when another writer came between.
        recent = MailAddress.confirm_sent_at.is_null(False) & (MailAddress.confirm_sent_at > now - CONFIRM_EVERY)
        claimed = (MailAddress.update(confirm_sent_at=now)
                   .where(MailAddress.id == row.id, MailAddress.disabled_at.is_null(), ~recent).execute())
        if not claimed:
            return
        token = _serializer().dumps({"a": row.id, "t": row.token, "b": boards, "h": digest_hour})
        names = [c.name for c in Category.select().where(Category.id.in_(boards))] or ["전체 게시판"]
        payload = dumps({"url": site_url(f"/mail/confirm/{token}"), "boards": names})
        queue_sends(add_deliveries(f"confirm:{now:%Y%m%d%H%M%S}", [(row.id, "confirm")], payload=payload))


def confirm(token):
    """Apply a confirmation link's choice; return the address row, or None when expired or void."""
    max_age = current_app.config["MAIL_CONFIRM_HOURS"] * 3600
    try:
        data = _serializer().loads(token, max_age=max_age)
    except BadSignature:  # SignatureExpired is one
        return None
    row = MailAddress.get_or_none(MailAddress.id == data.get("a"), MailAddress.token == data.get("t"))
    if row is None or row.disabled_at is not None:
        return None
    now = utcnow()
    with database.atomic():
        MailAddress.update(confirmed_at=row.confirmed_at or now).where(MailAddress.id == row.id).execute()
        change(row, data.get("b") or [], data.get("h"))
    return MailAddress.get_by_id(row.id)


def change(row, board_ids, digest_hour):
    """Replace a confirmed address's boards and delivery mode (None: instant, 0-23: digest hour)."""
    known = {c.id for c in Category.select(Category.id).where(Category.id.in_(list(board_ids)))}
    wanted = sorted(known) if board_ids else [None]
    now = utcnow()
    with database.atomic():
        MailSubscription.delete().where(MailSubscription.address == row.id).execute()
        for category_id in wanted:
            MailSubscription.create(address=row.id, category=category_id, created_at=now)
        hour = digest_hour if digest_hour in range(24) else None
        # A digest covers what was published since the last one: at first, since now.
        last = row.last_digest_at or now if hour is not None else None
        MailAddress.update(digest_hour=hour, last_digest_at=last).where(MailAddress.id == row.id).execute()


def by_token(token):
    """Return the address row of a manage/unsubscribe token, or None."""
    if not token or len(token) > 64:
        return None
    return MailAddress.get_or_none(MailAddress.token == token)


def unsubscribe(row):
    """Stop every message to an address: its subscriptions and its press-list entry go."""
    with database.atomic():
        MailSubscription.delete().where(MailSubscription.address == row.id).execute()
        contacts = [c.id for c in PressContact.select(PressContact.id).where(PressContact.address == row.id)]
        if contacts:
            PressContactBoard.delete().where(PressContactBoard.contact.in_(contacts)).execute()
            PressContact.delete().where(PressContact.id.in_(contacts)).execute()


def chosen(row):
    """Return (category ids, all boards?) an address is subscribed to."""
    ids = [s.category_id for s in MailSubscription.select().where(MailSubscription.address == row.id)]
    return [i for i in ids if i is not None], None in ids


def confirmed_counts():
    """Return {category id, or None for all boards: confirmed subscriptions}, for the audience page."""
    query = (MailSubscription.select(MailSubscription.category, fn.COUNT(MailSubscription.id).alias("n"))
             .join(MailAddress)
             .where(MailAddress.confirmed_at.is_null(False), MailAddress.disabled_at.is_null())
             .group_by(MailSubscription.category))
    return {row.category_id: row.n for row in query}
