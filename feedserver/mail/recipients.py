"""Who receives what: a board's press list, its instant subscribers, and those who got a message."""
from feedserver.models import (
    Category,
    MailAddress,
    MailDelivery,
    MailSubscription,
    PressContact,
    PressContactBoard,
)


def press_list(category_id):
    """Return address ids of the usable addresses on a board's press list."""
    query = (PressContact.select(PressContact.address).join(PressContactBoard)
             .switch(PressContact).join(MailAddress)
             .where(PressContactBoard.category == category_id, MailAddress.disabled_at.is_null()))
    return sorted({row.address_id for row in query})


def subscribers(category_id, digest=False):
    """Return confirmed subscribers of a board (or of all boards): instant ones, or digest ones."""
    query = (MailSubscription.select(MailSubscription.address).join(MailAddress)
             .where(MailSubscription.category.is_null() | (MailSubscription.category == category_id),
                    MailAddress.confirmed_at.is_null(False), MailAddress.disabled_at.is_null(),
                    MailAddress.digest_hour.is_null(not digest)))
    return sorted({row.address_id for row in query})


def release_audience(release):
    """Return [(address id, audience)] for a release's first message: the press list first."""
    press = press_list(release.category_id)
    seen = set(press)
    citizens = [a for a in subscribers(release.category_id) if a not in seen]
    return [(a, "press") for a in press] + [(a, "subscriber") for a in citizens]


def received(message_key):
    """Return [(address id, audience)] of the addresses a message was sent to."""
    query = (MailDelivery.select(MailDelivery.address, MailDelivery.audience)
             .where(MailDelivery.message_key == message_key, MailDelivery.status == "sent"))
    return [(row.address_id, row.audience) for row in query]


def preview(category_id):
    """Return (journalists, subscriber count) a release on this board would reach now."""
    press = list(PressContact.select(PressContact, MailAddress).join(MailAddress)
                 .switch(PressContact).join(PressContactBoard)
                 .where(PressContactBoard.category == category_id, MailAddress.disabled_at.is_null())
                 .order_by(PressContact.outlet, PressContact.name))
    press_ids = {c.address_id for c in press}
    citizens = [a for a in subscribers(category_id) if a not in press_ids]
    return press, len(citizens)


def audience_by_board():
    """Return [(board, journalists, subscriber count)] for the release editor's preview."""
    return [(category, *preview(category.id)) for category in Category.ordered()]
