"""Per-client rate limits on feeds, widget JSON, the API and the WebSub hub: 429 with Retry-After.

A fixed-window counter per (bucket, client address, window). With RATELIMIT_REDIS_URL the
counters live in Redis (INCR + EXPIRE), so every gunicorn worker and every instance behind the
same Redis shares one budget; without it each process counts on its own. The client address is
request.remote_addr, i.e. the real client once PROXY_FIX_HOPS trusts nginx's X-Forwarded-For.
"""
import logging
import re
import threading
import time

from flask import current_app, request
from werkzeug.exceptions import TooManyRequests

from feedserver.clients import client_key

log = logging.getLogger(__name__)

UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
RULE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)?\s*(second|minute|hour|day)s?\s*$")
# Which bucket a path counts against: (path prefix, config key).
BUCKETS = (("/feeds/", "RATE_LIMIT_FEEDS"), ("/widget/latest.json", "RATE_LIMIT_FEEDS"),
           ("/api/", "RATE_LIMIT_API"), ("/websub", "RATE_LIMIT_WEBSUB"))


def parse_rule(text):
    """Turn "120/minute" or "10/30 seconds" into (limit, window seconds); "" means off."""
    if not text:
        return None
    match = RULE.match(str(text).lower())
    if not match:
        raise ValueError(f"rate limit must look like '120/minute', not {text!r}")
    count, multiple, unit = match.groups()
    return int(count), int(multiple or 1) * UNITS[unit]


class MemoryCounter:
    """Fixed windows counted in this process (one budget per gunicorn worker)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}

    def hit(self, key, window_end):
        with self.lock:
            now = time.time()
            if len(self.counts) > 10000:  # forget finished windows
                self.counts = {k: v for k, v in self.counts.items() if v[1] > now}
            count, end = self.counts.get(key, (0, window_end))
            self.counts[key] = (count + 1, end)
            return count + 1


class RedisCounter:
    """Fixed windows counted in Redis, shared by every process that uses the same server."""

    def __init__(self, url):
        import redis  # only with RATELIMIT_REDIS_URL: processes without it never load the client
        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def hit(self, key, window_end):
        pipe = self.client.pipeline(transaction=True)
        pipe.incr(key)
        pipe.expireat(key, int(window_end) + 1)
        count, _ = pipe.execute()
        return int(count)


class Limiter:
    def __init__(self, config):
        self.rules = {key: parse_rule(config.get(key, "")) for _, key in BUCKETS}
        self.prefix = config.get("RATELIMIT_PREFIX") or "feedserver:rl"
        url = config.get("RATELIMIT_REDIS_URL", "")
        self.counter = RedisCounter(url) if url else MemoryCounter()

    @property
    def enabled(self):
        return any(self.rules.values())

    def check(self, path, client):
        """Count a request; return the seconds to wait when it is over its limit, else None."""
        for prefix, key in BUCKETS:
            if path.startswith(prefix):
                break
        else:
            return None
        rule = self.rules[key]
        if rule is None:
            return None
        limit, window = rule
        now = time.time()
        start = int(now // window) * window
        name = f"{self.prefix}:{key}:{client}:{start}"
        try:
            count = self.counter.hit(name, start + window)
        except Exception:  # noqa: BLE001 - a lost Redis must not take the site down: fail open
            log.warning("rate limit store unavailable; request let through", exc_info=True)
            return None
        if count <= limit:
            return None
        return max(1, int(start + window - now + 0.999))


def _enforce():
    limiter = current_app.extensions["feedserver.ratelimit"]
    wait = limiter.check(request.path, client_key(request.remote_addr))
    if wait is not None:
        error = TooManyRequests("요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.")
        error.headers = {"Retry-After": str(wait)}
        raise error


def init_app(app):
    """Install the limiter when any RATE_LIMIT_* rule is set (only the WebSub hub's by default)."""
    limiter = Limiter(app.config)
    app.extensions["feedserver.ratelimit"] = limiter
    # Once only: calling init_app again (new rules) must not count every request twice.
    if limiter.enabled and _enforce not in app.before_request_funcs.get(None, []):
        app.before_request(_enforce)
