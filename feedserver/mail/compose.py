"""Messages: Korean, plain text plus HTML with the CSS inlined, the headers mail clients expect."""
import hashlib
import json
import mimetypes
import secrets
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from flask import current_app, render_template

from feedserver.content import storage
from feedserver.models import Attachment, PressContact, Release

KIND_TEMPLATES = {"release": "release", "correction": "correction", "digest": "digest",
                  "confirm": "confirm", "withdrawn": "withdrawn"}


def one_line(text, limit=200):
    """Collapse every control character (CR and LF above all) to a space: header-safe text."""
    cleaned = "".join(" " if ord(c) < 32 or c == "\x7f" else c for c in str(text or ""))
    return " ".join(cleaned.split())[:limit]


def site_url(path=""):
    """Return an absolute URL on the public origin (BASE_URL; the dev server's without it)."""
    return (current_app.config.get("BASE_URL") or "http://127.0.0.1:8000").rstrip("/") + path


# Stands in for an address's token while a message shared by many addresses is rendered once.
TOKEN_MARK = "feedserver-mail-token-" + secrets.token_hex(8)
SHARED_KINDS = ("release", "correction", "withdrawn")  # the same body for every address


def build(delivery, cache=None):
    """Return the EmailMessage of one delivery record, or None when its content is gone.

    cache: a dict kept for one batch; a release's message is rendered (templates, CSS
    inlining, attachments read) once per audience and only the token differs per address.
    """
    kind = delivery.message_key.split(":", 1)[0]
    key = (delivery.message_key, delivery.audience)
    if kind in SHARED_KINDS and cache is not None:
        if key not in cache:
            cache[key] = _render(kind, delivery, TOKEN_MARK)
        rendered = cache[key]
    else:
        rendered = _render(kind, delivery, delivery.address.token)
    if rendered is None:
        return None
    context, text, html = rendered
    token = delivery.address.token
    context = {**context, "manage_url": context["manage_url"].replace(TOKEN_MARK, token),
               "unsubscribe_url": context["unsubscribe_url"].replace(TOKEN_MARK, token)}
    message = EmailMessage()
    _headers(message, delivery, context)
    message.set_content(text.replace(TOKEN_MARK, token))
    message.add_alternative(html.replace(TOKEN_MARK, token), subtype="html")
    for name, data, content_type in context.get("files", ()):
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream",
                               filename=name)
    return message


def _render(kind, delivery, token):
    """Return (context, plain text, HTML with the CSS inlined) for one audience, or None."""
    context = _context(kind, delivery)
    if context is None:
        return None
    context.update(kind=kind, site_name=current_app.config["SITE_NAME"], audience=delivery.audience,
                   manage_url=site_url(f"/mail/manage/{token}"),
                   unsubscribe_url=site_url(f"/mail/unsubscribe/{token}"))
    text = render_template(f"mail/{KIND_TEMPLATES[kind]}.txt", **context)
    import css_inline  # only where mail is composed (the worker), not in every web worker
    html = css_inline.inline(render_template(f"mail/{KIND_TEMPLATES[kind]}.html", **context))
    return context, text, html


def _headers(message, delivery, context):
    config = current_app.config
    name, sender = parseaddr(config["MAIL_FROM"])
    message["From"] = Address(one_line(name), addr_spec=sender)
    message["To"] = _recipient(delivery)
    if config.get("MAIL_REPLY_TO"):
        message["Reply-To"] = config["MAIL_REPLY_TO"]
    message["Subject"] = one_line(context["subject"], 250)
    # +0000, not formatdate(localtime=False)'s -0000, which RFC 5322 3.3 reads as "zone unknown".
    message["Date"] = format_datetime(datetime.now(UTC))
    # One id per record: a resend after a crash carries the same id, so clients show one.
    digest = hashlib.sha256(f"{delivery.id}:{delivery.message_key}".encode()).hexdigest()[:20]
    message["Message-ID"] = f"<{delivery.id}.{digest}@{sender.rpartition('@')[2] or 'localhost'}>"
    if delivery.audience != "confirm":
        message["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["List-Id"] = f"{one_line(config['SITE_NAME'], 80)} <releases.{sender.rpartition('@')[2] or 'localhost'}>"


def _recipient(delivery):
    """The To: header: a journalist's name from the press list (one line), else the bare address."""
    address = delivery.address.address
    contact = PressContact.get_or_none(PressContact.address == delivery.address_id)
    if delivery.audience != "press" or contact is None:
        return address
    local, _, domain = address.rpartition("@")
    return Address(one_line(contact.name, 100), local, domain)


def _context(kind, delivery):
    if kind == "confirm":
        data = json.loads(delivery.payload or "{}")
        return {"subject": f"[{current_app.config['SITE_NAME']}] 메일 구독을 확인해 주세요",
                "confirm_url": data.get("url", ""), "boards": data.get("boards", [])}
    if kind == "digest":
        return _digest_context(json.loads(delivery.payload or "{}"))
    release = Release.by_public_id(delivery.release.public_id) if delivery.release_id else None
    if release is None or release.is_public() != (kind != "withdrawn"):
        return None  # a release withdrawn before its turn is not sent; a notice needs it withdrawn
    board = release.category.name
    context = {"release": release, "board": board, "url": site_url(f"/releases/{release.public_id}")}
    if kind == "withdrawn":
        context["subject"] = f"[철회] [{board}] {release.title}"
        return context
    if kind == "correction":
        context["subject"] = f"[정정] [{board}] {release.title}"
        return context
    context["subject"] = f"[{board}] {release.title}"
    context["files"], context["links"] = _attachments(release, delivery.audience == "press")
    return context


def _digest_context(data):
    releases = list(Release.visible().where(Release.id.in_(data.get("releases", [])))
                    .order_by(Release.published_at, Release.id))
    if not releases:
        return None
    items = [{"release": r, "board": r.category.name, "url": site_url(f"/releases/{r.public_id}")}
             for r in releases]
    return {"subject": f"[{current_app.config['SITE_NAME']}] 새 보도자료 {len(items)}건",
            "items": items}


def _attachments(release, attach):
    """Return (files to attach, links): the press list gets files up to the size setting."""
    budget = current_app.config["MAIL_ATTACHMENT_MAX_BYTES"] if attach else 0
    files, links = [], []
    folder = storage.attachment_dir()
    for item in release.attachments.order_by(Attachment.id):
        url = site_url(f"/releases/{release.public_id}/files/{item.id}")
        path = folder / item.stored_name
        if item.size <= budget and path.is_file():
            budget -= item.size
            content_type = item.content_type or mimetypes.guess_type(item.filename)[0]
            files.append((one_line(item.filename, 255), path.read_bytes(),
                          content_type or "application/octet-stream"))
        else:
            links.append({"name": item.filename, "url": url, "size": item.size})
    return files, links
