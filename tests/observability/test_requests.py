"""The request observer: ids, one log line per request, and the request metrics by URL rule."""
import json
import logging
import re

import pytest
from prometheus_client import REGISTRY

FEED_RULE = "/feeds/all.<any(rss, atom, json):fmt>"


def sample(name, **labels):
    """Return a metric sample of this process now (0 when never counted)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def get(client, path, **kwargs):
    """GET and close the response, as a server does once the body is sent."""
    response = client.get(path, **kwargs)
    response.close()
    return response


@pytest.fixture
def board(app, make_category, make_release):
    with app.app_context():
        news = make_category("news", "소식")
        make_release(news, title="첫 소식")
    return app


def test_a_request_id_from_nginx_is_echoed_and_logged(board, caplog):
    caplog.set_level(logging.INFO, logger="feedserver.requests")
    response = get(board.test_client(), "/board/?q=zqxjk", headers={"X-Request-ID": "0123456789abcdef"})
    assert response.headers["X-Request-ID"] == "0123456789abcdef"
    [line] = [r.getMessage() for r in caplog.records if r.name == "feedserver.requests"]
    assert line.startswith("GET /board/ 200 ")
    assert "id=0123456789abcdef route=/board/ client=127.0.0.1" in line
    assert "zqxjk" not in line  # never the query string


@pytest.mark.parametrize("given", ["", "short", "a" * 200, "bad id with spaces", "<script>x</script>",
                                   "-leading-dash-id"])
def test_a_missing_or_malformed_request_id_is_replaced(board, caplog, given):
    caplog.set_level(logging.INFO, logger="feedserver.requests")
    response = get(board.test_client(), "/board/", headers={"X-Request-ID": given})
    made = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made) and made != given
    assert f"id={made} " in caplog.records[-1].getMessage()


def test_each_answer_gets_its_own_id_even_from_the_fast_path(board):
    """The fast path keeps the headers of the answer it stores: never the id that came with them."""
    client = board.test_client()
    paths = ["/board/", "/board/", "/feeds/all.rss", "/feeds/all.rss", "/feeds/all.rss", "/nope"]
    answers = [get(client, path).headers.getlist("X-Request-ID") for path in paths]
    assert all(len(ids) == 1 for ids in answers)
    assert len({ids[0] for ids in answers}) == len(paths)


def test_the_client_address_is_the_trusted_one(tmp_path, databases, caplog):
    caplog.set_level(logging.INFO, logger="feedserver.requests")
    app = databases.build_app(tmp_path, databases.fresh_url("sqlite", tmp_path), PROXY_FIX_HOPS=1)
    try:
        get(app.test_client(), "/healthz", headers={"X-Forwarded-For": "198.51.100.7, 203.0.113.9"})
    finally:
        databases.close_database()
    assert caplog.records[-1].getMessage().endswith("client=203.0.113.9")  # one hop: nginx's view


def test_json_logs_carry_the_fields_as_keys(tmp_path, databases, capfd):
    app = databases.build_app(tmp_path, databases.fresh_url("sqlite", tmp_path), LOG_FORMAT="json")
    try:
        capfd.readouterr()
        get(app.test_client(), "/healthz", headers={"X-Request-ID": "req-0000000000001"})
    finally:
        databases.close_database()
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    [record] = [line for line in lines if line["name"] == "feedserver.requests"]
    assert {k: record[k] for k in ("level", "request_id", "route", "status", "client")} == {
        "level": "INFO", "request_id": "req-0000000000001", "route": "/healthz", "status": 200,
        "client": "127.0.0.1"}
    assert record["duration_ms"] >= 0 and isinstance(record["pid"], int)


def test_requests_are_counted_by_url_rule_never_by_raw_path(board):
    client = board.test_client()
    rule = "/feeds/category/<slug>.<any(rss, atom, json):fmt>"
    before = {status: sample("feedserver_http_requests_total", route=rule, status=status)
              for status in ("200", "404")}
    for path in ["/feeds/category/news.rss", "/feeds/category/news.atom", "/feeds/category/nope.json"]:
        get(client, path)
    assert sample("feedserver_http_requests_total", route=rule, status="200") == before["200"] + 2
    assert sample("feedserver_http_requests_total", route=rule, status="404") == before["404"] + 1
    unmatched = sample("feedserver_http_requests_total", route="<unmatched>", status="404")
    for n in range(3):
        get(client, f"/random-{n}")
    assert sample("feedserver_http_requests_total", route="<unmatched>", status="404") == unmatched + 3
    assert not [m for m in REGISTRY.collect() for s in m.samples if "random-" in str(s.labels)]


def test_fast_path_answers_and_304s_are_counted(board):
    client = board.test_client()
    hits = sample("feedserver_cache_lookups_total", cache="fastpath", result="hit")
    counted = sample("feedserver_http_requests_total", route=FEED_RULE, status="200")
    latency = sample("feedserver_http_request_duration_seconds_count", route=FEED_RULE)
    not_modified = sample("feedserver_http_not_modified_total", route=FEED_RULE)
    etag = get(client, "/feeds/all.atom").headers["ETag"]  # rendered by Flask
    get(client, "/feeds/all.atom")  # from the fast path
    assert get(client, "/feeds/all.atom", headers={"If-None-Match": etag}).status_code == 304
    assert sample("feedserver_cache_lookups_total", cache="fastpath", result="hit") == hits + 2
    assert sample("feedserver_http_requests_total", route=FEED_RULE, status="200") == counted + 2
    assert sample("feedserver_http_request_duration_seconds_count", route=FEED_RULE) == latency + 3
    assert sample("feedserver_http_not_modified_total", route=FEED_RULE) == not_modified + 1


def test_page_and_render_caches_count_hits_and_misses(board):
    client = board.test_client()
    page = sample("feedserver_cache_lookups_total", cache="page", result="hit")
    get(client, "/board/news/")
    get(client, "/board/news/")
    assert sample("feedserver_cache_lookups_total", cache="page", result="hit") == page + 1
    board.config["FEED_FAST_PATH"] = False
    render = sample("feedserver_cache_lookups_total", cache="render", result="hit")
    get(client, "/feeds/search.rss?field=title&q=소식")
    get(client, "/feeds/search.rss?field=title&q=소식")
    assert sample("feedserver_cache_lookups_total", cache="render", result="hit") == render + 1


def test_searches_are_timed(board):
    before = sample("feedserver_search_duration_seconds_count", partial="false")
    get(board.test_client(), "/board/?field=title&q=소식")
    assert sample("feedserver_search_duration_seconds_count", partial="false") == before + 1


def test_rate_limit_refusals_are_counted_by_bucket(staff_app_with):
    app = staff_app_with(RATE_LIMIT_API="2/minute")
    client = app.test_client()
    before = sample("feedserver_rate_limited_total", bucket="RATE_LIMIT_API")
    statuses = [get(client, "/api/v1/releases").status_code for _ in range(4)]
    assert statuses[-2:] == [429, 429]
    assert sample("feedserver_rate_limited_total", bucket="RATE_LIMIT_API") == before + 2


def test_metrics_and_logs_can_be_turned_off(tmp_path, databases, caplog):
    caplog.set_level(logging.INFO, logger="feedserver.requests")
    app = databases.build_app(tmp_path, databases.fresh_url("sqlite", tmp_path),
                              METRICS_ENABLED=False, REQUEST_LOG=False)
    before = sample("feedserver_http_requests_total", route="/healthz", status="200")
    try:
        response = get(app.test_client(), "/healthz")
    finally:
        databases.close_database()
    assert "X-Request-ID" not in response.headers
    assert sample("feedserver_http_requests_total", route="/healthz", status="200") == before
    assert not [r for r in caplog.records if r.name == "feedserver.requests"]


def test_a_file_the_server_sends_itself_is_handed_over_unwrapped(demo_app, caplog):
    """gunicorn sends a wsgi.file_wrapper body with sendfile; wrapped, it would read it in Python."""
    from werkzeug.test import EnvironBuilder
    from werkzeug.wsgi import FileWrapper

    from feedserver.models import Attachment, Release
    caplog.set_level(logging.INFO, logger="feedserver.requests")
    with demo_app.app_context():
        file = Attachment.select().join(Release).where(Release.status == "published").first()
        url = f"/releases/{file.release.public_id}/files/{file.id}"

    class ServerFileWrapper(FileWrapper):
        """What a server offers in wsgi.file_wrapper."""

    environ = EnvironBuilder(path=url).get_environ()
    environ["wsgi.file_wrapper"] = ServerFileWrapper
    started = []
    body = demo_app.wsgi_app(environ, lambda status, headers, exc_info=None: started.append(headers))
    try:
        assert isinstance(body, ServerFileWrapper)
        assert [v for k, v in started[0] if k == "X-Request-ID"]
        [line] = [r.getMessage() for r in caplog.records if r.name == "feedserver.requests"]
        assert f"GET {url} 200 " in line and "route=/releases/<public_id>/files/" in line
    finally:
        body.close()


def test_a_path_cannot_forge_log_lines(board, caplog):
    caplog.set_level(logging.INFO, logger="feedserver.requests")
    get(board.test_client(), "/board/%0A2026-12-01 INFO feedserver.requests: GET /admin/ 200%0D%1B[31m")
    [line] = [r.getMessage() for r in caplog.records if r.name == "feedserver.requests"]
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    assert line.startswith("GET /board/\\n2026-12-01 INFO") and " 404 " in line


def test_an_email_address_in_a_path_is_not_logged(board, caplog):
    caplog.set_level(logging.INFO, logger="feedserver.requests")
    get(board.test_client(), "/board/someone@example.com/")
    [line] = [r.getMessage() for r in caplog.records if r.name == "feedserver.requests"]
    assert "someone@example.com" not in line and "GET /board/[redacted]/ 404" in line
