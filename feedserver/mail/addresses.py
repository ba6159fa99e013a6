"""E-mail addresses: validated once, stored once, found, exported and erased on request."""
import secrets

from email_validator import EmailNotValidError, validate_email
from peewee import JOIN, IntegrityError

from feedserver.db import database
from feedserver.models import (
    Category,
    MailAddress,
    MailDelivery,
    MailSubscription,
    PressContact,
    PressContactBoard,
    utcnow,
)

MAX_LENGTH = 254


class InvalidAddress(ValueError):
    """An address the validator refuses; the message is Korean, for the form."""


def normalize(text):
    """Return the canonical form of an address, or raise InvalidAddress.

    Control characters (CR/LF above all) are refused before the validator sees the text:
    an address is written into a To: header.
    """
    text = (text or "").strip()
    if not text or len(text) > MAX_LENGTH or any(ord(c) < 32 or c == "\x7f" for c in text):
        raise InvalidAddress("올바른 전자우편 주소를 입력해 주세요.")
    try:
        valid = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise InvalidAddress("올바른 전자우편 주소를 입력해 주세요.") from None
    # The domain is case-insensitive; the local part is kept as written (RFC 5321 2.4).
    return valid.normalized


def find(address):
    """Return the stored row of an address (any spelling the validator accepts), or None."""
    try:
        return MailAddress.get_or_none(MailAddress.address == normalize(address))
    except InvalidAddress:
        return None


def get_or_create(address):
    """Return the row of a normalized address, creating it."""
    row = MailAddress.get_or_none(MailAddress.address == address)
    if row is not None:
        return row
    try:
        with database.atomic():
            return MailAddress.create(address=address, token=secrets.token_urlsafe(32),
                                      created_at=utcnow())
    except IntegrityError:  # created at the same moment by another request
        return MailAddress.get(MailAddress.address == address)


def export(row):
    """Return everything stored about one address, for a 개인정보 request."""
    subs = (MailSubscription.select(MailSubscription, Category).join(Category, JOIN.LEFT_OUTER)
            .where(MailSubscription.address == row.id))
    contact = PressContact.get_or_none(PressContact.address == row.id)
    deliveries = MailDelivery.select().where(MailDelivery.address == row.id).order_by(MailDelivery.id)
    return {
        "address": row.address, "created_at": _iso(row.created_at),
        "confirmed_at": _iso(row.confirmed_at), "digest_hour": row.digest_hour,
        "bounces": row.bounces, "disabled_at": _iso(row.disabled_at),
        "subscriptions": [s.category.name if s.category_id else "전체" for s in subs],
        "press_contact": ({"name": contact.name, "outlet": contact.outlet,
                           "boards": [b.category.name for b in contact.boards]} if contact else None),
        "deliveries": [{"message": d.message_key, "status": d.status, "sent_at": _iso(d.sent_at)}
                       for d in deliveries],
    }


def erase(row):
    """Delete an address and everything that names it (subscriptions, press entry, deliveries)."""
    # Explicit deletes: the schema cascades too, but a SQLite file opened without foreign keys
    # must not keep a journalist's name after the address is gone.
    with database.atomic():
        contacts = [c.id for c in PressContact.select(PressContact.id)
                    .where(PressContact.address == row.id)]
        if contacts:
            PressContactBoard.delete().where(PressContactBoard.contact.in_(contacts)).execute()
            PressContact.delete().where(PressContact.id.in_(contacts)).execute()
        MailSubscription.delete().where(MailSubscription.address == row.id).execute()
        MailDelivery.delete().where(MailDelivery.address == row.id).execute()
        MailAddress.delete().where(MailAddress.id == row.id).execute()


def _iso(value):
    return value.isoformat() if value else None
