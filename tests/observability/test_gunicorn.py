"""Metrics and logs of a real gunicorn with several workers: sums over every worker, ids in lines."""
import re
import signal
import socket
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from prometheus_client.parser import text_string_to_metric_families

TOKEN = "scrape-token-for-gunicorn"
FEED_RULE = "/feeds/all.<any(rss, atom, json):fmt>"


def fetch(url, headers=None):
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as answer:
        return answer.status, answer.headers, answer.read()


def scrape(url):
    """Return {(name, labels as a sorted tuple): value} from /metrics."""
    _, _, body = fetch(url + "/metrics", {"Authorization": f"Bearer {TOKEN}"})
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body.decode()) for s in family.samples}


def value(scraped, name, **labels):
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)


def grown(now, before, wanted):
    """Return `now` once each route's 200s grew by at least its count since `before`, else None.

    A request is counted once its body is sent, so the last ones may land just after the client
    has its answer.
    """
    name = "feedserver_http_requests_total"
    done = all(value(now, name, route=route, status="200") - value(before, name, route=route, status="200")
               >= count for route, count in wanted.items())
    return now if done else None


@pytest.fixture
def served(app, tmp_path, servers, make_category, make_release):
    with app.app_context():
        make_release(make_category("news", "소식"), title="여러 작업자")
    (tmp_path / "attachments").mkdir(exist_ok=True)
    # Each worker retires after 10 requests: the figures must add up over every worker that
    # ever served, the retired ones included, however the kernel spreads the connections.
    process, url = servers.gunicorn(app, tmp_path, "web", workers=3, env={"FEEDSERVER_METRICS_TOKEN": TOKEN},
                                    args=("--max-requests", "10", "--max-requests-jitter", "0"))
    yield url, tmp_path / "web.log"
    process.terminate()
    process.wait(15)


def test_metrics_add_up_every_gunicorn_worker(served, websub):
    url, log = served
    before = scrape(url)
    paths = ["/board/news/"] * 40 + ["/feeds/all.rss"] * 30  # routes the start-up check does not ask
    with ThreadPoolExecutor(6) as pool:  # concurrent, so every worker takes some
        statuses = list(pool.map(lambda path: fetch(url + path)[0], paths))
    assert statuses == [200] * 70
    after = websub.wait_for(lambda: grown(scrape(url), before, {"/board/<slug>/": 40, FEED_RULE: 30}),
                            timeout=10)
    websub.wait_for(lambda: log.read_text().count("GET /board/news/ 200") == 40, timeout=10)
    served_by = {int(pid) for pid in re.findall(r"\[(\d+)\] feedserver\.requests: GET /board/news/ 200",
                                                log.read_text())}
    assert len(served_by) >= 4, "40 requests at most 10 a worker: at least 4 workers served them"
    for name, labels, expected in [
        ("feedserver_http_requests_total", {"route": "/board/<slug>/", "status": "200"}, 40),
        ("feedserver_http_requests_total", {"route": FEED_RULE, "status": "200"}, 30),
        ("feedserver_http_request_duration_seconds_count", {"route": "/board/<slug>/"}, 40),
    ]:
        assert value(after, name, **labels) - value(before, name, **labels) == expected, name
    lookups = sum(value(after, "feedserver_cache_lookups_total", cache="fastpath", result=r)
                  - value(before, "feedserver_cache_lookups_total", cache="fastpath", result=r)
                  for r in ("hit", "miss"))
    assert lookups == 30


def test_a_request_id_is_in_its_log_line(served, websub):
    url, log = served
    status, headers, _ = fetch(url + "/board/news/?page=1", {"X-Request-ID": "nginx-req-4f2a9c"})
    assert (status, headers["X-Request-ID"]) == (200, "nginx-req-4f2a9c")
    _, headers, _ = fetch(url + "/feeds/all.atom")
    made = headers["X-Request-ID"]

    def lines_with(text):
        return [line for line in log.read_text().splitlines() if text in line]
    # A line is written once the body is sent: the client may read it first.
    [given_line] = websub.wait_for(lambda: lines_with("id=nginx-req-4f2a9c "), timeout=10)
    assert "GET /board/news/ 200" in given_line and "route=/board/<slug>/" in given_line
    assert "client=127.0.0.1" in given_line
    [made_line] = websub.wait_for(lambda: lines_with(f"id={made} "), timeout=10)
    assert "GET /feeds/all.atom 200" in made_line
    assert not lines_with("page=1")


def test_gunicorn_serves_the_sums_on_a_bind_of_their_own(app, tmp_path, servers, websub):
    """FEEDSERVER_METRICS_BIND: the master answers the scraper; the public port keeps /metrics shut."""
    (tmp_path / "attachments").mkdir(exist_ok=True)
    port = servers.free_port()
    process, url = servers.gunicorn(app, tmp_path, "web", env={"FEEDSERVER_METRICS_BIND": f"127.0.0.1:{port}"})
    try:
        for _ in range(5):
            fetch(url + "/healthz")

        def scraped():
            _, _, body = fetch(f"http://127.0.0.1:{port}/metrics")
            return {(s.name, tuple(sorted(s.labels.items()))): s.value
                    for f in text_string_to_metric_families(body.decode()) for s in f.samples}
        samples = websub.wait_for(lambda: grown(scraped(), {}, {"/healthz": 5}), timeout=10)
        assert value(samples, "feedserver_http_requests_total", route="/healthz", status="200") == 5
        with pytest.raises(urllib.error.HTTPError) as refused:
            fetch(url + "/metrics")
        assert refused.value.code == 404
    finally:
        process.terminate()
        process.wait(15)


def test_sigterm_lets_a_request_in_flight_finish(app, tmp_path, servers):
    """gunicorn as shipped: a stopping worker still answers the request it is reading."""
    process, url = servers.gunicorn(app, tmp_path, "web", workers=1)
    body = b"hub.mode=subscribe&hub.topic=x&hub.callback=y"
    try:
        with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=10) as conn:
            conn.sendall(b"POST /websub HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                         b"Content-Type: application/x-www-form-urlencoded\r\n"
                         b"Content-Length: %d\r\n\r\n" % len(body) + body[:10])
            time.sleep(0.5)  # the worker is reading the body now
            process.send_signal(signal.SIGTERM)
            time.sleep(1)
            conn.sendall(body[10:])
            answer = conn.recv(65536)
        assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]  # the hub's answer, not a reset
        assert process.wait(25) == 0
    finally:
        process.kill()
