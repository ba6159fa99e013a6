"""The public origin and absolute URLs: one answer for feeds, discovery, the widget, the hub and the admin."""
from flask import current_app, request, url_for


def base_url():
    """Return the public origin for absolute links: BASE_URL, else the origin the request came to."""
    return (current_app.config.get("BASE_URL") or request.url_root).rstrip("/")


def absolute(endpoint, **values):
    """Return an absolute URL of one of our endpoints on the public origin."""
    return base_url() + url_for(endpoint, **values)


# Stands in for a value while url_for builds a URL once for many: letters and digits, which
# no encoding changes, in no form our routes or query strings otherwise hold.
_STAND_IN = "zq9x7stand9in7x9qz"


def url_pattern(endpoint, key, **values):
    """Return value -> url_for(endpoint, key=value, **values), building the URL once.

    A list page links ten releases and fifteen pages that differ in one value; url_for
    costs ~30 us a call. Values must be plain letters and digits (public ids, page numbers).
    """
    pattern = url_for(endpoint, **{key: _STAND_IN}, **values)
    head, found, tail = pattern.partition(_STAND_IN)
    if not found or _STAND_IN in tail:
        return lambda value: url_for(endpoint, **{key: value}, **values)
    return lambda value: f"{head}{value}{tail}"


# Distinct (script root, endpoint, values) remembered per app before the memo starts afresh:
# enough for the links every page shows (static files, navigation, boards), small in memory.
URL_MEMO_SIZE = 512


def remembered_url_for(endpoint, **values):
    """url_for for templates, remembered: a page links the same few dozen places on every request.

    A path depends on the endpoint, its values and the script root alone; absolute URLs,
    anchors and relative endpoints are built each time.
    """
    if endpoint.startswith(".") or any(key.startswith("_") for key in values):
        return url_for(endpoint, **values)
    try:
        key = (request.script_root, endpoint, frozenset(values.items()))
    except TypeError:  # a value that is not hashable (a list of values)
        return url_for(endpoint, **values)
    memo = current_app.extensions.setdefault("feedserver.urls", {})
    url = memo.get(key)
    if url is None:
        if len(memo) >= URL_MEMO_SIZE:
            memo.clear()
        url = memo[key] = url_for(endpoint, **values)
    return url
