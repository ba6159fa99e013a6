"""Security headers on every response, and sessions that exist only where someone signs in.

Public pages, feeds and files are shared by every cache between us and the reader (the
fast path, the render and page caches, nginx's micro-cache, browsers and proxies), so
none of them may carry anything per user: the session cookie is neither read nor
written outside the signed-in areas, and any response that sets a cookie is private.
"""
from functools import wraps

from flask import abort, current_app, g, request
from flask.sessions import SecureCookieSessionInterface

CSP = ("default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors {ancestors}")
# Paths whose pages sign people in or act for them: the only ones with a session.
SESSION_PREFIXES = ("/admin", "/subscribe")
# Paths answered per user (a session or an API token): no shared cache may keep them.
PRIVATE_PREFIXES = ("/admin", "/api", "/subscribe", "/mail")
PRIVATE = "private, no-store"


def under(path, prefixes):
    """Tell whether path is one of the prefixes or below one of them."""
    return any(path == p or path.startswith(p + "/") for p in prefixes)


def allow_framing(view):
    """Mark a view as embeddable by any site (frame-ancestors *)."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.allow_framing = True
        return view(*args, **kwargs)
    return wrapper


def set_headers(response):
    """Add CSP, framing, sniffing, referrer, HSTS and private-cache headers."""
    headers = response.headers
    _default(headers, "X-Content-Type-Options", "nosniff")
    _default(headers, "Referrer-Policy", "strict-origin-when-cross-origin")
    _framing(response)
    _hsts(response)
    if request.path.startswith("/admin"):
        _default(headers, "X-Robots-Tag", "noindex, nofollow")
    if under(request.path, PRIVATE_PREFIXES) or headers.getlist("Set-Cookie"):
        headers["Cache-Control"] = PRIVATE
    return response


def _framing(response):
    """Only embed routes may be framed; feeds shown through XSL are pages too."""
    framable = g.get("allow_framing", False)
    headers = response.headers
    if response.mimetype == "text/html":
        _default(headers, "Content-Security-Policy", CSP.format(ancestors="*" if framable else "'none'"))
    elif not framable:
        _default(headers, "Content-Security-Policy", "frame-ancestors 'none'")
    if not framable:
        _default(headers, "X-Frame-Options", "DENY")


def _default(headers, name, value):
    """Set a header unless the view set it: werkzeug's Headers.setdefault (and `in`) raise and
    catch a KeyError for every header not there yet, five on every response; getlist does not."""
    if not headers.getlist(name):
        headers[name] = value


def _hsts(response):
    """Ask browsers to keep to HTTPS once they reached us over it (HSTS_SECONDS > 0)."""
    seconds = current_app.config.get("HSTS_SECONDS", 0)
    if seconds and request.is_secure:
        _default(response.headers, "Strict-Transport-Security", f"max-age={int(seconds)}; includeSubDomains")


def refuse_nul():
    """Answer a NUL in the path, query or form before any query: PostgreSQL refuses it in text."""
    if "\x00" in request.path:
        abort(404)
    fields = request.args.items(multi=True)
    if request.method == "POST" and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        fields = [*fields, *request.form.items(multi=True)]
    if any("\x00" in str(key) or "\x00" in str(value) for key, value in fields):
        abort(400, description="요청에 쓸 수 없는 문자(NUL)가 들어 있습니다.")


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, opened and saved only under SESSION_PREFIXES."""

    def open_session(self, app, request):
        # Elsewhere the cookie is not even read: no page a cache keeps can depend on it,
        # and readers without one skip building an itsdangerous serializer.
        if not under(request.path, SESSION_PREFIXES) or not request.cookies.get(
                self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        # Never set, refresh or delete the cookie on a public response.
        if not under(request.path, SESSION_PREFIXES):
            return
        super().save_session(app, session, response)
        if "Set-Cookie" in response.headers:
            response.headers["Cache-Control"] = PRIVATE


def init_app(app):
    """Install the header hook and the session interface."""
    app.session_interface = SessionInterface()
    app.before_request(refuse_nul)
    app.after_request(set_headers)
