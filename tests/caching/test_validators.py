"""Conditional GET: one predicate decides a 304 for feeds, the fast path and the widget."""
from datetime import UTC, datetime

from flask import Response
from werkzeug.http import http_date

from feedserver.caching.validators import conditional, still_fresh

MODIFIED = datetime(2024, 5, 6, 23, 46, tzinfo=UTC)


def env(**headers):
    return {f"HTTP_{name.upper()}": value for name, value in headers.items()}


def test_no_validators_means_send_the_body():
    assert not still_fresh({}, 'W/"abc"', MODIFIED)


def test_an_echoed_etag_matches_as_is_and_weakly():
    assert still_fresh(env(if_none_match='W/"abc"'), 'W/"abc"')
    assert still_fresh(env(if_none_match='"abc"'), 'W/"abc"')  # weak comparison (RFC 9110 8.8.3.2)
    assert still_fresh(env(if_none_match='"x", W/"abc"'), "abc")
    assert still_fresh(env(if_none_match="*"), "abc")
    assert not still_fresh(env(if_none_match='W/"old"'), 'W/"abc"')


def test_if_modified_since_alone_compares_dates():
    assert still_fresh(env(if_modified_since=http_date(MODIFIED)), None, MODIFIED)
    earlier = datetime(2024, 5, 6, 23, 45, tzinfo=UTC)
    assert not still_fresh(env(if_modified_since=http_date(earlier)), None, MODIFIED)


def test_if_none_match_wins_over_if_modified_since():
    stale = env(if_none_match='W/"old"', if_modified_since=http_date(MODIFIED))
    assert not still_fresh(stale, 'W/"abc"', MODIFIED)


def test_conditional_turns_a_held_200_into_a_bodiless_304():
    response = Response(b"{}", content_type="application/json")
    response.set_etag("abc")
    response.last_modified = MODIFIED
    response.headers["Cache-Control"] = "public, max-age=300"
    answer = conditional(response, env(if_none_match='"abc"'))
    assert answer.status_code == 304 and answer.get_data() == b""
    assert "Content-Type" not in answer.headers and "Content-Length" not in answer.headers
    assert answer.headers["ETag"] == '"abc"' and answer.headers["Cache-Control"] == "public, max-age=300"


def test_conditional_leaves_other_answers_alone():
    response = Response(b"{}", status=404)
    response.set_etag("abc")
    assert conditional(response, env(if_none_match='"abc"')).status_code == 404
    fresh = Response(b"{}")
    fresh.set_etag("abc")
    assert conditional(fresh, env(if_none_match='"zzz"')).get_data() == b"{}"
