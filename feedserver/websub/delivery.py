"""What each outbox job does: fan out a change, announce a due release, deliver, verify, ping."""
import hashlib
import hmac
import secrets
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from flask import current_app, request
from peewee import IntegrityError
from werkzeug.exceptions import HTTPException

from feedserver.db import database
from feedserver.mail import jobs as mail_jobs
from feedserver.models import Category, OutboxJob, Release, Subscription, utcnow
from feedserver.publishing import audit
from feedserver.websub import fanout, netguard, outbox
from feedserver.websub.topics import (
    allowed_networks,
    configured_hubs,
    hub_urls,
    normal_url,
    subscription_ident,
)

USER_AGENT = "feedserver-websub/1"


def run(job):
    """Do one claimed job and close it; return True when its host answered slowly.

    Errors propagate for the worker to retry.
    """
    handler = {"changed": fan_out, "due": announce_due, "deliver": deliver, "verify": verify,
               "ping": ping, "batch": deliver_batch, **mail_jobs.HANDLERS}[job.kind]
    try:
        return bool(handler(job))
    except netguard.Refused as error:  # an address we may not call: retrying cannot help
        outbox.finish(job, "failed", str(error)[:500])
        return False


def fan_out(job):
    """Turn one "feed changed" job into delivery batches (per callback host) and hub pings."""
    pings = _ping_topics(job.feed_key)
    # Read before the transaction: on SQLite a transaction that reads first cannot take the write
    # lock another thread took meanwhile ("database is locked" at once, not after a wait).
    batches = fanout.batch_rows(job.feed_key, current_app.config["WEBSUB_BATCH_SIZE"])
    with database.atomic():  # the new jobs exist only if this one is closed
        outbox.enqueue_many(batches)
        for hub, topic in pings:
            outbox.enqueue("ping", {"hub": hub, "topic": topic}, job.feed_key,
                           target_host=netguard.host_key(hub))
        outbox.finish(job)


def announce_due(job):
    """At a scheduled release's time, announce it to its feeds if it is public by then."""
    release = Release.by_public_id(outbox.payload(job).get("release"))
    with database.atomic():
        if release is None or not release.is_public():  # withdrawn, deleted or moved later
            return outbox.finish(job, "done", "공개되지 않은 보도자료라 알리지 않았습니다.")
        outbox.announce(release)
        # Logged in the job's transaction, which finish() rolls back if another worker took the
        # job over: the audit log says 예약 게시됨 exactly once, however many workers run.
        audit.record(audit.SCHEDULE, "release_went_live", f"release:{release.public_id}",
                     f"제목: {release.title}")
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
        category = Category.get_or_none(Category.id == int(feed_key[len("cat:"):]))
        if category is None:
            return []
        paths = [f"/feeds/category/{category.slug}.{fmt}" for fmt in ("rss", "atom", "json")]
    return [(hub, base + path) for hub in hubs for path in paths]


def deliver(job):
    """POST the topic's current content to one subscriber (a retry, or a job queued before batches)."""
    data = outbox.payload(job)
    sub = Subscription.get_or_none(Subscription.id == data["subscription"])
    if sub is None or sub.expires_at <= utcnow():
        return outbox.finish(job, "done", "구독이 끝나 보내지 않았습니다.")
    with netguard.Caller(allowed_networks(), current_app.config["WEBSUB_DELIVERY_TIMEOUT"]) as caller:
        post(caller, sub)
    outbox.finish(job)


def deliver_batch(job):
    """POST a change to a batch of one host's subscribers over one connection."""
    rendered = {}
    return fanout.run(job, lambda caller, sub: post(caller, sub, rendered))


def post(caller, sub, rendered=None):
    """POST the topic's current content to one subscriber, signed when it gave a secret.

    rendered: topic -> (body, headers), shared by a batch so each topic renders once.
    """
    rendered = {} if rendered is None else rendered
    if sub.topic not in rendered:
        rendered[sub.topic] = _content(sub.topic)
    body, common = rendered[sub.topic]
    headers = dict(common)
    if sub.secret:
        digest = hmac.new(sub.secret.encode(), body, hashlib.sha256).hexdigest()
        headers["X-Hub-Signature"] = f"sha256={digest}"
    status, _ = caller.request("POST", sub.callback, body, headers)
    if status == 410:  # the subscriber asked us to stop (WebSub 7)
        Subscription.delete().where(Subscription.id == sub.id).execute()
    elif not 200 <= status < 300:
        raise RuntimeError(f"구독자가 {status}로 답했습니다.")


def _content(stored_topic):
    """Render a topic now; return its body and the headers every subscriber of it gets."""
    topic = normal_url(stored_topic) or stored_topic  # rows stored before topics were encoded
    body, content_type = render_topic(topic)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(topic))
    links = [f'<{hub}>; rel="hub"' for hub in hub_urls(origin)] + [f'<{topic}>; rel="self"']
    return body, {"User-Agent": USER_AGENT, "Content-Type": content_type, "Link": ", ".join(links)}


def render_topic(topic):
    """Render a feed URL of ours by calling its view, as a reader would get it now.

    Not through the WSGI stack: the fast path, the before-request hooks (a per-client rate
    limit would refuse the worker with 429) and the after-request headers are for readers.
    """
    parts = urlsplit(topic)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    app = current_app._get_current_object()
    with app.test_request_context(path, base_url=f"{parts.scheme}://{parts.netloc}",
                                  headers={"Accept-Encoding": "identity"}):
        try:
            if request.routing_exception is not None:
                raise request.routing_exception
            view = app.view_functions[request.url_rule.endpoint]
            response = app.make_response(view(**request.view_args))
        except HTTPException as error:
            raise RuntimeError(f"피드를 만들지 못했습니다 ({error.code}).") from None
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
            _store(data, job.client_address)
        else:
            (Subscription.delete()
             .where(Subscription.ident == subscription_ident(data["topic"], data["callback"]))
             .execute())
        outbox.finish(job)


def _store(data, client_address):
    now = utcnow()
    fields = {"topic": data["topic"], "feed_key": data["feed_key"], "callback": data["callback"],
              "secret": data.get("secret") or None, "lease_seconds": data["lease_seconds"],
              "expires_at": now + timedelta(seconds=data["lease_seconds"]), "verified_at": now,
              "callback_host": netguard.host_key(data["callback"]),
              "client_address": client_address}
    ident = subscription_ident(data["topic"], data["callback"])
    if Subscription.update(**fields).where(Subscription.ident == ident).execute():
        return
    try:
        with database.atomic():
            Subscription.create(ident=ident, **fields)
    except IntegrityError:  # verified twice at once: the other one stored it
        Subscription.update(**fields).where(Subscription.ident == ident).execute()


def ping(job):
    """Tell an external hub that a topic changed (hub.mode=publish, with hub.url and hub.topic)."""
    data = outbox.payload(job)
    body = urlencode({"hub.mode": "publish", "hub.url": data["topic"],
                      "hub.topic": data["topic"]}).encode()
    status, _ = http("POST", data["hub"], body,
                     {"Content-Type": "application/x-www-form-urlencoded"})
    if 400 <= status < 500 and status not in (408, 429):  # refused: the same request fails again
        return outbox.finish(job, "failed", f"허브가 {status}로 거절했습니다.")
    if not 200 <= status < 300:
        raise RuntimeError(f"허브가 {status}로 답했습니다.")
    outbox.finish(job)


def http(method, url, body=None, headers=None):
    """Send one guarded request (public or allowed addresses, total deadline, no redirects).

    Returns (status, first 64 KB of the body); a 3xx is returned as it is, never followed.
    """
    return netguard.request(method, url, body, {"User-Agent": USER_AGENT, **(headers or {})},
                            deadline=current_app.config["WEBSUB_DELIVERY_TIMEOUT"],
                            allowed=allowed_networks())


def recent(limit=20):
    """Return the latest finished deliveries and the latest failures, for the status page."""
    jobs = OutboxJob.select().order_by(OutboxJob.done_at.desc(), OutboxJob.id.desc()).limit(limit)
    done = jobs.where(OutboxJob.kind == "deliver", OutboxJob.status == "done")
    failures = (OutboxJob.select().where(OutboxJob.last_error.is_null(False))
                .order_by(OutboxJob.id.desc()).limit(limit))
    return list(done), list(failures)
