"""Compiled query shapes: built once per database, answering exactly as peewee's own queries."""
from datetime import timedelta

import peewee
import pytest

from feedserver.caching.pages import PageCache
from feedserver.models import Category, Compiled, CompiledIn, Release, Slot, utcnow, visible_count
from feedserver.search.query import ListArgs
from feedserver.web.board import _list_rows, _neighbours
from feedserver.web.pagination import Pager


@pytest.fixture
def board(db_app, make_category, make_release):
    """Two boards of 25 and 7 releases, a scheduled one due later and a withdrawn one."""
    with db_app.app_context():
        news, notes = make_category("news", "소식"), make_category("notes", "알림")
        start = utcnow() - timedelta(days=40)
        for i in range(25):
            make_release(news, title=f"소식 {i}", published_at=start + timedelta(hours=i))
        for i in range(7):
            # Two share a publication instant: the id breaks the tie, newest first.
            make_release(notes, title=f"알림 {i}", published_at=start + timedelta(hours=i // 2))
        make_release(news, title="예약", status="scheduled", published_at=utcnow() + timedelta(days=1))
        make_release(news, title="철회", status="withdrawn", published_at=start)
        yield db_app, news, notes


def plain_rows(category, offset, limit):
    """The board page as peewee builds it on every call (the reference)."""
    query = Release.visible().join(Category).switch(Release)
    if category is not None:
        query = query.where(Release.category == category.id)
    return [r.id for r in query.offset(offset).limit(limit)]


def test_board_pages_match_peewee_from_both_ends_on_every_database(board):
    app, news, notes = board
    with app.app_context():
        for category in (None, news, notes):
            total = visible_count(category.id if category else None)
            plain_total = (Release.visible().where(Release.category == category.id) if category
                           else Release.visible()).count()
            assert total == plain_total
            for page in range(1, Pager(1, 4, total).pages + 1):
                pager = Pager(page, 4, total)
                got = [r.id for r in _list_rows(pager, None, ListArgs(page=page),
                                                 category.id if category else None)]
                assert got == plain_rows(category, pager.offset, 4), (category, page)


def test_neighbours_match_peewee(board):
    app, news, _ = board
    with app.app_context():
        ids = plain_rows(news, 0, 100)
        for position, release_id in enumerate(ids):
            newer, older = _neighbours(Release.get_by_id(release_id))
            assert (newer and newer.id) == (ids[position - 1] if position else None)
            assert (older and older.id) == (ids[position + 1] if position + 1 < len(ids) else None)


def test_a_shape_is_built_once_and_runs_with_new_values(board):
    app, news, _ = board
    built = []

    def build():
        built.append(1)
        return Release.select(Release.title).where(Release.category == Slot("category"),
                                                   Release.title == Slot("title")).tuples()

    shape = Compiled(build)
    with app.app_context():
        assert shape.all(category=news.id, title="소식 3") == [("소식 3",)]
        assert shape.all(category=news.id, title="소식 4") == [("소식 4",)]
        assert shape.first(category=news.id, title="없는 제목") is None
        assert len(built) == 1
        with pytest.raises(KeyError):
            shape.all(category=news.id)  # every slot needs its value


def test_a_warm_board_and_release_page_build_no_sql(demo_app, monkeypatch):
    """Pages run their compiled shapes: peewee builds no SQL once a page has been served."""
    demo_app.extensions["feedserver.pages"] = PageCache(0)  # every request renders its page
    client = demo_app.test_client()
    with demo_app.app_context():
        public_id = Release.visible().offset(400).first().public_id
    urls = ["/board/", "/board/?page=3", "/board/governor/?page=90", f"/releases/{public_id}"]
    for url in urls:
        assert client.get(url).status_code == 200
    built = []
    context = peewee.Database.get_sql_context  # where query.sql() and database.execute(query) start
    monkeypatch.setattr(peewee.Database, "get_sql_context",
                        lambda db, **options: built.append(1) or context(db, **options))
    for n, url in enumerate(urls):
        # A new reader each time: the release page counts the view (an UPDATE and an INSERT).
        response = client.get(f"{url}{'&' if '?' in url else '?'}_={n}",
                              headers={"User-Agent": f"reader/{n}"})
        assert response.status_code == 200
    assert built == []


def test_an_in_list_shape_is_built_once_per_length(board):
    app, news, _ = board
    built = []

    def build(ids):
        built.append(len(ids))
        return Release.select(Release.title).where(Release.id.in_(ids)).order_by(Release.id).tuples()

    shape = CompiledIn(build)
    with app.app_context():
        ids = [r.id for r in Release.select(Release.id).order_by(Release.id)]
        assert shape.all(ids[:3]) == [(Release.get_by_id(i).title,) for i in ids[:3]]
        assert shape.all(ids[3:6]) == [(Release.get_by_id(i).title,) for i in ids[3:6]]
        assert shape.all(ids[:1]) == [(Release.get_by_id(ids[0]).title,)]
        assert built == [3, 1]


def test_release_rows_are_read_alike_with_one_initialised_row_reader(board, monkeypatch):
    """The cursor wrapper's column set-up is done once per shape; every row still comes out as
    peewee's own query gives it, category joined, through empty answers in between."""
    app, news, _ = board
    calls = []
    original = peewee.ModelCursorWrapper.initialize
    monkeypatch.setattr(peewee.ModelCursorWrapper, "initialize",
                        lambda self: calls.append(1) or original(self))
    with app.app_context():
        releases = list(Release.select().join(Category).order_by(Release.id))
        calls.clear()
        for release in releases:
            got = Release.by_public_id(release.public_id)
            assert got.__data__ == release.__data__ and got.category.slug == release.category.slug
            assert Release.by_public_id("nosuchrelease") is None
    assert len(calls) <= 1
