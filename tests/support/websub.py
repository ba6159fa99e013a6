"""A real WebSub subscriber on 127.0.0.1, an in-process worker, and small waits."""
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from feedserver.admin.accounts import create_user
from feedserver.models import OutboxJob, Subscription, utcnow
from feedserver.publishing import releases as publishing
from feedserver.publishing.audit import Actor
from feedserver.publishing.tokens import issue_token
from feedserver.websub.worker import Worker

ACTOR = Actor(None, "cli", name="websub-test")
# The subscribers below live on 127.0.0.1 (and 127.0.0.2): the suite allows loopback, which
# the default settings refuse.
LOOPBACK = ["127.0.0.0/8", "::1/128"]
FAST = {"WEBSUB_POLL_SECONDS": 0.05, "WEBSUB_DELIVERY_TIMEOUT": 1.0, "WEBSUB_RETRY_SECONDS": 1,
        "WEBSUB_MAX_ATTEMPTS": 3, "WEBSUB_WORKER_THREADS": 4, "WEBSUB_JOB_LEASE_SECONDS": 5,
        "WEBSUB_LEASE_MIN_SECONDS": 1, "WEBSUB_ALLOWED_CALLBACK_NETWORKS": LOOPBACK}


class Subscriber:
    """Answers challenges and records deliveries; the path picks a behaviour.

    GET  /wrong... echoes a wrong challenge, /refuse... answers 404, /dripget... drips its
         headers a byte at a time, /dripbody... its body, /big... answers 1 MB, /moved...
         redirects to /echo (same query), else echoes hub.challenge.
    POST /hang... sleeps past the hub's timeout, /fail... answers 500, /slow... takes 0.3 s,
         /reject... answers 400, /drip... drips its headers, /moved... and /postmoved...
         redirect to /internal.
    """

    DRIP_SECONDS = 0.2  # a byte this often: no per-read timeout ever fires
    DRIP_LIMIT = 15  # then the drip ends, so a hub without a total deadline is slow, not stuck

    def __init__(self, host="127.0.0.1"):
        self.posts, self.gets, self.hosts = [], [], []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.dripping = self.most_dripping = 0  # answers dripping now, and at most at once
        subscriber = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                with subscriber.lock:
                    subscriber.gets.append((parts.path, query))
                    subscriber.hosts.append(self.headers["Host"])
                if parts.path.startswith("/refuse"):
                    return self._answer(404, b"no")
                if parts.path.startswith("/dripget"):
                    return self._drip(b"HTTP/1.1 200 OK\r\nX-Drip: ")
                if parts.path.startswith("/dripbody"):
                    return self._drip(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
                if parts.path.startswith("/big"):
                    return self._answer(200, b"x" * 1_000_000)
                if parts.path.startswith("/moved"):
                    return self._answer(302, b"", f"/echo?{parts.query}")
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
                if self.path.startswith("/drip"):
                    return self._drip(b"HTTP/1.1 200 OK\r\nX-Drip: ")
                if self.path.startswith(("/moved", "/postmoved")):
                    return self._answer(302, b"", "/internal")
                refused = self.path.startswith("/reject")
                self._answer(500 if self.path.startswith("/fail") else 400 if refused else 200, b"ok")

            def _answer(self, status, body, location=None):
                try:
                    self.send_response(status)
                    if location:
                        self.send_header("Location", subscriber.base + location)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the hub gave up waiting: expected for /hang
                    pass

            def _drip(self, head):
                """Send head, then one byte at a time until DRIP_LIMIT: the answer never ends."""
                ends = time.monotonic() + subscriber.DRIP_LIMIT
                with subscriber.lock:
                    subscriber.dripping += 1
                    subscriber.most_dripping = max(subscriber.most_dripping, subscriber.dripping)
                try:
                    self.wfile.write(head)
                    self.wfile.flush()
                    while (not subscriber.stopping.wait(subscriber.DRIP_SECONDS)
                           and time.monotonic() < ends):
                        self.wfile.write(b"a")
                        self.wfile.flush()
                except OSError:  # the hub cut the connection: what a deadline should do
                    pass
                finally:
                    with subscriber.lock:
                        subscriber.dripping -= 1
                self.close_connection = True

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.base = f"http://{host}:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path):
        return self.base + path

    def received(self, path):
        """Return the deliveries to one callback path as (headers, body, monotonic time)."""
        with self.lock:
            return [(h, b, t) for p, h, b, t in self.posts if p == path]

    def stop(self):
        self.stopping.set()
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


def subscribe(client, topic, callback, environ_base=None, **extra):
    """Send a subscription request to the built-in hub; return the response."""
    form = {"hub.mode": "subscribe", "hub.topic": topic, "hub.callback": callback, **extra}
    return client.post("/websub", data=form, environ_base=environ_base or {})


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
    """Update a release through the publishing service."""
    with app.app_context():
        fresh = type(release).get_by_id(release.id)
        return publishing.update_release(fresh, fields, ACTOR)


def api_headers(app):
    """Create an editor with an API token; return the Authorization header for /api/v1."""
    with app.app_context():
        user = create_user("websub-editor", "correct horse battery staple")
        _, secret = issue_token(user, "websub", ACTOR)
    return {"Authorization": f"Bearer {secret}"}


class Sink:
    """An HTTP/1.1 subscriber that keeps connections alive, counts them and records POSTs.

    delay: seconds each POST takes; close_quietly: drop the connection after each answer
    without saying so (what a subscriber's idle timeout does to a kept-alive connection).
    """

    def __init__(self, host="127.0.0.1", delay=0.0, close_quietly=False):
        self.posts, self.connections = [], 0
        self.lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                with sink.lock:
                    sink.connections += 1

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if delay:
                    time.sleep(delay)
                with sink.lock:
                    sink.posts.append((self.path, dict(self.headers), body))
                status = 500 if self.path.startswith("/fail") else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                self.close_connection = close_quietly

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.server.handle_error = lambda *_: None  # a killed worker's reset connection is expected
        self.base = f"http://{host}:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path):
        return self.base + path

    def count(self, path=None):
        """Return how many POSTs arrived (at one path)."""
        with self.lock:
            return sum(path is None or p == path for p, _, _ in self.posts)

    def by_path(self):
        """Return {path: [(headers, body), ...]}."""
        out = {}
        with self.lock:
            for path, headers, body in self.posts:
                out.setdefault(path, []).append((headers, body))
        return out

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def add_subscriptions(app, category, callbacks, secret_every=2):
    """Store verified subscriptions of a category's Atom feed directly (no verification round)."""
    from datetime import timedelta

    from feedserver.websub.netguard import host_key
    from feedserver.websub.topics import subscription_ident
    topic = f"http://localhost/feeds/category/{category.slug}.atom"
    rows = [{"ident": subscription_ident(topic, callback), "topic": topic,
             "feed_key": f"cat:{category.id}", "callback": callback,
             "secret": f"secret-{n}" if secret_every and n % secret_every == 0 else None,
             "lease_seconds": 3600, "expires_at": utcnow() + timedelta(hours=1),
             "callback_host": host_key(callback)} for n, callback in enumerate(callbacks)]
    with app.app_context():
        for start in range(0, len(rows), 200):
            Subscription.insert_many(rows[start:start + 200]).execute()
    return {row["callback"]: row["secret"] for row in rows}
