"""The validated feed cache in front of Flask: fast, and never older than the database."""
import time

from playhouse.test_utils import count_queries

from feedserver import create_app
from feedserver.caching.lru import ByteLRU


def test_repeat_poll_is_served_from_memory_with_one_query(app, make_category, make_release):
    with app.app_context():
        make_release(make_category())
    client = app.test_client()
    first = client.get("/feeds/category/news.rss", headers={"Accept-Encoding": "gzip"})
    with count_queries() as counter:
        second = client.get("/feeds/category/news.rss", headers={"Accept-Encoding": "gzip"})
    assert counter.count == 1
    assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Content-Encoding"] == "gzip"
    not_modified = client.get("/feeds/category/news.rss", headers={"If-None-Match": first.headers["ETag"],
                                                                   "Accept-Encoding": "gzip"})
    assert not_modified.status_code == 304 and not_modified.data == b""
    assert not_modified.headers["ETag"] == first.headers["ETag"]
    head = client.head("/feeds/category/news.rss", headers={"Accept-Encoding": "gzip"})
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == first.headers["Content-Length"]


def test_unchanged_sqlite_file_answers_a_poll_without_a_query(app, make_category, make_release):
    with app.app_context():
        make_release(make_category())
    client = app.test_client()
    etag = client.get("/feeds/category/news.atom").headers["ETag"]
    assert client.get("/board/news/").status_code == 200
    with count_queries() as counter:
        assert client.get("/feeds/category/news.atom", headers={"If-None-Match": etag}).status_code == 304
        assert client.get("/feeds/category/news.atom").status_code == 200
        assert client.get("/board/news/").status_code == 200
    # Only SQLite's change counter, once per request: nothing was committed since the first reads.
    assert [r.msg[0] for r in counter.get_queries()] == ["PRAGMA data_version"] * 3


def test_a_release_coming_due_moves_the_feed_without_any_write(app, make_category, make_release):
    from datetime import timedelta

    from feedserver.models import utcnow
    with app.app_context():
        category = make_category()
        make_release(category, title="먼저 나온 소식")
        due = utcnow().replace(microsecond=0) + timedelta(seconds=2)
        make_release(category, title="예약된 소식", status="scheduled", published_at=due)
    client = app.test_client()
    assert _titles(client) == ["먼저 나온 소식"]
    assert "예약된 소식" not in client.get("/board/news/").get_data(as_text=True)
    time.sleep(max(0.0, (due - utcnow()).total_seconds()) + 0.2)
    assert _titles(client) == ["예약된 소식", "먼저 나온 소식"]
    assert "예약된 소식" in client.get("/board/news/").get_data(as_text=True)


def test_write_through_another_instance_is_seen_at_once(app, tmp_path, make_category, make_release):
    with app.app_context():
        category = make_category()
        make_release(category, title="첫 소식")
    reader = app.test_client()
    assert [t for t in _titles(reader)] == ["첫 소식"]
    other = create_app({**app.config})  # a second instance on the same database
    with other.app_context():
        make_release(category, title="둘째 소식")
    assert _titles(reader) == ["둘째 소식", "첫 소식"]
    assert _titles(other.test_client()) == ["둘째 소식", "첫 소식"]


def test_unknown_or_renamed_category_falls_through_to_404(app, make_category, make_release):
    from feedserver.models import Category, bump_feed_state
    with app.app_context():
        category = make_category()
        make_release(category)
    client = app.test_client()
    assert client.get("/feeds/category/news.atom").status_code == 200
    with app.app_context():
        Category.update(slug="renamed").where(Category.id == category.id).execute()
        bump_feed_state([category.id])
    assert client.get("/feeds/category/news.atom").status_code == 404
    assert client.get("/feeds/category/nope.atom").status_code == 404


def _titles(client):
    import json
    return [item["title"] for item in json.loads(client.get("/feeds/category/news.json").data)["items"]]


def test_kept_responses_are_bounded_by_bytes(app, monkeypatch, make_category, make_release):
    from feedserver.caching import fastpath
    with app.app_context():
        category = make_category()
        make_release(category, body="<p>" + "본문 " * 2000 + "</p>")
    client = app.test_client()
    size = len(client.get("/feeds/category/news.atom").data)
    monkeypatch.setattr(fastpath, "MAX_BYTES", size * 2 + size // 2)
    kept = app.extensions["feedserver.fastpath"].kept = ByteLRU(fastpath.MAX_BYTES)
    for fmt in ("atom", "rss", "json"):
        for accept in ("*/*", "application/xml"):
            client.get(f"/feeds/category/news.{fmt}", headers={"Accept": accept})
    assert len(kept) <= 3 and kept.size <= fastpath.MAX_BYTES
