"""Security headers on every response; only embed routes may be framed by other sites."""
from functools import wraps

from flask import g, request

CSP = ("default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors {ancestors}")


def allow_framing(view):
    """Mark a view as embeddable by any site (frame-ancestors *)."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.allow_framing = True
        return view(*args, **kwargs)
    return wrapper


def set_headers(response):
    """Add CSP, framing, sniffing and referrer headers."""
    framable = g.get("allow_framing", False)
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if response.mimetype == "text/html":
        headers.setdefault("Content-Security-Policy",
                           CSP.format(ancestors="*" if framable else "'none'"))
        if not framable:
            headers.setdefault("X-Frame-Options", "DENY")
    if request.path.startswith("/admin"):
        headers.setdefault("X-Robots-Tag", "noindex, nofollow")
        headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app):
    """Install the header hook."""
    app.after_request(set_headers)
