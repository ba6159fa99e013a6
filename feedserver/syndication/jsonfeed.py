"""Serialise a prepared feed as JSON Feed 1.1; syndication.to_json prepares it."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # syndication imports this module at runtime
    from feedserver.syndication.formats import Feed, Item  # cycle: formats imports this module

VERSION = "https://jsonfeed.org/version/1.1"


def _item(item: Item) -> dict:
    """Describe one item as a JSON Feed object."""
    obj = {"id": item.id, "url": item.link, "title": item.title}
    if item.content_html:
        obj["content_html"] = item.content_html
    else:  # a body-less item (the widget's): JSON Feed asks for content_html or content_text
        obj["content_text"] = item.summary
    obj |= {"summary": item.summary,
            "date_published": item.published.isoformat(),
            "date_modified": item.updated.isoformat(),
            "authors": [{"name": item.author}] if item.author else [],
            "tags": [item.category] if item.category else []}
    if item.rights is not None:  # a JSON Feed extension: its name starts with "_"
        obj["_kogl"] = {"type": item.rights.type, "label": item.rights.label,
                        "url": item.rights.url}
    if item.enclosures:
        obj["attachments"] = [{"url": e.url, "mime_type": e.mime_type, "title": e.title,
                               "size_in_bytes": e.length} for e in item.enclosures]
    return obj


def render(feed: Feed) -> bytes:
    """Serialise a feed whose text is XML-clean and whose bodies are absolute."""
    doc = {"version": VERSION, "title": feed.title, "home_page_url": feed.link,
           "feed_url": feed.self_url, "description": feed.description,
           "language": feed.language, "authors": [{"name": feed.title, "url": feed.link}]}
    if feed.icon:
        doc["icon"] = feed.icon
    if feed.rights:
        doc["_rights"] = {"text": feed.rights}
    if feed.prev_archive:
        doc["next_url"] = feed.prev_archive  # JSON Feed pages towards older items
    if feed.hubs:
        doc["hubs"] = [{"type": "WebSub", "url": hub} for hub in feed.hubs]
    doc["items"] = [_item(item) for item in feed.items]
    # Key order is insertion order, so equal feeds give equal bytes.
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
