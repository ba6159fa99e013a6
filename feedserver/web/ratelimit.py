"""Per-client rate limits on feeds, widget JSON, the API and the WebSub hub, by Flask-Limiter.

Each RATE_LIMIT_* rule is one budget shared by the paths of its bucket. The client is
clients.client_key(request.remote_addr): the real address once PROXY_FIX_HOPS trusts nginx,
and one /64 for IPv6. With RATELIMIT_REDIS_URL the counters live in Redis, so every gunicorn
worker and every instance shares the budget; without it each process counts on its own. A lost
Redis lets requests through (swallow_errors): the limits protect the site, they must not take
it down. Refusals answer 429 with Retry-After and RateLimit-* headers (the Korean page or the
API's JSON error comes from web/errors.py).
"""
import time

from flask import request
from flask_limiter import HeaderNames, Limiter
from limits import parse_many

from feedserver.clients import client_key
from feedserver.observability import metrics

# bucket setting -> (blueprints it covers, path prefixes counted within them)
BUCKETS = {
    "RATE_LIMIT_FEEDS": (("feeds", "discovery", "widget"), ("/feeds/", "/widget/latest.json")),
    "RATE_LIMIT_API": (("api",), ("/api/",)),
    "RATE_LIMIT_WEBSUB": (("websub",), ("/websub",)),
    "RATE_LIMIT_MAIL": (("mailing", "mail_links"), ("/subscribe", "/mail/")),
}
HOOK_KINDS = ("before_request_funcs", "after_request_funcs", "teardown_request_funcs")
HEADERS = {HeaderNames.LIMIT: "RateLimit-Limit", HeaderNames.REMAINING: "RateLimit-Remaining",
           HeaderNames.RESET: "RateLimit-Reset", HeaderNames.RETRY_AFTER: "Retry-After"}
RATELIMIT_NAMES = tuple(HEADERS[name] for name in (HeaderNames.LIMIT, HeaderNames.REMAINING,
                                                   HeaderNames.RESET))


def check_rule(text):
    """Refuse a rule the limits library cannot read ("120/minute", "5/30 seconds"); "" is off."""
    if not text:
        return ""
    try:
        parse_many(str(text))
    except ValueError:
        raise ValueError(f"rate limit must look like '120/minute', not {text!r}") from None
    return str(text)


def _client():
    return client_key(request.remote_addr)


def _count_refusal(limit):
    """Count a refusal under its bucket (RATE_LIMIT_FEEDS, ...); the 429 is Flask-Limiter's."""
    bucket = next((key for key, (_, prefixes) in BUCKETS.items()
                   if request.path.startswith(prefixes)), "other")
    metrics.rate_limited.labels(bucket).inc()


def _outside(prefixes):
    """Exempt the requests of a covered blueprint whose path is not in the bucket."""
    return lambda: not request.path.startswith(prefixes)


def _headers_for_this_client_only(response):
    """Keep per-client counters off responses that shared caches store and hand to others."""
    if _public(response):
        for name in RATELIMIT_NAMES:
            if response.headers.getlist(name):  # Headers.pop(name, None) raises and catches when absent
                del response.headers[name]
    reset = next(iter(response.headers.getlist("RateLimit-Reset")), None)
    if reset and reset.isdigit() and int(reset) > 10**9:
        # Flask-Limiter writes an epoch; the RateLimit header fields count seconds from now.
        response.headers["RateLimit-Reset"] = str(max(0, int(reset) - int(time.time())))
    return response


def init_app(app):
    """Install Flask-Limiter when any RATE_LIMIT_* rule is set (only the WebSub hub's by default)."""
    rules = {key: check_rule(app.config.get(key, "")) for key in BUCKETS}
    if not any(rules.values()):
        return
    hooks = _request_hooks(app)
    # Registered before the limiter's own hook, so it runs after it and sees its headers.
    app.after_request(_headers_for_this_client_only)
    url = app.config.get("RATELIMIT_REDIS_URL") or "memory://"
    options = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5} if url != "memory://" else {}
    limiter = Limiter(_client, app=app, storage_uri=url, storage_options=options,
                      key_prefix=app.config.get("RATELIMIT_PREFIX") or "feedserver:rl",
                      strategy="fixed-window", headers_enabled=True, header_name_mapping=HEADERS,
                      swallow_errors=True, on_breach=_count_refusal)
    for key, rule in rules.items():
        blueprints, prefixes = BUCKETS[key]
        if not rule:
            continue
        shared = limiter.shared_limit(rule, scope=key.lower(), exempt_when=_outside(prefixes))
        for name in blueprints:
            shared(app.blueprints[name])
    covered = [name for key, rule in rules.items() if rule for name in BUCKETS[key][0]]
    _only_on(app, covered, hooks)


def _request_hooks(app):
    """Return how many app-wide request hooks of each kind there are now."""
    return {kind: len(getattr(app, kind).get(None, [])) for kind in HOOK_KINDS}


def _only_on(app, blueprints, before):
    """Move the app-wide hooks added since `before` (ours and Flask-Limiter's) onto these
    blueprints: the limiter resolves every request's limits and exemptions, a fifth of a
    cached page's time, also for the pages no rule covers."""
    for kind, count in before.items():
        funcs = getattr(app, kind).setdefault(None, [])
        added, funcs[count:] = funcs[count:], []
        for name in dict.fromkeys(blueprints):
            getattr(app, kind).setdefault(name, []).extend(added)


def _public(response):
    """Tell whether Cache-Control says public (read raw: response.cache_control raises and
    catches a KeyError inside werkzeug when the response has none)."""
    directives = ",".join(response.headers.getlist("Cache-Control")).split(",")
    return any(d.split("=", 1)[0].strip().lower() == "public" for d in directives)
