"""AUDIENCE_REDIS_URL: two instances share first-view marks in Redis; without Redis, the database."""
import os
import uuid

import pytest
import redis

from feedserver.models import AudienceSeen, Release

REDIS_URL = os.environ.get("FEEDSERVER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0.0.0 Safari/537.36"


@pytest.fixture
def redis_url(databases):
    """The test Redis; skipped locally when it is not running, a failure in CI or when asked for."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        if databases.IN_CI or os.environ.get("FEEDSERVER_TEST_REDIS_URL"):
            raise
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    return REDIS_URL


def test_two_instances_share_first_views_through_redis(tmp_path, databases, redis_url, make_category,
                                                       make_release):
    shared = {"AUDIENCE_REDIS_URL": redis_url, "AUDIENCE_REDIS_PREFIX": f"test:{uuid.uuid4().hex}",
              "AUDIENCE_AGENTS_PER_ADDRESS": 3}
    url = "sqlite:///" + str(tmp_path / "shared.sqlite3")
    first = databases.build_app(tmp_path, url, **shared)
    with first.app_context():
        release = make_release(make_category())
    second = databases.build_app(tmp_path, url, **shared)
    page = f"/releases/{release.public_id}"
    for app in (first, second, first, second):  # one reader reloading on both instances
        assert app.test_client().get(page, headers={"User-Agent": BROWSER}).status_code == 200
    for n in range(6):  # rotating User-Agents from one address: three count
        (first, second)[n % 2].test_client().get(page, headers={"User-Agent": f"{BROWSER} r{n}"})
    second.test_client().get(page, headers={"User-Agent": BROWSER}, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    with second.app_context():
        assert Release.get_by_id(release.id).view_count == 1 + 2 + 1  # the cap counts the first agent too
        assert not AudienceSeen.select().where(AudienceSeen.scope.startswith("release:")).exists()


def test_without_redis_the_database_remembers(tmp_path, databases, make_category, make_release):
    app = databases.build_app(tmp_path, "sqlite:///" + str(tmp_path / "down.sqlite3"),
                              AUDIENCE_REDIS_URL="redis://127.0.0.1:1/0")
    with app.app_context():
        release = make_release(make_category())
    for _ in range(3):
        assert app.test_client().get(f"/releases/{release.public_id}",
                                     headers={"User-Agent": BROWSER}).status_code == 200
    with app.app_context():
        assert Release.get_by_id(release.id).view_count == 1
        assert AudienceSeen.select().count() == 1
