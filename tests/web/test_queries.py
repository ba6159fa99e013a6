"""Pin the number of queries per page so an N+1 cannot creep back."""
import time
from datetime import timedelta

import pytest
from playhouse.test_utils import count_queries

from feedserver.models import Release, utcnow
from feedserver.syndication.source import _category_ids


def queries(app, url, headers=None):
    client = app.test_client()
    with count_queries() as counter:
        response = client.get(url, headers=headers or {})
    assert response.status_code in (200, 304), url
    return counter.count


def test_feed_queries(demo_app):
    demo_app.extensions["feedserver.feeds"].clear()
    _category_ids.clear()
    # slug lookup, state with category and counts, the newest month's ids (its prev-archive
    # link), releases, attachments: independent of items
    assert queries(demo_app, "/feeds/category/governor.atom?limit=100") == 5
    assert queries(demo_app, "/feeds/category/governor.atom?limit=100") == 1  # warm: cached body
    # state; the plan: month ids, older month and its shape, newer month, signature; the body:
    # releases, attachments. Planned once per state: a warm or 304 request costs the state query.
    assert queries(demo_app, "/feeds/archive/category/governor/2024-05.atom") == 8
    assert queries(demo_app, "/feeds/archive/category/governor/2024-05.atom") == 1
    etag = demo_app.test_client().get("/feeds/all.rss").headers["ETag"]
    assert queries(demo_app, "/feeds/all.rss", {"If-None-Match": etag}) == 1  # a 304 needs one


def only_data_version(app, url):
    """Tell whether answering url ran SQLite's change counter and nothing else."""
    client = app.test_client()
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    return [record.msg[0] for record in counter.get_queries()] == ["PRAGMA data_version"]


def only_data_versions(app, url, headers):
    """Tell whether answering url ran SQLite's change counter (before and after the view) and
    nothing else: a reader this worker knows is seen today asks for no mark."""
    client = app.test_client()
    with count_queries() as counter:
        assert client.get(url, headers=headers).status_code == 200
    return [record.msg[0] for record in counter.get_queries()] == ["PRAGMA data_version"] * 2


def count_a_view(app):
    """Commit a view count through another connection, as another worker would."""
    import sqlite3
    path = app.config["DATABASE_URL"][len("sqlite:///"):]
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE release SET view_count = view_count + 1 WHERE id = 1")
    connection.close()


def test_board_queries(demo_app):
    demo_app.extensions["feedserver.pages"].clear()
    # data_version, state token, category, stored count, rows with their category, category
    # tabs, which rows have attachments (📎); the view counts are those the rows were read with
    assert queries(demo_app, "/board/governor/?page=3") == 7
    # another page, nothing committed since: the state token, the category, its count and the
    # tabs are remembered; the last page is read from the oldest end with nothing to skip, so
    # its rows say which have attachments: data_version and the rows
    assert queries(demo_app, "/board/governor/?page=94") == 2
    # kept page, nothing committed since: data_version alone
    assert only_data_version(demo_app, "/board/governor/?page=3")
    # after a commit elsewhere (a view): data_version, state token, view counts
    count_a_view(demo_app)
    assert queries(demo_app, "/board/governor/?page=3") == 3
    # data_version, category (a view was committed: the memo is gone), the newest 50 visible ids
    # and FTS5's matches among them (too few to call the word common), the word's newest matches
    # with their times if visible (two chunks: the first held too few of this board's), the
    # check for releases published out of id order, the count up to the cap (in no order), the
    # page's rows with whether each has attachments, category tabs
    assert queries(demo_app, "/board/governor/?field=title&q=청년") == 10
    # a common word: the same sample holds the page's matches, then the count up to the cap, the
    # page's rows with their files' mark (category and tabs remembered), and which of the rows'
    # files hold the word (전체 and 내용 search the attachments too)
    assert queries(demo_app, "/board/governor/?field=all&q=경기도") == 6
    assert only_data_version(demo_app, "/board/governor/?field=title&q=청년")  # kept until a write


def test_release_page_queries(demo_app):
    with demo_app.app_context():
        with_files = next(r for r in Release.visible() if r.attachments.count() == 2)
        plain = next(r for r in Release.visible() if r.attachments.count() == 0)
    queries(demo_app, f"/releases/{with_files.public_id}", {"User-Agent": "reader 0"})  # the day's salt
    demo_app.extensions["feedserver.pages"].clear()
    # data_version, state token, release+category, newer and older (one statement), attachments,
    # and the view: the reader's first-of-the-day mark, the cap per address, the new count
    # (UPDATE ... RETURNING; PostgreSQL does the view's three in one statement)
    assert queries(demo_app, f"/releases/{with_files.public_id}", {"User-Agent": "reader 1"}) == 8
    assert queries(demo_app, f"/releases/{plain.public_id}", {"User-Agent": "reader 1"}) == 8
    # kept page, a new reader: data_version, state token, the view's three
    assert queries(demo_app, f"/releases/{plain.public_id}", {"User-Agent": "reader 2"}) == 5
    # a reload: this worker knows the reader is seen today, so no mark is asked for:
    # data_version, state token, the count (the view committed since the page was filled)
    assert queries(demo_app, f"/releases/{plain.public_id}", {"User-Agent": "reader 2"}) == 4
    # reloads after it: nothing was committed since, so the filled page is reused
    for _ in range(2):
        assert only_data_versions(demo_app, f"/releases/{plain.public_id}", {"User-Agent": "reader 2"})


def test_a_cold_feed_request_reads_the_feed_state_once(db_app, make_category, make_release):
    """The fast path hands the state it read to the view (PostgreSQL and MariaDB read it twice)."""
    with db_app.app_context():
        make_release(make_category("news", "소식"), title="한 번만 읽는 상태")
    for url in ("/feeds/all.atom", "/feeds/category/news.rss"):
        with count_queries() as counter:
            assert db_app.test_client().get(url).status_code == 200
        state_reads = [q for q in counter.get_queries() if "feed_state" in str(q.msg[0])]
        assert len(state_reads) == 1, (url, [str(q.msg[0])[:80] for q in state_reads])



def _total(response):
    """The board's 전체 N as the page shows it."""
    text = response.get_data(as_text=True)
    after = text[text.index('<p class="board-total">'):]
    after = after[after.index("<strong>") + 8:]
    return int(after[:after.index("<")].replace(",", ""))


def _eventually(check, timeout=1.0):
    ends = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < ends, "a write elsewhere was not seen within a second"
        time.sleep(0.01)


@pytest.mark.backends("sqlite", "postgresql")
def test_remembered_boards_and_counts_follow_writes_and_scheduled_releases(backend, databases, tmp_path,
                                                                           make_category, make_release):
    """Rendered without the page cache, a board page remembers its category, tabs and count only
    while nothing is written: a board added elsewhere and a scheduled release coming due show."""
    from feedserver.caching.pages import PageCache
    app = databases.build_app(tmp_path, databases.fresh_url(backend, tmp_path))
    app.extensions["feedserver.pages"] = PageCache(0)  # every page rendered from the database
    with app.app_context():
        news = make_category()
        make_release(news)
        due = make_release(news, title="곧 공개", status="scheduled", published_at=utcnow() + timedelta(seconds=4))
    client = app.test_client()
    assert _total(client.get("/board/news/")) == 1

    def remembered():
        """Neither the category, its count nor the tabs are read again (on PostgreSQL once the
        setup's own writes have been notified)."""
        with count_queries() as counter:
            assert _total(client.get("/board/news/?_=1")) == 1
        # The page's rows, with which of them have attachments: nothing else.
        return len(counter.get_queries()) == 1 + (backend == "sqlite")  # SQLite: data_version
    _eventually(remembered, timeout=3.0)
    elsewhere(app.config["DATABASE_URL"], "INSERT INTO category (slug, name, description, sort_order, "
              "review_required) VALUES ('elsewhere', '다른 게시판', '', 9, " + ("0)" if backend == "sqlite" else "false)"))
    _eventually(lambda: "다른 게시판" in client.get("/board/news/?_=2").get_data(as_text=True))
    time.sleep(max(0.0, (due.published_at - utcnow()).total_seconds()) + 0.1)
    assert _total(client.get("/board/news/?_=3")) == 2  # the scheduled release came due
    databases.close_database()


def elsewhere(url, sql):
    """Commit a statement through a connection of its own, as another instance would."""
    if url.startswith("sqlite:///"):
        import sqlite3
        with sqlite3.connect(url[len("sqlite:///"):]) as connection:
            connection.execute(sql)
        connection.close()
        return
    import psycopg

    from feedserver.db import libpq_url
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        connection.execute(sql)
