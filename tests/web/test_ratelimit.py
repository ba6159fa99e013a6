"""Abusive clients: per-client rate limits (in-process and shared through Redis), body size limits."""
import io
import os
import uuid

import pytest
from flask import request

from feedserver.web.ratelimit import check_rule

REDIS_URL = os.environ.get("FEEDSERVER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ME = {"REMOTE_ADDR": "203.0.113.7"}
OTHER = {"REMOTE_ADDR": "203.0.113.8"}


@pytest.fixture
def limited_app(databases):
    def limited_app(tmp_path, name="rl.sqlite3", **config):
        return databases.build_app(tmp_path, f"sqlite:///{tmp_path}/{name}", **config)
    return limited_app


@pytest.mark.parametrize("text", ["", "120/minute", "10/second", "5 / 30 seconds", "5000/hours"])
def test_rules_parse(text):
    assert check_rule(text) == text


def test_bad_rule_refuses_to_start(tmp_path, limited_app):
    with pytest.raises(ValueError, match="120/minute"):
        check_rule("lots")
    with pytest.raises(ValueError):
        limited_app(tmp_path, RATE_LIMIT_API="lots")


def test_limits_are_off_by_default(app):
    client = app.test_client()
    assert all(client.get("/feeds/all.rss").status_code == 200 for _ in range(30))


def test_feed_limit_answers_429_korean_page_with_retry_after(tmp_path, limited_app):
    app = limited_app(tmp_path, RATE_LIMIT_FEEDS="3/minute")
    client = app.test_client()
    codes = [client.get("/feeds/all.rss", environ_base=ME).status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    refused = client.get("/feeds/all.atom", environ_base=ME)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.mimetype == "text/html" and "요청이 너무 많습니다" in refused.get_data(as_text=True)
    assert "Content-Security-Policy" in refused.headers
    # the widget JSON shares the feeds' budget; another client and the board are unaffected
    assert client.get("/widget/latest.json", environ_base=ME).status_code == 429
    assert client.get("/feeds/all.rss", environ_base=OTHER).status_code == 200
    assert client.get("/board/", environ_base=ME).status_code == 200


def test_api_limit_answers_429_json(staff_app_with, staff):
    app = staff_app_with(RATE_LIMIT_API="2/minute")
    client = app.test_client()
    for _ in range(2):
        assert client.get("/api/v1/categories", headers=staff.bearer(app), environ_base=ME).status_code == 200
    refused = client.get("/api/v1/categories", headers=staff.bearer(app), environ_base=ME)
    assert refused.status_code == 429 and refused.headers["Retry-After"].isdigit()
    assert refused.get_json()["error"]["status"] == 429
    assert client.get("/feeds/all.rss", environ_base=ME).status_code == 200  # other bucket, off


def test_api_answers_standard_ratelimit_headers(staff_app_with, staff):
    app = staff_app_with(RATE_LIMIT_API="3/minute")
    client = app.test_client()
    first = client.get("/api/v1/categories", headers=staff.bearer(app), environ_base=ME)
    assert first.headers["RateLimit-Limit"] == "3" and first.headers["RateLimit-Remaining"] == "2"
    # seconds from now, not an epoch (the limits library rounds the window end up a second)
    assert 0 <= int(first.headers["RateLimit-Reset"]) <= 61
    for _ in range(2):
        client.get("/api/v1/categories", headers=staff.bearer(app), environ_base=ME)
    refused = client.get("/api/v1/categories", headers=staff.bearer(app), environ_base=ME)
    assert refused.status_code == 429 and refused.headers["RateLimit-Remaining"] == "0"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_publicly_cached_responses_carry_no_per_client_counters(tmp_path, limited_app):
    app = limited_app(tmp_path, RATE_LIMIT_FEEDS="5/minute")
    response = app.test_client().get("/feeds/all.rss", environ_base=ME)
    assert response.status_code == 200 and response.cache_control.public
    assert not [name for name, _ in response.headers.items() if name.lower().startswith("ratelimit")]


def test_the_bucket_counts_its_paths_only(tmp_path, limited_app):
    app = limited_app(tmp_path, RATE_LIMIT_FEEDS="1/minute")
    client = app.test_client()
    assert client.get("/feeds/all.rss", environ_base=ME).status_code == 200
    # the widget script and frame, the sitemap and the board are outside the feeds' budget
    for path in ("/widget.js", "/embed/latest", "/sitemap.xml", "/board/"):
        assert client.get(path, environ_base=ME).status_code == 200, path
    assert client.get("/widget/latest.json", environ_base=ME).status_code == 429


def test_forwarded_client_address_is_the_key_behind_a_trusted_proxy(tmp_path, limited_app):
    app = limited_app(tmp_path, RATE_LIMIT_FEEDS="1/minute", PROXY_FIX_HOPS=1)
    client = app.test_client()
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    first = {"X-Forwarded-For": "198.51.100.1"}
    assert client.get("/feeds/all.rss", headers=first, environ_base=proxy).status_code == 200
    assert client.get("/feeds/all.rss", headers=first, environ_base=proxy).status_code == 429
    second = {"X-Forwarded-For": "198.51.100.2"}
    assert client.get("/feeds/all.rss", headers=second, environ_base=proxy).status_code == 200


def test_the_limiter_runs_only_on_what_a_rule_covers(tmp_path, limited_app, monkeypatch):
    """Resolving a request's limits cost a fifth of a cached page: pages no rule covers skip it."""
    from flask_limiter import Limiter
    checked = []
    original = Limiter._check_request_limit

    def counting(self, *args, **kwargs):
        checked.append(request.path)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Limiter, "_check_request_limit", counting)
    app = limited_app(tmp_path, RATE_LIMIT_WEBSUB="2/minute", RATE_LIMIT_MAIL="")
    client = app.test_client()
    for path in ("/board/", "/feeds/all.rss", "/widget/latest.json", "/healthz"):
        assert client.get(path, environ_base=ME).status_code == 200, path
    assert checked == []
    hub = {"hub.mode": "subscribe", "hub.topic": "http://localhost/feeds/all.atom",
           "hub.callback": "https://example.org/cb"}
    codes = [client.post("/websub", data=hub, environ_base=ME).status_code for _ in range(3)]
    assert checked == ["/websub"] * 3 and codes[-1] == 429 and 429 not in codes[:2]
    assert client.get("/board/", environ_base=ME).status_code == 200 and len(checked) == 3


@pytest.fixture
def redis_url(databases):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means no Redis here
        if databases.IN_CI or os.environ.get("FEEDSERVER_TEST_REDIS_URL"):
            raise
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    return REDIS_URL


def test_two_instances_share_one_budget_through_redis(tmp_path, redis_url, limited_app):
    shared = {"RATE_LIMIT_FEEDS": "4/minute", "RATELIMIT_REDIS_URL": redis_url,
              "RATELIMIT_PREFIX": f"feedserver-test:{uuid.uuid4().hex}"}
    one = limited_app(tmp_path, "shared.sqlite3", **shared).test_client()
    two = limited_app(tmp_path, "shared.sqlite3", **shared).test_client()
    codes = [c.get("/feeds/all.json", environ_base=ME).status_code for c in (one, two, one, two)]
    assert codes == [200, 200, 200, 200]
    # each instance alone has seen only two requests, but the shared budget is spent
    assert two.get("/feeds/all.json", environ_base=ME).status_code == 429
    assert one.get("/feeds/all.json", environ_base=ME).status_code == 429
    assert one.get("/feeds/all.json", environ_base=OTHER).status_code == 200


def test_unreachable_redis_fails_open(tmp_path, limited_app):
    app = limited_app(tmp_path, RATE_LIMIT_FEEDS="1/minute",
                      RATELIMIT_REDIS_URL="redis://127.0.0.1:1/0")
    client = app.test_client()
    assert [client.get("/feeds/all.rss").status_code for _ in range(3)] == [200, 200, 200]


# Request size limits: MAX_CONTENT_LENGTH is MAX_ATTACHMENT_BYTES plus 1 MiB of form overhead.

def test_oversize_api_body_is_413_json(staff_app, staff):
    staff_app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    body = b'{"title": "' + b"x" * (128 * 1024) + b'"}'
    response = staff_app.test_client().post("/api/v1/releases", data=body, headers=staff.bearer(staff_app),
                                            content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["status"] == 413


def test_oversize_api_upload_is_413_json(staff_app, samples, staff):
    staff_app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    client = staff_app.test_client()
    created = client.post("/api/v1/releases", headers=staff.bearer(staff_app),
                          json={"title": "크기 제한", "category": "press"}).get_json()
    response = client.post(f"/api/v1/releases/{created['id']}/attachments", headers=staff.bearer(staff_app),
                           data={"file": (io.BytesIO(samples.tiny_pdf() + b"\0" * 200_000), "큰.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 413 and response.get_json()["error"]["status"] == 413


def test_oversize_admin_form_is_413_korean_page(staff_app, staff):
    staff_app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    client = staff_app.test_client()
    staff.login(client)
    response = staff.post_form(client, "/admin/releases/new",
                               {"title": "큰 양식", "category": "press", "body": "x" * 200_000,
                                "mode": "draft"}, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "요청이 너무 큽니다" in response.get_data(as_text=True)
