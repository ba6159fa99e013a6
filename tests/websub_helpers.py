"""A real WebSub subscriber on 127.0.0.1, an in-process worker, and small waits."""
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from feedserver import publishing
from feedserver.audit import Actor
from feedserver.models import OutboxJob, Subscription, utcnow
from feedserver.worker import Worker

ACTOR = Actor(None, "cli", name="websub-test")
FAST = {"WEBSUB_POLL_SECONDS": 0.05, "WEBSUB_DELIVERY_TIMEOUT": 1.0, "WEBSUB_RETRY_SECONDS": 1,
        "WEBSUB_MAX_ATTEMPTS": 3, "WEBSUB_WORKER_THREADS": 4, "WEBSUB_JOB_LEASE_SECONDS": 5,
        "WEBSUB_LEASE_MIN_SECONDS": 1}


class Subscriber:
    """Answers challenges and records deliveries; the path picks a behaviour.

    GET  /wrong... echoes a wrong challenge, /refuse... answers 404, else echoes hub.challenge.
    POST /hang... sleeps past the hub's timeout, /fail... answers 500, /slow... takes 0.3 s.
    """

    def __init__(self):
        self.posts, self.gets = [], []
        self.lock = threading.Lock()
        subscriber = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                with subscriber.lock:
                    subscriber.gets.append((parts.path, query))
                if parts.path.startswith("/refuse"):
                    return self._answer(404, b"no")
                challenge = query.get("hub.challenge", "")
                self._answer(200, b"nope" if parts.path.startswith("/wrong") else challenge.encode())

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path.startswith("/hang"):
                    time.sleep(3)
                elif self.path.startswith("/slow"):
                    time.sleep(0.3)
                with subscriber.lock:
                    subscriber.posts.append((self.path, dict(self.headers), body, time.monotonic()))
                self._answer(500 if self.path.startswith("/fail") else 200, b"ok")

            def _answer(self, status, body):
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the hub gave up waiting: expected for /hang
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path):
        return self.base + path

    def received(self, path):
        """Return the deliveries to one callback path as (headers, body, monotonic time)."""
        with self.lock:
            return [(h, b, t) for p, h, b, t in self.posts if p == path]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def running_worker(app, name=None):
    """Run a Worker in a thread for the duration of the block."""
    worker = Worker(app, name)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        worker.stop()
        thread.join(15)


def wait_for(predicate, timeout=10.0, step=0.05):
    """Poll predicate until it is truthy; return its value or fail after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(step)


def drained(app):
    """Tell whether no outbox job is due or running (future ones do not count)."""
    with app.app_context():
        return not OutboxJob.select().where(OutboxJob.status == "pending",
                                            OutboxJob.available_at <= utcnow()).exists()


def subscribe(client, topic, callback, **extra):
    """Send a subscription request to the built-in hub; return the response."""
    form = {"hub.mode": "subscribe", "hub.topic": topic, "hub.callback": callback, **extra}
    return client.post("/websub", data=form)


def subscribed(app, callback):
    """Wait until the hub stored the subscription of a callback; return it."""
    def find():
        with app.app_context():
            return Subscription.get_or_none(Subscription.callback == callback)
    return wait_for(find)


def publish(app, category, title, **fields):
    """Create a release through the publishing service, as the admin and the API do."""
    values = {"title": title, "category": category, "author": "경기지기",
              "body_html": "<p>본문입니다.</p>", "status": "published", "published_at": utcnow()}
    values.update(fields)
    with app.app_context():
        return publishing.create_release(values, ACTOR)


def edit(app, release, **fields):
    with app.app_context():
        fresh = type(release).get_by_id(release.id)
        return publishing.update_release(fresh, fields, ACTOR)


def api_headers(app):
    """Create an editor with an API token; return the Authorization header for /api/v1."""
    from feedserver.accounts import create_user
    from feedserver.api_auth import issue_token
    with app.app_context():
        user = create_user("websub-editor", "correct horse battery staple")
        _, secret = issue_token(user, "websub", ACTOR)
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def subscriber():
    """A real subscriber HTTP server on 127.0.0.1, stopped after the test."""
    server = Subscriber()
    yield server
    server.stop()
