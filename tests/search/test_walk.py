"""The walk's compiled statements answer as the same statements built anew, on every database.

SQLite searches through FTS5 windows, but the walk must run there too: a shape is compiled per
database, and a shape with no model behind it (a Select over the window) once came out with
SQLite's placeholders on PostgreSQL.
"""
from datetime import timedelta

import pytest

from feedserver.db import database
from feedserver.models import Category, Release, utcnow
from feedserver.search import walk

WORDS = ["기후위기", "청년", "도"]


def _board(count=120):
    boards = [Category.create(slug=f"w{n}", name=f"게시판 {n}") for n in range(2)]
    now = utcnow()
    with database.atomic():
        for number in range(count):
            title = f"{WORDS[number % 3]} 소식 {number}"
            body = f"{WORDS[(number // 3) % 3]} 본문" + (" 기후위기" if number % 5 == 0 else "")
            at = now - timedelta(hours=count - number) + (timedelta(days=2) if number % 17 == 0 else timedelta())
            Release.create(category=boards[number % 2], public_id=f"w{number}", title=title, author="경기지기",
                           body_html=f"<p>{body}</p>", body_text=body, summary="",
                           status="draft" if number % 11 == 0 else "published", published_at=at,
                           created_at=now, updated_at=now)
    return boards, now


@pytest.mark.parametrize("field", ["all", "title", "body"])
def test_compiled_windows_equal_the_built_ones(db_app, field):
    with db_app.app_context():
        boards, now = _board()
        periods = [(None, None), (now - timedelta(hours=90), None), (None, now - timedelta(hours=30)),
                   (now - timedelta(hours=90), now - timedelta(hours=30))]
        for category_id in (boards[0].id, None):
            for period in periods:
                for words in (["기후위기"], ["청년", "기후위기"], ["도"], ["없는말"]):
                    for size, wanted, skip in ((20, 5, 0), (60, 50, 20), (None, 7, 0), (None, 200, 30), (500, 3, 400)):
                        case = (category_id, period, field, words, size, wanted, skip)
                        where = (category_id, period, now)
                        built = walk.walk_window(where, field, words, size, wanted, skip, cache=False)
                        compiled = walk.walk_window(where, field, words, size, wanted, skip)
                        assert compiled == built, case
        # Words with letter case are LIKE patterns: they keep the built statement.
        assert walk.walk_window((None, (None, None), now), "all", ["AI"], 50, 5) == []


def test_hostile_words_are_values_and_distinct_searches_add_no_shapes(db_app):
    """LIKE wildcards and quotes are searched for as text; a flood of distinct words, with letter
    case or without, compiles no shape beyond the first of each kind."""
    with db_app.app_context():
        boards, now = _board(30)
        where = (boards[0].id, (None, None), now)
        for word in ("%", "_", "'", "%'; DROP TABLE release; --", "\\"):
            assert walk.walk_window(where, "all", [word], 30, 10) == []
        walk.walk_window(where, "all", ["첫낱말"], 30, 10)
        walk.walk_window(where, "all", ["Word"], 30, 10)
        before = len(walk._SHAPES)
        for n in range(200):
            walk.walk_window(where, "all", [f"낱말{n}"], 30, 10)
            walk.walk_window(where, "all", [f"Word{n}"], 30, 10)
        assert len(walk._SHAPES) == before
        assert Release.select().count() == 30
