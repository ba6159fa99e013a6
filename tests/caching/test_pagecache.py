"""PageCache by state token, and view-count markers filled from the database."""
from markupsafe import Markup
from playhouse.test_utils import count_queries

from feedserver.caching.pages import PageCache, fill_views, views_marker
from feedserver.models import Release


def test_get_returns_what_was_put_for_the_same_token():
    cache = PageCache(1000)
    cache.put("/?page=1", "tok1", "<p>page</p>", {"title": "x"})
    assert cache.get("/?page=1", "tok1") == ("<p>page</p>", {"title": "x"})


def test_meta_defaults_to_none():
    cache = PageCache(1000)
    cache.put("/", "tok1", "<p>page</p>")
    assert cache.get("/", "tok1") == ("<p>page</p>", None)


def test_a_different_token_misses():
    cache = PageCache(1000)
    cache.put("/", "tok1", "<p>old</p>")
    assert cache.get("/", "tok2") is None
    assert cache.get("/other", "tok1") is None


def test_put_under_a_new_token_replaces_the_page():
    cache = PageCache(1000)
    cache.put("/", "tok1", "<p>old</p>")
    cache.put("/", "tok2", "<p>new</p>")
    assert cache.get("/", "tok1") is None
    assert cache.get("/", "tok2") == ("<p>new</p>", None)
    assert cache.size == len("<p>new</p>")


def test_cost_is_the_html_length_and_the_budget_holds():
    cache = PageCache(20)
    cache.put("/a", "t", "x" * 10)
    cache.put("/b", "t", "y" * 10)
    cache.put("/c", "t", "z" * 10)
    assert cache.get("/a", "t") is None
    assert cache.get("/b", "t") and cache.get("/c", "t")
    cache.put("/huge", "t", "h" * 21)
    assert cache.get("/huge", "t") is None


def test_views_marker():
    class Stub:
        id = 42
    marker = views_marker(Stub())
    assert isinstance(marker, Markup)
    assert str(marker) == "<!--views:42-->"


def test_fill_views_puts_current_counts_in_one_query(app, make_category, make_release):
    with app.app_context():
        category = make_category()
        first, second = make_release(category, title="one"), make_release(category, title="two")
        Release.update(view_count=7).where(Release.id == first.id).execute()
        Release.update(view_count=1234).where(Release.id == second.id).execute()
        html = (f"<td>{views_marker(first)}</td><td>{views_marker(second)}</td>"
                f"<td>{views_marker(first)}</td>")
        with count_queries() as counter:
            filled = fill_views(html)
        assert filled == "<td>7</td><td>1234</td><td>7</td>"
        assert counter.count == 1


def test_fill_views_reads_counts_fresh_each_time(app, make_category, make_release):
    with app.app_context():
        release = make_release(make_category())
        html = f"<span>{views_marker(release)}</span>"
        assert fill_views(html) == "<span>0</span>"
        Release.update(view_count=Release.view_count + 1).where(Release.id == release.id).execute()
        assert fill_views(html) == "<span>1</span>"


def test_fill_views_keeps_known_counts_and_reads_only_the_rest(app, make_category, make_release):
    with app.app_context():
        category = make_category()
        known, unknown = make_release(category), make_release(category)
        Release.update(view_count=5).execute()
        html = f"{views_marker(known)}|{views_marker(unknown)}"
        with count_queries() as counter:
            assert fill_views(html, known={known.id: 99}) == "99|5"
        assert counter.count == 1


def test_fill_views_all_known_needs_no_query(app):
    with app.app_context():
        html = "<!--views:1-->,<!--views:2-->"
        with count_queries() as counter:
            assert fill_views(html, known={1: 3, 2: 4}) == "3,4"
        assert counter.count == 0


def test_fill_views_without_markers_needs_no_query(app):
    with app.app_context():
        with count_queries() as counter:
            assert fill_views("<p>no markers</p>") == "<p>no markers</p>"
        assert counter.count == 0


def test_fill_views_unknown_release_shows_zero(app):
    with app.app_context():
        assert fill_views("<!--views:987654-->") == "0"


def test_fill_views_does_not_change_the_known_mapping(app, make_category, make_release):
    with app.app_context():
        release = make_release(make_category())
        known = {123456: 1}
        fill_views(f"{views_marker(release)}", known=known)
        assert known == {123456: 1}


def test_parameters_pages_do_not_read_share_one_cache_entry(app, make_category, make_release):
    """?_=, utm_* and the like change nothing on a page: they must not force a fresh rendering."""
    with app.app_context():
        release = make_release(make_category(), title="캐시 시험")
    client = app.test_client()
    for path in ("/board/news/", f"/releases/{release.public_id}"):
        first = client.get(path + "?page=1" if path.startswith("/board") else path)
        assert first.status_code == 200
        pages = app.extensions["feedserver.pages"]
        size = len(pages._cache)
        for junk in ("_=1", "_=2&utm_source=kakao", "fbclid=abc"):
            url = path + ("?page=1&" if path.startswith("/board") else "?") + junk
            again = client.get(url, headers={"User-Agent": "same reader"})
            assert again.status_code == 200
        assert len(pages._cache) == size  # no new entries: every junk URL was the same page


def test_a_page_cache_of_zero_bytes_renders_every_request(tmp_path, databases):
    app = databases.build_app(tmp_path, databases.fresh_url("sqlite", tmp_path), PAGE_CACHE_BYTES=0)
    try:
        assert app.test_client().get("/board/").status_code == 200
        assert len(app.extensions["feedserver.pages"]._cache) == 0
    finally:
        databases.close_database()
