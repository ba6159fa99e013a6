"""Two app instances on one database never serve content older than the last write."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import feedparser
import lxml.html

ROOT = Path(__file__).resolve().parent.parent


def _port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _instance(app, tmp_path, name):
    """Start a real gunicorn (as shipped) on the app's database; return (process, url)."""
    port = _port()
    env = {**os.environ, "FEEDSERVER_DATABASE_URL": app.config["DATABASE_URL"],
           "FEEDSERVER_ATTACHMENT_DIR": str(tmp_path / "attachments"), "FEEDSERVER_SECRET_KEY": "x"}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--config", str(ROOT / "deploy/gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}", "--workers", "2", "--access-logfile", "/dev/null", "wsgi:app"],
        cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / f"{name}.log", "wb"))
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/board/", timeout=2)
            return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError((tmp_path / f"{name}.log").read_text())


def _get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.read()


def _publish(url, token, title):
    body = json.dumps({"title": title, "category": "press", "body": "<p>본문</p>",
                       "status": "published"}).encode()
    request = urllib.request.Request(url + "/api/v1/releases", data=body, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 201


def test_write_through_a_is_read_at_once_through_b(staff_db_app, tmp_path):
    app = staff_db_app
    a, url_a = _instance(app, tmp_path, "a")
    b, url_b = _instance(app, tmp_path, "b")
    try:
        token = app.config["TEST_TOKENS"]["editor"]
        _publish(url_a, token, "첫 보도자료")
        for _ in range(3):  # warm every cache of instance B, in both workers
            for path in ("/feeds/all.rss", "/feeds/category/press.json", "/board/press/"):
                _get(url_b + path)
        for n in range(5):
            title = f"인스턴스 A에서 쓴 보도자료 {n}"
            _publish(url_a, token, title)
            feed = json.loads(_get(url_b + "/feeds/category/press.json"))
            assert feed["items"][0]["title"] == title
            rss = feedparser.parse(_get(url_b + "/feeds/all.rss", {"Accept-Encoding": "identity"}))
            assert rss.bozo == 0 and rss.entries[0].title == title
            board = lxml.html.fromstring(_get(url_b + "/board/press/"))
            assert board.xpath("string(//td[@class='col-title']/a)") == title
            found = lxml.html.fromstring(_get(url_b + "/board/press/?field=title&q=" +
                                              urllib.request.quote(f"보도자료 {n}")))
            assert found.xpath("string(//td[@class='col-title']/a)") == title
    finally:
        for process in (a, b):
            process.terminate()
            process.wait(10)
