"""Pin the number of queries per page so an N+1 cannot creep back."""
from playhouse.test_utils import count_queries

from feedserver.feedsource import _category_ids
from feedserver.models import Release


def queries(app, url, headers=None):
    client = app.test_client()
    with count_queries() as counter:
        response = client.get(url, headers=headers or {})
    assert response.status_code in (200, 304), url
    return counter.count


def test_feed_queries(demo_app):
    cache = demo_app.extensions["feedserver.feeds"]
    cache.entries.clear()
    cache.size = 0
    _category_ids.clear()
    # slug lookup, state with category and counts, releases, attachments: independent of items
    assert queries(demo_app, "/feeds/category/governor.atom?limit=100") == 4
    assert queries(demo_app, "/feeds/category/governor.atom?limit=100") == 1  # warm: cached body
    assert queries(demo_app, "/feeds/archive/category/governor/10.atom") == 3
    etag = demo_app.test_client().get("/feeds/all.rss").headers["ETag"]
    assert queries(demo_app, "/feeds/all.rss", {"If-None-Match": etag}) == 1  # a 304 needs one


def test_board_queries(demo_app):
    demo_app.extensions["feedserver.pages"].clear()
    # state token, category, stored count, rows with their category, category tabs, view counts
    assert queries(demo_app, "/board/governor/?page=3") == 6
    assert queries(demo_app, "/board/governor/?page=94") == 6
    # kept page: state token, view counts
    assert queries(demo_app, "/board/governor/?page=3") == 2
    # state token, bigram index lookup, category, count, rows, category tabs, view counts
    assert queries(demo_app, "/board/governor/?field=title&q=청년") == 7
    assert queries(demo_app, "/board/governor/?field=title&q=청년") == 2  # kept until a write


def test_release_page_queries(demo_app):
    with demo_app.app_context():
        with_files = next(r for r in Release.visible() if r.attachments.count() == 2)
        plain = next(r for r in Release.visible() if r.attachments.count() == 0)
    demo_app.extensions["feedserver.pages"].clear()
    # state token, release+category, newer, older, attachments, the view, its count
    assert queries(demo_app, f"/releases/{with_files.public_id}") == 7
    assert queries(demo_app, f"/releases/{plain.public_id}") == 7
    # kept page: state token, the view, its count
    assert queries(demo_app, f"/releases/{plain.public_id}") == 3
