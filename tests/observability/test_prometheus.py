"""Debian's Prometheus scrapes a running instance with the shipped settings and finds our counters."""
import json
import os
import shutil
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

TOKEN = "prometheus-scrape-token"
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"


def api(url, query):
    """Return the result of an instant query through Prometheus's HTTP API."""
    address = f"{url}/api/v1/query?" + urllib.parse.urlencode({"query": query})
    with urllib.request.urlopen(address, timeout=5) as answer:
        payload = json.load(answer)
    assert payload["status"] == "success"
    return payload["data"]["result"]


@pytest.fixture
def prometheus(tmp_path, servers):
    """Start a Prometheus that scrapes the given target every second; yield a starter."""
    if not os.path.exists(PROMETHEUS):
        pytest.skip("prometheus not installed (apt-get install prometheus)")
    started = []

    def start(target):
        port = servers.free_port()
        (tmp_path / "prometheus.yml").write_text(f"""
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: feedserver
    authorization:
      type: Bearer
      credentials: {TOKEN}
    static_configs:
      - targets: ["{target}"]
""")
        with open(tmp_path / "prometheus.log", "wb") as log:  # the child keeps its own handle
            process = subprocess.Popen(
                [PROMETHEUS, f"--config.file={tmp_path / 'prometheus.yml'}",
                 f"--storage.tsdb.path={tmp_path / 'tsdb'}", f"--web.listen-address=127.0.0.1:{port}"],
                stdout=subprocess.DEVNULL, stderr=log)
        started.append(process)
        return f"http://127.0.0.1:{port}"
    yield start
    for process in started:
        process.terminate()
        process.wait(20)


def test_prometheus_scrapes_the_instance_and_reads_a_counter(app, tmp_path, servers, prometheus):
    (tmp_path / "attachments").mkdir(exist_ok=True)
    web, url = servers.gunicorn(app, tmp_path, "web", env={"FEEDSERVER_METRICS_TOKEN": TOKEN})
    try:
        for _ in range(7):
            urllib.request.urlopen(url + "/readyz", timeout=5).read()
        base = prometheus(url.removeprefix("http://"))
        query = 'sum(feedserver_http_requests_total{route="/readyz",status="200"})'
        deadline, found = time.monotonic() + 60, []
        while time.monotonic() < deadline:
            try:
                found = api(base, query)
            except OSError:  # still starting
                found = []
            if found and float(found[0]["value"][1]) >= 7:  # the last may be counted just after
                break
            time.sleep(0.5)
        assert found, (tmp_path / "prometheus.log").read_text()[-2000:]
        assert float(found[0]["value"][1]) == 7
        [up] = api(base, 'up{job="feedserver"}')
        assert up["value"][1] == "1"
    finally:
        web.terminate()
        web.wait(15)
