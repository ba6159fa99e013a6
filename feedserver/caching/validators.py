"""Conditional GET (RFC 9110 section 13): the one answer to "may this client keep its copy?".

Feeds, the fast path in front of Flask and the widget all ask it here, so a 304 means the
same thing everywhere: the client's If-None-Match (weak comparison) or, without one, its
If-Modified-Since still holds.
"""
from werkzeug.http import is_resource_modified

# A 304 repeats the validators and caching headers of the 200 it stands for, not its body's.
BODY_HEADERS = ("Content-Length", "Content-Encoding", "Content-Type")


def still_fresh(environ, etag, last_modified=None):
    """Tell whether the request's validators match this ETag (quoted or not) and date."""
    # Readers echo the ETag they were given: compare it as is before parsing anything.
    if etag and environ.get("HTTP_IF_NONE_MATCH") == etag:
        return True
    if "HTTP_IF_NONE_MATCH" not in environ and "HTTP_IF_MODIFIED_SINCE" not in environ:
        return False
    return not is_resource_modified(environ, etag=etag, last_modified=last_modified)


def conditional(response, environ):
    """Turn a 200 whose ETag and Last-Modified the client already holds into a bodiless 304."""
    if response.status_code != 200 or not still_fresh(
            environ, response.headers.get("ETag"), response.last_modified):
        return response
    response.status_code = 304
    response.set_data(b"")
    for name in BODY_HEADERS:
        response.headers.pop(name, None)
    return response
