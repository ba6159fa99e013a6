"""Hubs, topics and subscription keys shared by the hub endpoint and the worker."""
import hashlib
from functools import lru_cache

from flask import current_app
from werkzeug.urls import iri_to_uri

from feedserver.websub import netguard


def configured_hubs():
    """Return the external hubs from WEBSUB_HUBS (a TOML list or a spaced/comma string)."""
    raw = current_app.config.get("WEBSUB_HUBS") or []
    return raw.replace(",", " ").split() if isinstance(raw, str) else list(raw)


def hub_urls(base):
    """Return the hubs feeds advertise: the configured ones, else our own /websub."""
    return configured_hubs() or [base.rstrip("/") + "/websub"]


def allowed_networks(config=None):
    """Return WEBSUB_ALLOWED_CALLBACK_NETWORKS: private networks the worker may still call."""
    raw = (config or current_app.config).get("WEBSUB_ALLOWED_CALLBACK_NETWORKS") or ()
    return _networks(raw if isinstance(raw, str) else tuple(raw))


@lru_cache(maxsize=8)
def _networks(raw):
    return netguard.parse_networks(raw)


def normal_url(url):
    """Return url percent-encoded (raw Korean in a query, spaces), or None when unparsable."""
    try:
        return iri_to_uri(url)
    except (ValueError, UnicodeError):
        return None


def subscription_ident(topic, callback):
    """Return the unique key of a (topic, callback) pair."""
    return hashlib.sha256(f"{topic}\n{callback}".encode()).hexdigest()


def search_feed_key(field, q, category_id=None):
    """Return the feed key of a search: "search:<field>:<q>", or "search:<field>@<board id>:<q>"."""
    scope = f"{field}@{category_id}" if category_id is not None else field
    return f"search:{scope}:{q}"


def parse_search_key(key):
    """Return (category id or None, field, q) of a search feed key, or None for another key."""
    if not key.startswith("search:"):
        return None
    scope, _, q = key[len("search:"):].partition(":")
    field, _, category = scope.partition("@")
    if category and not category.isdigit():
        return None
    return (int(category) if category else None), field, q
