"""The public origin and absolute URLs: one answer for feeds, discovery, the widget, the hub and the admin."""
from flask import current_app, request, url_for


def base_url():
    """Return the public origin for absolute links: BASE_URL, else the origin the request came to."""
    return (current_app.config.get("BASE_URL") or request.url_root).rstrip("/")


def absolute(endpoint, **values):
    """Return an absolute URL of one of our endpoints on the public origin."""
    return base_url() + url_for(endpoint, **values)
