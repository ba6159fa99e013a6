"""/healthz and /readyz: cheap, never cached or rate-limited, 503 with a reason when not ready."""
import pytest

from feedserver.migrate import migrate


def test_healthz_answers_without_asking_the_database(app):
    from playhouse.test_utils import count_queries
    with app.app_context(), count_queries() as counted:
        response = app.test_client().get("/healthz")
    assert (response.status_code, counted.count) == (200, 0)
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.backends("sqlite", "postgresql", "mysql")
def test_readyz_is_ready_on_a_migrated_database(backend, tmp_path, databases):
    app = databases.build_app(tmp_path, databases.fresh_url(backend, tmp_path))
    (tmp_path / "attachments").mkdir()
    try:
        response = app.test_client().get("/readyz")
        assert (response.status_code, response.get_json()) == (200, {"status": "ready"})
        assert response.headers["Cache-Control"] == "no-store"
        assert "Set-Cookie" not in response.headers
    finally:
        databases.close_database()


@pytest.mark.backends("sqlite", "postgresql", "mysql")
def test_readyz_refuses_a_database_with_migrations_pending(backend, tmp_path, databases):
    app, runner = databases.app_at_migration(backend, tmp_path, "0012_press_fields_revisions")
    (tmp_path / "attachments").mkdir()
    try:
        with app.app_context():
            pending = [m.name for m in runner.status() if not m.applied]
        assert pending[0] == "0013_desk"
        response = app.test_client().get("/readyz")
        assert response.status_code == 503
        assert response.get_json() == {"status": "unavailable",
                                       "reason": f"migrations pending: {len(pending)}"}
        with app.app_context():
            migrate()
        assert app.test_client().get("/readyz").status_code == 200
    finally:
        databases.close_database()


def test_readyz_refuses_an_empty_database(tmp_path, databases):
    from feedserver import create_app
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite:///" + str(tmp_path / "empty.sqlite3"),
                      "ATTACHMENT_DIR": str(tmp_path)})
    try:
        response = app.test_client().get("/readyz")
        assert (response.status_code, response.get_json()["reason"]) == (503, "migrations not applied")
    finally:
        databases.close_database()


def test_readyz_refuses_a_missing_attachment_folder(app, tmp_path):
    app.config["ATTACHMENT_DIR"] = str(tmp_path / "not-mounted")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "reason": "attachment folder not writable"}
    (tmp_path / "not-mounted").mkdir()
    assert app.test_client().get("/readyz").status_code == 200


def test_readyz_follows_a_postgresql_that_stops_and_returns(private_postgres, tmp_path, databases):
    """The app keeps running while its database goes away and comes back: 200, 503, 200."""
    app = databases.build_app(tmp_path, private_postgres.url)
    (tmp_path / "attachments").mkdir()
    client = app.test_client()
    try:
        assert client.get("/readyz").status_code == 200
        assert client.get("/board/").status_code == 200  # a pooled connection now exists
        private_postgres.stop()
        down = client.get("/readyz")
        assert down.status_code == 503
        assert down.get_json() == {"status": "unavailable", "reason": "database unreachable"}
        assert client.get("/healthz").status_code == 200  # alive, only not ready
        private_postgres.start()
        up = client.get("/readyz")
        assert (up.status_code, up.get_json()) == (200, {"status": "ready"})
    finally:
        databases.close_database()


def test_health_routes_are_outside_every_rate_limit(staff_app_with, tmp_path):
    app = staff_app_with(RATE_LIMIT_FEEDS="2/minute", RATE_LIMIT_API="2/minute",
                         RATE_LIMIT_WEBSUB="2/minute")
    (tmp_path / "attachments").mkdir(exist_ok=True)
    client = app.test_client()
    assert [client.get(path).status_code for path in ["/readyz", "/healthz"] * 5] == [200] * 10
    assert [client.get("/feeds/all.rss").status_code for _ in range(3)][-1] == 429  # limits are on


def test_readyz_is_cheap(app, tmp_path):
    """One query per poll, whatever was polled before: fit for a load balancer's every second."""
    from playhouse.test_utils import count_queries
    (tmp_path / "attachments").mkdir(exist_ok=True)
    client = app.test_client()
    client.get("/readyz")
    with app.app_context(), count_queries() as counted:
        assert client.get("/readyz").status_code == 200
    assert counted.count == 1
