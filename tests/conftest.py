"""Fixtures: apps on SQLite and, when their URLs are set, on PostgreSQL and MariaDB."""
import os
import shutil
from urllib.parse import urlparse

import pytest

from feedserver import create_app
from feedserver.db import database, make_database

SERVER_URLS = {
    "postgresql": os.environ.get("FEEDSERVER_TEST_POSTGRES_URL", ""),
    "mysql": os.environ.get("FEEDSERVER_TEST_MYSQL_URL", ""),
}
BACKENDS = ["sqlite"] + [name for name, url in SERVER_URLS.items() if url]
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_sessionstart(session):
    """Fail the run loudly when a database that was asked for is unreachable."""
    for name, url in SERVER_URLS.items():
        if not url:
            continue
        db = make_database(url, pool_size=1)
        try:
            db.connect()
            db.execute_sql("SELECT 1")
            db.close()
        except Exception as exc:  # noqa: BLE001 - any failure means unreachable
            raise pytest.UsageError(f"{name} test database {url} is unreachable: {exc}")


def pytest_terminal_summary(terminalreporter):
    missing = [name for name, url in SERVER_URLS.items() if not url]
    for name in missing:
        env = "FEEDSERVER_TEST_POSTGRES_URL" if name == "postgresql" else "FEEDSERVER_TEST_MYSQL_URL"
        terminalreporter.write_line(f"NOTE: {name} backend not tested: set {env} to include it.")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and call.excinfo is not None:
        report.outcome = "failed"
        report.longrepr = f"skipped in CI (CI=true), which counts as a failure: {call.excinfo.value}"


def reset_server_database(url):
    """Drop every table of a PostgreSQL or MariaDB test database."""
    db = make_database(url, pool_size=1)
    db.connect()
    if urlparse(url).scheme.startswith("postgres"):
        db.execute_sql("DROP SCHEMA public CASCADE")
        db.execute_sql("CREATE SCHEMA public")
    else:
        db.execute_sql("SET FOREIGN_KEY_CHECKS = 0")
        for (table,) in db.execute_sql("SHOW TABLES").fetchall():
            db.execute_sql(f"DROP TABLE `{table}`")
        db.execute_sql("SET FOREIGN_KEY_CHECKS = 1")
    db.close()


def close_database():
    """Close the bound database and every pooled connection."""
    obj = database.obj
    if obj is None:
        return
    if not obj.is_closed():
        obj.close()
    if hasattr(obj, "close_all"):
        obj.close_all()


def build_app(tmp_path, url, **extra):
    """Create a migrated app on `url` with files under tmp_path."""
    from feedserver.migrate import migrate
    close_database()
    config = {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret",
              "ATTACHMENT_DIR": str(tmp_path / "attachments"), "BASE_URL": "",
              "WTF_CSRF_ENABLED": True, **extra}
    app = create_app(config)
    with app.app_context():
        migrate()
    return app


def backend_url(name, tmp_path):
    if name == "sqlite":
        return "sqlite:///" + str(tmp_path / "test.sqlite3")
    reset_server_database(SERVER_URLS[name])
    return SERVER_URLS[name]


@pytest.fixture
def app(tmp_path):
    """An empty, migrated app on SQLite."""
    app = build_app(tmp_path, backend_url("sqlite", tmp_path))
    yield app
    close_database()


@pytest.fixture(params=BACKENDS)
def db_app(request, tmp_path):
    """An empty, migrated app on every configured backend."""
    app = build_app(tmp_path, backend_url(request.param, tmp_path))
    app.config["BACKEND"] = request.param
    yield app
    close_database()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """Seed the demo board once into a SQLite file that tests copy."""
    from feedserver.publishing.demo import seed_demo
    folder = tmp_path_factory.mktemp("demo")
    app = build_app(folder, "sqlite:///" + str(folder / "demo.sqlite3"))
    with app.app_context():
        seed_demo(attachment_dir=str(folder / "attachments"))
    close_database()
    return folder


@pytest.fixture
def demo_app(tmp_path, demo_template):
    """A fresh copy of the seeded demo board on SQLite."""
    shutil.copy(demo_template / "demo.sqlite3", tmp_path / "test.sqlite3")
    shutil.copytree(demo_template / "attachments", tmp_path / "attachments")
    app = build_app(tmp_path, "sqlite:///" + str(tmp_path / "test.sqlite3"))
    yield app
    close_database()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def demo_client(demo_app):
    return demo_app.test_client()


class LiveServer:
    """A real HTTP server for an app, in a thread, on a free port of 127.0.0.1."""

    def __init__(self, app):
        import threading

        from werkzeug.serving import make_server
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def live_server(demo_app):
    """Serve the demo board over real HTTP; yields a LiveServer with .url."""
    server = LiveServer(demo_app)
    demo_app.config["BASE_URL"] = ""
    yield server
    server.stop()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright; skips (fails in CI) without it."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(browser):
    """A fresh browser context and page; records console errors and dialogs."""
    context = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul")
    page = context.new_page()
    page.console_errors = []
    page.dialogs = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts_dir():
    """Folder for screenshots kept as test artefacts."""
    from pathlib import Path
    path = Path(__file__).resolve().parent.parent / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="session")
def staff_template(tmp_path_factory):
    """Migrate and seed the staff database once into a SQLite file that tests copy."""
    from publishing_helpers import seed_staff
    folder = tmp_path_factory.mktemp("staff")
    app = seed_staff(build_app(folder, "sqlite:///" + str(folder / "staff.sqlite3")))
    close_database()
    return folder / "staff.sqlite3", app.config["TEST_TOKENS"]


@pytest.fixture
def staff_app(tmp_path, staff_template):
    """An SQLite app with categories press/notice, users admin/editor and their tokens."""
    from publishing_helpers import FAST_HASH
    template, tokens = staff_template
    shutil.copy(template, tmp_path / "test.sqlite3")
    app = build_app(tmp_path, "sqlite:///" + str(tmp_path / "test.sqlite3"))
    app.config.update(PASSWORD_HASH_METHOD=FAST_HASH, TEST_TOKENS=tokens)
    yield app
    close_database()


@pytest.fixture
def staff_app_with(tmp_path, staff_template):
    """Build staff_app with extra settings, for settings create_app reads once (rate limits)."""
    from publishing_helpers import FAST_HASH

    def build(**config):
        template, tokens = staff_template
        shutil.copy(template, tmp_path / "test.sqlite3")
        app = build_app(tmp_path, "sqlite:///" + str(tmp_path / "test.sqlite3"), **config)
        app.config.update(PASSWORD_HASH_METHOD=FAST_HASH, TEST_TOKENS=tokens)
        return app
    yield build
    close_database()


@pytest.fixture
def staff_db_app(db_app):
    """staff_app on every configured database backend."""
    from publishing_helpers import seed_staff
    return seed_staff(db_app)
