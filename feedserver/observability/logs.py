"""Log setup: one handler on the "feedserver" logger, JSON or plain, that scrubs secrets.

Request lines carry the path without its query string and no header but X-Request-ID, so
passwords, tokens and cookies have no way in; the scrubber is the second line for messages
written elsewhere (an exception text, a subscriber's answer): e-mail addresses, bearer
tokens, cookie values and secret-looking query parameters become "[redacted]".
"""
import logging
import re
import sys

from pythonjsonlogger.json import JsonFormatter

PLAIN = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(process)d %(name)s %(message)s"
# (the character a match needs, the pattern): the cheap test first, the regex only when it passes.
PATTERNS = (
    ("@", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),  # e-mail addresses
    (" ", re.compile(r"\b(?:bearer|token|basic)\s+[\w.~+/=-]{8,}", re.IGNORECASE)),  # Authorization
    ("=", re.compile(r"\b(?:session|csrf_token|password|passwd|secret|token|api_key|hub\.secret)"
                     r"=[^\s&;,\"']+", re.IGNORECASE)),  # cookies, form fields, query parameters
)
HANDLER_NAME = "feedserver"


def scrub(text):
    """Return text with e-mail addresses, tokens, cookies and secret parameters redacted."""
    for needed, pattern in PATTERNS:
        if needed in text:
            text = pattern.sub("[redacted]", text)
    return text


class Scrub(logging.Filter):
    """Replace anything secret-looking in a record's message and arguments."""

    def filter(self, record):
        if getattr(record, "scrubbed", False):  # built from safe parts (observability/requests.py)
            return True
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        return True


def configure(app):
    """Give the "feedserver" logger one handler to stderr in LOG_FORMAT (json or plain)."""
    logger = logging.getLogger("feedserver")
    for handler in [h for h in logger.handlers if h.get_name() == HANDLER_NAME]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.addFilter(Scrub())
    fmt = str(app.config.get("LOG_FORMAT", "plain")).lower()
    if fmt not in ("plain", "json"):
        raise ValueError(f"LOG_FORMAT must be 'plain' or 'json', not {fmt!r}")
    handler.setFormatter(JsonFormatter(JSON_FIELDS, rename_fields={"levelname": "level",
                                                                 "process": "pid"})
                         if fmt == "json" else logging.Formatter(PLAIN))
    logger.addHandler(handler)
    logger.setLevel(str(app.config.get("LOG_LEVEL", "INFO")).upper())
