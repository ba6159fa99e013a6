"""The press list (기자 명단): journalists, their boards, and the CSV import with a per-row report."""
import csv
import io

from feedserver.db import database
from feedserver.mail import addresses
from feedserver.mail.addresses import InvalidAddress
from feedserver.models import (
    Category,
    MailAddress,
    PressContact,
    PressContactBoard,
    utcnow,
)
from feedserver.publishing import audit

HEADERS = {"이름": "name", "name": "name", "소속": "outlet", "outlet": "outlet", "언론사": "outlet",
           "전자우편": "address", "이메일": "address", "email": "address", "address": "address",
           "게시판": "boards", "boards": "boards"}
MAX_ROWS = 5000


class PressError(ValueError):
    """A contact that cannot be saved; the message is Korean."""


def clean_text(value, label, limit, required=False):
    """Return one line of text, refusing control characters (they would reach mail headers)."""
    value = (value or "").strip()
    if any(ord(c) < 32 or c == "\x7f" for c in value):
        raise PressError(f"{label}에 줄바꿈이나 제어 문자를 넣을 수 없습니다.")
    if required and not value:
        raise PressError(f"{label}을(를) 입력해 주세요.")
    if len(value) > limit:
        raise PressError(f"{label}은(는) {limit}자까지 쓸 수 있습니다.")
    return value


def check(values):
    """Return (name, outlet, normalized address, category ids) or raise PressError."""
    name = clean_text(values.get("name"), "이름", 100, required=True)
    outlet = clean_text(values.get("outlet"), "소속", 100)
    try:
        address = addresses.normalize(values.get("address"))
    except InvalidAddress as error:
        raise PressError(str(error)) from None
    return name, outlet, address, list(values.get("boards") or [])


def store(values, actor, contact=None):
    """Create or change a contact from checked values; return it. One address, one contact."""
    name, outlet, address, boards = check(values)
    with database.atomic():
        row = addresses.get_or_create(address)
        other = PressContact.get_or_none(PressContact.address == row.id)
        if other is not None and (contact is None or other.id != contact.id):
            raise PressError("이미 명단에 있는 전자우편 주소입니다.")
        if contact is None:
            contact = PressContact.create(name=name, outlet=outlet, address=row.id, created_at=utcnow())
            action = "press_contact_create"
        else:
            (PressContact.update(name=name, outlet=outlet, address=row.id)
             .where(PressContact.id == contact.id).execute())
            action = "press_contact_update"
        _set_boards(contact.id, boards)
        # The audit log names the entry, never the address (개인정보).
        audit.record(actor, action, f"press_contact:{contact.id}", f"소속: {outlet}")
    return PressContact.get_by_id(contact.id)


def _set_boards(contact_id, boards):
    PressContactBoard.delete().where(PressContactBoard.contact == contact_id).execute()
    known = [c.id for c in Category.select(Category.id).where(Category.id.in_(boards))]
    for category_id in known:
        PressContactBoard.create(contact=contact_id, category=category_id)


def delete(contact, actor):
    with database.atomic():
        PressContactBoard.delete().where(PressContactBoard.contact == contact.id).execute()
        PressContact.delete().where(PressContact.id == contact.id).execute()
        audit.record(actor, "press_contact_delete", f"press_contact:{contact.id}", "")


def listing():
    """Return every contact with its address and boards, by outlet and name."""
    contacts = list(PressContact.select(PressContact, MailAddress).join(MailAddress)
                    .order_by(PressContact.outlet, PressContact.name, PressContact.id))
    boards = {}
    for link in PressContactBoard.select(PressContactBoard, Category).join(Category):
        boards.setdefault(link.contact_id, []).append(link.category)
    return [(c, boards.get(c.id, [])) for c in contacts]


def import_csv(text, actor):
    """Add or update contacts from CSV; return (saved count, [(line, message)] for refused rows).

    Columns by header: 이름, 소속, 전자우편, 게시판 (names or slugs, separated by ; or |).
    Each row is saved or refused on its own; a refused row changes nothing.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [HEADERS.get((h or "").strip().lower(), "") for h in next(reader, [])]
    if "name" not in header or "address" not in header:
        return 0, [(1, "첫 줄에 '이름'과 '전자우편' 열 제목이 있어야 합니다.")]
    by_name = {c.name: c.id for c in Category.select()} | {c.slug: c.id for c in Category.select()}
    saved, errors = 0, []
    for line, cells in enumerate(reader, start=2):
        if line > MAX_ROWS + 1:
            errors.append((line, f"한 번에 {MAX_ROWS}줄까지 가져올 수 있습니다."))
            break
        if not any(c.strip() for c in cells):
            continue
        values = {key: cells[i] if i < len(cells) else "" for i, key in enumerate(header) if key}
        try:
            values["boards"] = _boards(values.get("boards", ""), by_name)
            existing = _existing(values.get("address"))
            store(values, actor, existing)
            saved += 1
        except PressError as error:
            errors.append((line, str(error)))
    return saved, errors


def _boards(text, by_name):
    names = [n.strip() for n in text.replace("|", ";").split(";") if n.strip()]
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise PressError("없는 게시판입니다: " + ", ".join(clean_text(n, "게시판", 100) for n in unknown))
    return [by_name[n] for n in names]


def _existing(address):
    row = addresses.find(address or "")
    return PressContact.get_or_none(PressContact.address == row.id) if row else None
