"""What each outbox job does: fan out a change, deliver content, verify intent, ping hubs."""
import hashlib
import hmac
import secrets
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from flask import current_app
from peewee import IntegrityError

from . import outbox
from .db import database
from .models import OutboxJob, Subscription, utcnow
from .websub import hub_urls, subscription_ident

USER_AGENT = "feedserver-websub/1"
MAX_READ = 64 * 1024


class GiveUp(Exception):
    """A failure that retrying cannot fix (the subscriber refused)."""


def run(job):
    """Do one claimed job and close it; errors propagate for the worker to retry."""
    handler = {"changed": fan_out, "deliver": deliver, "verify": verify, "ping": ping}[job.kind]
    handler(job)


def fan_out(job):
    """Turn one "feed changed" job into a delivery job per live subscription and hub ping."""
    subs = list(Subscription.active().where(Subscription.feed_key == job.feed_key))
    pings = _ping_topics(job.feed_key)
    with database.atomic():  # the new jobs exist only if this one is closed
        for sub in subs:
            outbox.enqueue("deliver", {"subscription": sub.id, "topic": sub.topic,
                                       "callback": sub.callback}, job.feed_key)
        for hub, topic in pings:
            outbox.enqueue("ping", {"hub": hub, "topic": topic}, job.feed_key)
        outbox.finish(job)


def _ping_topics(feed_key):
    """Return (hub, topic) pairs for configured external hubs; they need BASE_URL."""
    base = (current_app.config.get("BASE_URL") or "").rstrip("/")
    hubs = configured_hubs()
    if not hubs or not base or feed_key.startswith("search:"):
        return []
    if feed_key == "all":
        paths = [f"/feeds/all.{fmt}" for fmt in ("rss", "atom", "json")]
    else:
        from .models import Category
        category = Category.get_or_none(Category.id == int(feed_key[len("cat:"):]))
        if category is None:
            return []
        paths = [f"/feeds/category/{category.slug}.{fmt}" for fmt in ("rss", "atom", "json")]
    return [(hub, base + path) for hub in hubs for path in paths]


def configured_hubs():
    raw = current_app.config.get("WEBSUB_HUBS") or []
    return raw.replace(",", " ").split() if isinstance(raw, str) else list(raw)


def deliver(job):
    """POST the topic's current content to one subscriber, signed when it gave a secret."""
    data = outbox.payload(job)
    sub = Subscription.get_or_none(Subscription.id == data["subscription"])
    if sub is None or sub.expires_at <= utcnow():
        return outbox.finish(job, "done", "구독이 끝나 보내지 않았습니다.")
    body, content_type = render_topic(sub.topic)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(sub.topic))
    links = [f'<{hub}>; rel="hub"' for hub in hub_urls(origin)] + [f'<{sub.topic}>; rel="self"']
    headers = {"Content-Type": content_type, "Link": ", ".join(links)}
    if sub.secret:
        digest = hmac.new(sub.secret.encode(), body, hashlib.sha256).hexdigest()
        headers["X-Hub-Signature"] = f"sha256={digest}"
    status, _ = http("POST", sub.callback, body, headers)
    if status == 410:  # the subscriber asked us to stop (WebSub 7)
        Subscription.delete().where(Subscription.id == sub.id).execute()
    elif not 200 <= status < 300:
        raise RuntimeError(f"구독자가 {status}로 답했습니다.")
    outbox.finish(job)


def render_topic(topic):
    """Render a feed URL of ours through the app, as a reader would fetch it now."""
    parts = urlsplit(topic)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    response = current_app.test_client().get(
        path, base_url=f"{parts.scheme}://{parts.netloc}", headers={"Accept-Encoding": "identity"})
    if response.status_code != 200:
        raise RuntimeError(f"피드를 만들지 못했습니다 ({response.status_code}).")
    return response.get_data(), response.headers["Content-Type"]


def verify(job):
    """Ask the callback to echo a challenge; only then store or drop the subscription."""
    data = outbox.payload(job)
    challenge = secrets.token_urlsafe(24)
    query = {"hub.mode": data["mode"], "hub.topic": data["topic"], "hub.challenge": challenge}
    if data["mode"] == "subscribe":
        query["hub.lease_seconds"] = str(data["lease_seconds"])
    joiner = "&" if urlsplit(data["callback"]).query else "?"
    status, body = http("GET", data["callback"] + joiner + urlencode(query))
    if status >= 500:  # the subscriber is down, not refusing: try again later
        raise RuntimeError(f"확인 요청에 {status}로 답했습니다.")
    if not 200 <= status < 300 or body.strip() != challenge.encode():
        return outbox.finish(job, "failed", f"구독자가 확인을 거절했습니다 ({status}).")
    with database.atomic():
        if data["mode"] == "subscribe":
            _store(data)
        else:
            (Subscription.delete()
             .where(Subscription.ident == subscription_ident(data["topic"], data["callback"]))
             .execute())
        outbox.finish(job)


def _store(data):
    now = utcnow()
    fields = {"topic": data["topic"], "feed_key": data["feed_key"], "callback": data["callback"],
              "secret": data.get("secret") or None, "lease_seconds": data["lease_seconds"],
              "expires_at": now + timedelta(seconds=data["lease_seconds"]), "verified_at": now}
    ident = subscription_ident(data["topic"], data["callback"])
    if Subscription.update(**fields).where(Subscription.ident == ident).execute():
        return
    try:
        with database.atomic():
            Subscription.create(ident=ident, **fields)
    except IntegrityError:  # verified twice at once: the other one stored it
        Subscription.update(**fields).where(Subscription.ident == ident).execute()


def ping(job):
    """Tell an external hub that a topic changed (hub.mode=publish)."""
    data = outbox.payload(job)
    body = urlencode({"hub.mode": "publish", "hub.url": data["topic"]}).encode()
    status, _ = http("POST", data["hub"], body,
                     {"Content-Type": "application/x-www-form-urlencoded"})
    if not 200 <= status < 300:
        raise RuntimeError(f"허브가 {status or '응답 없음'}로 답했습니다.")
    outbox.finish(job)


def http(method, url, body=None, headers=None):
    """Send one request with the configured timeout; return (status, first 64 KB of body)."""
    request = urllib.request.Request(url, data=body, method=method,
                                     headers={"User-Agent": USER_AGENT, **(headers or {})})
    timeout = current_app.config["WEBSUB_DELIVERY_TIMEOUT"]
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(MAX_READ)
    except urllib.error.HTTPError as error:
        return error.code, b""


def recent(limit=20):
    """Return the latest finished deliveries and the latest failures, for the status page."""
    jobs = OutboxJob.select().order_by(OutboxJob.done_at.desc(), OutboxJob.id.desc()).limit(limit)
    done = jobs.where(OutboxJob.kind == "deliver", OutboxJob.status == "done")
    failures = (OutboxJob.select().where(OutboxJob.last_error.is_null(False))
                .order_by(OutboxJob.id.desc()).limit(limit))
    return list(done), list(failures)
