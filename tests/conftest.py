"""Fixtures shared by every test folder: apps on each database backend, the demo and staff boards,
live servers, Chromium, and the helpers a test asks for by name.

Helpers are fixtures too, so a test names what it uses in its signature and no test module
imports tests.support (tests/test_layout.py):
- `make_category`, `make_release`: factories writing rows straight to the models;
- `html` (page, texts, board_rows), `staff` (PASSWORD, login, post_form, bearer, actions, ...),
  `samples` (tiny_pdf, tiny_png, zip_bytes), `websub` (Subscriber, running_worker, wait_for, ...),
  `databases` (build_app, close_database, SERVER_URLS, ...), `servers` (free_port, gunicorn),
  `mail` (SmtpServer, link, path_of; the `smtp` fixture runs one): the modules of tests/support,
  one namespace per concern;
- `private_postgres`: a PostgreSQL server of the test's own, to stop and start (tests/support/postgres.py).
A folder's own conftest.py adds what only its tests use (web/: `crawl`; browser/: the host site).
"""
import os
import shutil
from pathlib import Path

import pytest

from feedserver.db import make_database
from feedserver.publishing.demo import seed_demo
from tests.support import axe as axe_module
from tests.support import clipboard as clipboard_module
from tests.support import databases as databases_module
from tests.support import html as html_module
from tests.support import mail as mail_module
from tests.support import postgres as postgres_module
from tests.support import releases
from tests.support import samples as samples_module
from tests.support import servers as servers_module
from tests.support import staff as staff_module
from tests.support import websub as websub_module
from tests.support.databases import (
    BACKENDS,
    IN_CI,
    SERVER_URLS,
    build_app,
    close_database,
    fresh_url,
)


def pytest_sessionstart(session):
    """Fail the run loudly when a database that was asked for is unreachable; under xdist,
    create this worker's own databases beside it (tests/support/databases.py)."""
    for name, url in databases_module.GIVEN_URLS.items():
        if url:
            _reachable(name, url)
    databases_module.create_own_databases()
    for name, url in SERVER_URLS.items():
        if url and url != databases_module.GIVEN_URLS[name]:
            _reachable(name, url)


def _reachable(name, url):
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


def pytest_generate_tests(metafunc):
    """@pytest.mark.backends("sqlite", "postgresql"): run once per listed backend that is configured."""
    marker = metafunc.definition.get_closest_marker("backends")
    if marker is not None:
        metafunc.parametrize("backend", [name for name in marker.args if name in BACKENDS])


# Helpers, one namespace per concern (tests/support).

@pytest.fixture
def clipboard():
    """HTML as Hangul and Word put it on the clipboard, and mixed typed lines."""
    return clipboard_module


@pytest.fixture
def databases():
    """build_app, fresh_url, backend_url, close_database, reset_server_database, SERVER_URLS, IN_CI."""
    return databases_module


@pytest.fixture
def servers():
    """free_port(), gunicorn(app, tmp_path, name) -> (process, url), LiveServer."""
    return servers_module


@pytest.fixture
def html():
    """page(response) -> lxml tree, texts(tree, xpath), board_rows(tree)."""
    return html_module


@pytest.fixture
def staff():
    """PASSWORD, FAST_HASH, CLI, seed_staff, login, form_token, post_form, bearer, actions."""
    return staff_module


@pytest.fixture
def samples():
    """tiny_pdf(), tiny_png(), zip_bytes({name: bytes}), hangul_files([paragraph, ...])."""
    return samples_module


@pytest.fixture
def websub():
    """FAST, ACTOR, Subscriber, running_worker, wait_for, drained, subscribe, subscribed, publish, edit."""
    return websub_module


@pytest.fixture
def axe():
    """axe(page) -> axe-core's serious and critical violations (the context needs bypass_csp)."""
    return axe_module.violations


@pytest.fixture
def mail():
    """Sink, SmtpServer, link(message, pattern), path_of(url): e-mail through a real SMTP server."""
    return mail_module


@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd) on 127.0.0.1: .sink holds what it accepted, .config the settings."""
    server = mail_module.SmtpServer()
    yield server
    server.stop()


@pytest.fixture
def make_category():
    """make_category(slug="news", name="소식") inside an app context."""
    return releases.make_category


@pytest.fixture
def make_release():
    """make_release(category, title=..., body=..., status=..., published_at=...) inside an app context."""
    return releases.make_release


@pytest.fixture
def private_postgres():
    """A PostgreSQL server of the test's own (stop() / start() it freely); skips without initdb."""
    bindir = postgres_module.binaries()
    if bindir is None:
        pytest.skip("initdb not found in /usr/lib/postgresql/*/bin (apt-get install postgresql)")
    server = postgres_module.PrivatePostgres(bindir)
    yield server
    server.destroy()


@pytest.fixture
def subscriber():
    """A real WebSub subscriber HTTP server on 127.0.0.1, stopped after the test."""
    server = websub_module.Subscriber()
    yield server
    server.stop()


# Apps and their databases.

@pytest.fixture
def app(tmp_path):
    """An empty, migrated app on SQLite."""
    app = build_app(tmp_path, fresh_url("sqlite", tmp_path))
    yield app
    close_database()


@pytest.fixture(params=BACKENDS)
def db_app(request, tmp_path):
    """An empty, migrated app on every configured backend."""
    app = build_app(tmp_path, fresh_url(request.param, tmp_path))
    app.config["BACKEND"] = request.param
    yield app
    close_database()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """Seed the demo board once into a SQLite file that tests copy."""
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


@pytest.fixture(scope="session")
def staff_template(tmp_path_factory):
    """Migrate and seed the staff database once into a SQLite file that tests copy."""
    folder = tmp_path_factory.mktemp("staff")
    app = staff_module.seed_staff(build_app(folder, "sqlite:///" + str(folder / "staff.sqlite3")))
    close_database()
    return folder / "staff.sqlite3", app.config["TEST_TOKENS"]


@pytest.fixture
def staff_app(tmp_path, staff_template):
    """An SQLite app with categories press/notice, users admin/editor and their tokens."""
    template, tokens = staff_template
    shutil.copy(template, tmp_path / "test.sqlite3")
    app = build_app(tmp_path, "sqlite:///" + str(tmp_path / "test.sqlite3"))
    app.config.update(PASSWORD_HASH_METHOD=staff_module.FAST_HASH, TEST_TOKENS=tokens)
    yield app
    close_database()


@pytest.fixture
def staff_app_with(tmp_path, staff_template):
    """Build staff_app with extra settings, for settings create_app reads once (rate limits)."""
    def build(**config):
        template, tokens = staff_template
        shutil.copy(template, tmp_path / "test.sqlite3")
        app = build_app(tmp_path, "sqlite:///" + str(tmp_path / "test.sqlite3"), **config)
        app.config.update(PASSWORD_HASH_METHOD=staff_module.FAST_HASH, TEST_TOKENS=tokens)
        return app
    yield build
    close_database()


@pytest.fixture
def staff_db_app(db_app):
    """staff_app on every configured database backend."""
    return staff_module.seed_staff(db_app)


# Live servers and Chromium.

@pytest.fixture
def live_server(demo_app):
    """Serve the demo board over real HTTP; yields a LiveServer with .url."""
    server = servers_module.LiveServer(demo_app)
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
    path = Path(__file__).resolve().parent.parent / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path

