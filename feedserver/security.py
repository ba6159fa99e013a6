"""Security headers on every response; only embed routes may be framed by other sites."""
from functools import wraps

from flask import g, request
from flask.sessions import SecureCookieSessionInterface

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


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, without building a signer for the reader who has none."""

    def open_session(self, app, request):
        # Citizens and feed readers carry no session cookie; Flask would still build and
        # test an itsdangerous serializer on each of their requests.
        if not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def init_app(app):
    """Install the header hook and the session interface."""
    app.session_interface = SessionInterface()
    app.after_request(set_headers)
