"""WebSub: discovery, the built-in hub, and signed deliveries to real subscribers on 127.0.0.1."""
import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from lxml import etree

from feedserver.models import OutboxJob, Subscription, utcnow

NEWS = "http://localhost/feeds/category/news.atom"
OTHER = "http://localhost/feeds/category/other.rss"


@pytest.fixture
def hub_app(app, make_category, websub):
    app.config.update(websub.FAST)
    with app.app_context():
        make_category("news", "소식")
        make_category("other", "공지")
    return app


@pytest.fixture
def hub_db_app(db_app, make_category, websub):
    db_app.config.update(websub.FAST)
    with db_app.app_context():
        make_category("news", "소식")
        make_category("other", "공지")
    return db_app


def test_feeds_advertise_the_built_in_hub(hub_app):
    client = hub_app.test_client()
    for fmt in ("rss", "atom", "json"):
        response = client.get(f"/feeds/category/news.{fmt}")
        links = response.headers.getlist("Link")
        assert links == ['<http://localhost/websub>; rel="hub"',
                         f'<http://localhost/feeds/category/news.{fmt}>; rel="self"']
    rss = etree.fromstring(client.get("/feeds/all.rss").data)
    hubs = rss.xpath("//atom:link[@rel='hub']/@href", namespaces={"atom": "http://www.w3.org/2005/Atom"})
    assert hubs == ["http://localhost/websub"]
    assert client.get("/feeds/all.json").json["hubs"] == [
        {"type": "WebSub", "url": "http://localhost/websub"}]


def test_configured_external_hubs_are_advertised_and_pinged(hub_app, subscriber, make_category, websub):
    hub_app.config.update(WEBSUB_HUBS=[subscriber.url("/hub")], BASE_URL="http://press.example")
    response = hub_app.test_client().get("/feeds/all.atom")
    assert response.headers.getlist("Link")[0] == f'<{subscriber.url("/hub")}>; rel="hub"'
    with hub_app.app_context():
        news = make_category("extra", "추가")
    with websub.running_worker(hub_app):
        websub.publish(hub_app, news, "외부 허브 알림")
        websub.wait_for(lambda: len(subscriber.received("/hub")) >= 6)
    pinged = sorted(body.decode() for _, body, _ in subscriber.received("/hub"))
    for topic in ("all.rss", "category%2Fextra.json"):  # hub.url as before, hub.topic as hubs want
        url = f"http%3A%2F%2Fpress.example%2Ffeeds%2F{topic}"
        assert f"hub.mode=publish&hub.url={url}&hub.topic={url}" in pinged


def test_signed_delivery_on_publish_and_edit_only_to_that_category(hub_db_app, subscriber, make_category, websub):
    app, client = hub_db_app, hub_db_app.test_client()
    auth = websub.api_headers(app)
    with app.app_context():
        make_category("press", "보도")
    topic = "http://localhost/feeds/category/press.atom"
    with websub.running_worker(app):
        assert websub.subscribe(client, topic, subscriber.url("/news"), **{"hub.secret": "s3cret"}).status_code == 202
        assert websub.subscribe(client, OTHER, subscriber.url("/other")).status_code == 202
        websub.subscribed(app, subscriber.url("/news"))
        websub.subscribed(app, subscriber.url("/other"))
        verification = dict(subscriber.gets)["/news"]
        assert verification["hub.mode"] == "subscribe" and verification["hub.topic"] == topic
        assert verification["hub.lease_seconds"] == str(app.config["WEBSUB_LEASE_SECONDS"])

        started = time.monotonic()
        created = client.post("/api/v1/releases", headers=auth, json={
            "title": "첫 보도자료 알림", "category": "press", "body": "<p>본문</p>",
            "status": "published"})
        assert created.status_code == 201
        first = websub.wait_for(lambda: subscriber.received("/news"))[0]
        assert first[2] - started < 5
        edited = client.patch(f"/api/v1/releases/{created.json['id']}", headers=auth,
                              json={"title": "고친 보도자료 알림"})
        assert edited.status_code == 200
        second = websub.wait_for(lambda: subscriber.received("/news")[1:])[0]
        websub.wait_for(lambda: websub.drained(app))
    for headers, body, _ in (first, second):
        expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
        assert headers["X-Hub-Signature"] == f"sha256={expected}"
        assert headers["Content-Type"] == "application/atom+xml; charset=utf-8"
        assert headers["Link"] == f'<http://localhost/websub>; rel="hub", <{topic}>; rel="self"'
    assert "첫 보도자료 알림" in first[1].decode()
    assert "고친 보도자료 알림" in second[1].decode()
    assert subscriber.received("/other") == []


def test_scheduled_release_is_delivered_when_due(hub_app, subscriber, make_category, websub):
    client = hub_app.test_client()
    with hub_app.app_context():
        news = make_category("due", "예약")
    with websub.running_worker(hub_app):
        websub.subscribe(client, "http://localhost/feeds/category/due.json", subscriber.url("/due"))
        websub.subscribed(hub_app, subscriber.url("/due"))
        due_at = utcnow() + timedelta(seconds=2)
        websub.publish(hub_app, news, "예약된 보도자료", status="scheduled", published_at=due_at)
        headers, body, _ = websub.wait_for(lambda: subscriber.received("/due"), timeout=6)[0]
        arrived = utcnow()
    assert arrived >= due_at
    assert [item["title"] for item in json.loads(body)["items"]] == ["예약된 보도자료"]
    assert headers["Content-Type"] == "application/feed+json; charset=utf-8"


def test_hanging_subscriber_does_not_delay_a_healthy_one(hub_app, subscriber, make_category, websub):
    hub_app.config["WEBSUB_DELIVERY_TIMEOUT"] = 2.0  # the hanging callback sleeps 3 s
    client = hub_app.test_client()
    with hub_app.app_context():
        news = make_category("hang", "지연")
    topic = "http://localhost/feeds/category/hang.rss"
    hanging = subscriber.url("").replace("127.0.0.1", "localhost")  # another host, same server
    with websub.running_worker(hub_app):
        for path in ("/hang1", "/hang2", "/hang3"):
            websub.subscribe(client, topic, hanging + path)
        websub.subscribe(client, topic, subscriber.url("/ok"))
        websub.subscribed(hub_app, subscriber.url("/ok"))
        websub.wait_for(lambda: websub.drained(hub_app))
        started = time.monotonic()
        websub.publish(hub_app, news, "지연 구독자 시험")
        _, _, arrived = websub.wait_for(lambda: subscriber.received("/ok"))[0]
    assert arrived - started < hub_app.config["WEBSUB_DELIVERY_TIMEOUT"]


def test_unsubscribe_stops_deliveries(hub_app, subscriber, make_category, websub):
    client = hub_app.test_client()
    with hub_app.app_context():
        news = make_category("unsub", "해지")
    topic = "http://localhost/feeds/category/unsub.atom"
    with websub.running_worker(hub_app):
        websub.subscribe(client, topic, subscriber.url("/u"))
        websub.subscribed(hub_app, subscriber.url("/u"))
        websub.publish(hub_app, news, "해지 전")
        websub.wait_for(lambda: subscriber.received("/u"))
        form = {"hub.mode": "unsubscribe", "hub.topic": topic, "hub.callback": subscriber.url("/u")}
        assert client.post("/websub", data=form).status_code == 202
        websub.wait_for(lambda: [q for p, q in subscriber.gets if q["hub.mode"] == "unsubscribe"])
        websub.wait_for(lambda: websub.drained(hub_app))
        websub.publish(hub_app, news, "해지 후")
        time.sleep(0.3)
        websub.wait_for(lambda: websub.drained(hub_app))
    assert len(subscriber.received("/u")) == 1
    with hub_app.app_context():
        assert Subscription.select().count() == 0


def test_expired_lease_stops_deliveries(hub_app, subscriber, make_category, websub):
    client = hub_app.test_client()
    with hub_app.app_context():
        news = make_category("lease", "임대")
    with websub.running_worker(hub_app):
        websub.subscribe(client, "http://localhost/feeds/category/lease.atom", subscriber.url("/l"),
                         **{"hub.lease_seconds": "1"})
        websub.subscribed(hub_app, subscriber.url("/l"))
        assert dict(subscriber.gets)["/l"]["hub.lease_seconds"] == "1"
        time.sleep(2.1)
        websub.publish(hub_app, news, "임대 만료 후")
        time.sleep(0.3)
        websub.wait_for(lambda: websub.drained(hub_app))
    assert subscriber.received("/l") == []


def test_failing_subscriber_is_retried_then_given_up(hub_app, subscriber, make_category, websub):
    client = hub_app.test_client()
    with hub_app.app_context():
        news = make_category("fail", "실패")
    topic = "http://localhost/feeds/category/fail.atom"
    with websub.running_worker(hub_app):
        websub.subscribe(client, topic, subscriber.url("/fail"))
        websub.subscribe(client, topic, subscriber.url("/fine"))
        websub.subscribed(hub_app, subscriber.url("/fail"))
        websub.subscribed(hub_app, subscriber.url("/fine"))
        websub.publish(hub_app, news, "실패 시험")
        websub.wait_for(lambda: _given_up(hub_app), timeout=12)  # attempts at about 0, 1 and 3 s
    assert len(subscriber.received("/fail")) == 3
    assert len(subscriber.received("/fine")) == 1
    with hub_app.app_context():
        [job] = [j for j in OutboxJob.select().where(OutboxJob.kind == "deliver")
                 if json.loads(j.payload)["callback"] == subscriber.url("/fail")]
        assert (job.status, job.attempts) == ("failed", 3)
        assert "500" in job.last_error


def _given_up(app):
    with app.app_context():
        return OutboxJob.select().where(OutboxJob.status == "failed").exists()
