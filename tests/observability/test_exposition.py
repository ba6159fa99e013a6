"""/metrics: the Prometheus text format, for the configured scraper only, never public by default."""
import pytest
from prometheus_client.parser import text_string_to_metric_families

TOKEN = "scrape-token-0123456789"


def metrics(client, **headers):
    return client.get("/metrics", headers=headers)


def families(response):
    return {f.name: f for f in text_string_to_metric_families(response.get_data(as_text=True))}


def test_metrics_are_not_public_by_default(app):
    client = app.test_client()
    for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Bearer x"}):
        response = metrics(client, **headers)
        assert response.status_code == 404
        assert b"feedserver_http_requests" not in response.get_data()


def test_a_token_opens_metrics(app):
    app.config["METRICS_TOKEN"] = TOKEN
    client = app.test_client()
    client.get("/healthz").close()
    # A labelled histogram shows once it has a child: give it one, whatever ran before.
    client.get("/board/?field=title&q=검색").close()
    assert metrics(client, Authorization=f"Bearer {TOKEN}x").status_code == 404
    assert metrics(client, Authorization=TOKEN).status_code == 404
    response = metrics(client, Authorization=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.headers["Cache-Control"] == "no-store"
    found = families(response)
    for name in ("feedserver_http_requests", "feedserver_http_request_duration_seconds",
                 "feedserver_cache_lookups", "feedserver_outbox_pending_jobs", "feedserver_mail_sent",
                 "feedserver_mail_failed", "feedserver_views_written", "feedserver_search_duration_seconds",
                 "feedserver_rate_limited", "feedserver_outbox_jobs", "feedserver_outbox_oldest_due_seconds"):
        assert name in found, name
    assert any(s.labels == {"route": "/healthz", "status": "200"} and s.value >= 1
               for s in found["feedserver_http_requests"].samples)


@pytest.mark.parametrize("forwarded, status", [("10.1.2.3", 200), ("203.0.113.5", 404),
                                               ("10.1.2.3, 203.0.113.5", 404)])
def test_an_allowed_network_is_judged_by_the_trusted_address(tmp_path, databases, forwarded, status):
    """Behind one proxy, a client cannot claim the scraper's network by adding X-Forwarded-For."""
    app = databases.build_app(tmp_path, databases.fresh_url("sqlite", tmp_path), PROXY_FIX_HOPS=1,
                              METRICS_ALLOW_NETWORKS=["10.0.0.0/8"])
    try:
        assert metrics(app.test_client(), **{"X-Forwarded-For": forwarded}).status_code == status
    finally:
        databases.close_database()


def test_allowed_networks_come_from_the_environment_too(tmp_path, databases, monkeypatch):
    monkeypatch.setenv("FEEDSERVER_METRICS_ALLOW_NETWORKS", "192.0.2.0/24, 127.0.0.1/32")
    app = databases.build_app(tmp_path, databases.fresh_url("sqlite", tmp_path))
    try:
        assert metrics(app.test_client()).status_code == 200
    finally:
        databases.close_database()


def test_a_malformed_network_stops_the_start(tmp_path, databases):
    with pytest.raises(ValueError):
        databases.build_app(tmp_path, databases.fresh_url("sqlite", tmp_path),
                            METRICS_ALLOW_NETWORKS=["10.0.0.0/33"])
