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


def test_remembered_urls_follow_the_script_root(app):
    """Templates' url_for is remembered per script root: a mounted app links under its prefix."""
    from feedserver.web.urls import remembered_url_for
    for root in ("", "/press", "", "/other"):
        with app.test_request_context("/board/", base_url=f"http://localhost{root}/"):
            for endpoint, values in [("board.index", {}), ("static", {"filename": "site.css"}),
                                     ("board.category", {"slug": "news", "page": 3}),
                                     ("board.release", {"public_id": "abc234", "q": "청년"})]:
                assert remembered_url_for(endpoint, **values) == url_for(endpoint, **values)
                assert remembered_url_for(endpoint, **values).startswith(root + "/")
            assert remembered_url_for("board.index", _external=True) == url_for("board.index", _external=True)
