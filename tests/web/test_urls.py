"""url_pattern builds the same URLs as url_for, once for many values."""
from flask import url_for

from feedserver.web.urls import url_pattern


def test_url_pattern_equals_url_for(app):
    with app.test_request_context("/board/"):
        cases = [("board.release", "public_id", {"list": "all", "q": "청년 기본소득", "field": "all"}),
                 ("board.release", "public_id", {}),
                 ("board.category", "page", {"slug": "governor", "q": "a&b=c", "start": "2024-05-07"}),
                 ("board.index", "page", {"field": "title", "q": "100% 달성"})]
        for endpoint, key, values in cases:
            build = url_pattern(endpoint, key, **values)
            for value in ("abc234", "2", "99999", "sm7jvktdef95"):
                assert build(value) == url_for(endpoint, **{key: value}, **values)


def test_a_value_the_stand_in_collides_with_falls_back_to_url_for(app):
    with app.test_request_context("/board/"):
        build = url_pattern("board.index", "page", q="zq9x7stand9in7x9qz")
        assert build("7") == url_for("board.index", page="7", q="zq9x7stand9in7x9qz")
