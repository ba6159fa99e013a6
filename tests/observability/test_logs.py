"""No secret reaches a log: a realistic session through gunicorn and the worker, then grep every line."""
import io
import logging
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from feedserver.observability import logs
from feedserver.observability.logs import scrub

FEEDSERVER = str(Path(sys.executable).parent / "feedserver")
EMAIL = "reader.kim@example.go.kr"
HUB_SECRET = "hub-secret-7f3a9b2c5d"
CALLBACK_TOKEN = "cbtoken-91d0e2f4a6"
WRONG_PASSWORD = "wrong horse battery 42"


@pytest.fixture
def session_logs(staff_app, staff, tmp_path, servers, subscriber, websub):
    """Run a session of people and programs against gunicorn and a worker; return (logs, secrets)."""
    (tmp_path / "attachments").mkdir(exist_ok=True)
    env = {"FEEDSERVER_LOG_LEVEL": "DEBUG", "FEEDSERVER_WEBSUB_ALLOWED_CALLBACK_NETWORKS": "127.0.0.0/8"}
    web, url = servers.gunicorn(staff_app, tmp_path, "web", env=env)
    with open(tmp_path / "worker.log", "wb") as log:  # the child keeps its own copy of the handle
        worker = subprocess.Popen([FEEDSERVER, "worker"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=log,
                                  env={**os.environ, **env, "FEEDSERVER_WEBSUB_POLL_SECONDS": "0.05",
                                       "FEEDSERVER_DATABASE_URL": staff_app.config["DATABASE_URL"]})
    try:
        seen = run_session(url, staff, staff_app.config["TEST_TOKENS"]["editor"], subscriber, websub)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(20)
        web.terminate()
        web.wait(20)
    logs = (tmp_path / "web.log").read_text() + (tmp_path / "worker.log").read_text()
    return logs, seen


def run_session(url, staff, api_token, subscriber, websub):
    """Sign in (once wrongly), use the admin and the API, subscribe with a secret; return the secrets."""
    browser = requests.Session()
    form = browser.get(url + "/admin/login").text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    browser.post(url + "/admin/login", data={"csrf_token": csrf, "username": "editor",
                                             "password": WRONG_PASSWORD})
    answer = browser.post(url + "/admin/login", data={"csrf_token": csrf, "username": "editor",
                                                      "password": staff.PASSWORD})
    assert answer.status_code == 200 and "session" in browser.cookies
    assert browser.get(url + "/admin/").status_code == 200
    api = {"Authorization": f"Bearer {api_token}"}
    created = requests.post(url + "/api/v1/releases", headers=api, json={
        "title": "문의: " + EMAIL, "category": "press", "body": f"<p>{EMAIL}로 문의</p>", "status": "published"})
    assert created.status_code == 201, created.text
    assert requests.get(url + "/api/v1/releases", headers=api).status_code == 200
    # A token pasted where it does not belong (the query string) is refused, and not logged.
    assert requests.get(url + f"/api/v1/releases?token={api_token}", headers=api).status_code == 400
    assert requests.get(url + "/api/v1/releases", headers={"Authorization": "Bearer not-a-real-token-x"}
                        ).status_code == 401
    requests.get(url + f"/board/?field=all&q={EMAIL}")
    callback = subscriber.url(f"/cb?email={EMAIL}&token={CALLBACK_TOKEN}")
    hub = requests.post(url + "/websub", data={"hub.mode": "subscribe", "hub.callback": callback,
                                                "hub.topic": url + "/feeds/all.rss", "hub.secret": HUB_SECRET})
    assert hub.status_code == 202, hub.text
    websub.wait_for(lambda: subscriber.gets, timeout=15)  # the worker verified it
    return {"password": staff.PASSWORD, "wrong password": WRONG_PASSWORD, "API token": api_token,
            "session cookie": browser.cookies["session"], "CSRF token": csrf, "hub.secret": HUB_SECRET,
            "callback token": CALLBACK_TOKEN, "e-mail address": EMAIL}


def test_no_secret_in_any_log_line(session_logs):
    logs, secrets = session_logs
    assert "feedserver.requests: POST /admin/login 200" in logs  # the session was logged
    assert re.search(r"outbox job \d+ \(verify", logs)  # and so was the worker
    leaked = {name: [line for line in logs.splitlines() if value in line] for name, value in secrets.items()}
    assert {name: lines for name, lines in leaked.items() if lines} == {}
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.-]+", logs), "an e-mail address was logged"


@pytest.mark.parametrize("text", [
    f"mail {EMAIL} failed", "Authorization: Bearer abcdefgh12345678", "Cookie: session=eyJhbGciOi.xyz",
    f"POST http://cb.example/?token={CALLBACK_TOKEN}&x=1", f"hub.secret={HUB_SECRET}",
])
def test_the_scrubber_hides_what_other_code_might_log(text):
    assert not any(part in scrub(text)
                   for part in (EMAIL, "abcdefgh12345678", "eyJhbGciOi", CALLBACK_TOKEN, HUB_SECRET))


def test_an_exception_text_is_scrubbed_too():
    """A traceback quoting a callback URL or an address goes through the same scrubber."""
    logs.configure(SimpleNamespace(config={"LOG_FORMAT": "plain", "LOG_LEVEL": "INFO"}))
    [handler] = [h for h in logging.getLogger("feedserver").handlers if h.get_name() == logs.HANDLER_NAME]
    stream = io.StringIO()
    handler.setStream(stream)
    try:
        raise ConnectionError(f"POST http://cb.example/hook?token={CALLBACK_TOKEN} for {EMAIL} failed")
    except ConnectionError:
        logging.getLogger("feedserver.websub.worker").exception("delivery to %s failed", EMAIL)
    written = stream.getvalue()
    assert "ConnectionError" in written and "delivery to [redacted] failed" in written
    assert EMAIL not in written and CALLBACK_TOKEN not in written
