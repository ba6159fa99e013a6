"""The widget's server side: JSON, iframe, script, builder; bad input; caching headers."""
import gzip
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import feedserver
from feedserver.models import Category, Release, utcnow
from feedserver.web import widget

WIDGET_JS = Path(feedserver.__file__).parent / "static" / "widget.js"
BAD_LIMITS = ["0", "-1", "10000", "abc", "21", "1.5", "５", " 3x"]


def newest(slug=None, limit=5):
    """Return the releases a widget should show, newest first."""
    query = Release.visible()
    if slug:
        query = query.join(Category).where(Category.slug == slug)
    return list(query.limit(limit))


def test_json_is_a_small_json_feed_of_the_category(demo_app, demo_client):
    response = demo_client.get("/widget/latest.json?category=governor&limit=3")
    assert response.status_code == 200
    assert response.mimetype == "application/feed+json"
    doc = json.loads(response.data)
    with demo_app.app_context():
        expected = newest("governor", 3)
        assert [item["id"] for item in doc["items"]] == [r.feed_id for r in expected]
        assert [item["url"] for item in doc["items"]] == [
            f"http://localhost/releases/{r.public_id}" for r in expected]
        assert [item["title"] for item in doc["items"]] == [r.title for r in expected]
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert doc["title"] == "도지사 보도자료"
    assert doc["home_page_url"] == "http://localhost/board/governor/"
    assert doc["feed_url"] == "http://localhost/widget/latest.json?category=governor&limit=3"
    first = doc["items"][0]
    assert first["date_published"] == "2025-03-26T14:08:00+09:00"
    assert first["tags"] == ["도지사 보도자료"]
    assert first["summary"] and first["content_text"] == first["summary"]


def test_json_without_category_mixes_boards_and_defaults_to_five(demo_app, demo_client):
    doc = demo_client.get("/widget/latest.json").get_json(force=True)
    with demo_app.app_context():
        assert [item["id"] for item in doc["items"]] == [r.feed_id for r in newest(limit=5)]
    assert doc["title"] == "경기도 보도자료"
    assert doc["home_page_url"] == "http://localhost/board/"


def test_json_uses_base_url_for_links(demo_app, demo_client):
    demo_app.config["BASE_URL"] = "https://press.example.go.kr/"
    doc = demo_client.get("/widget/latest.json?category=notice&limit=1").get_json(force=True)
    assert doc["home_page_url"] == "https://press.example.go.kr/board/notice/"
    assert doc["items"][0]["url"].startswith("https://press.example.go.kr/releases/")


@pytest.mark.parametrize("limit", BAD_LIMITS)
def test_json_refuses_bad_limits_with_a_short_400(demo_client, limit):
    response = demo_client.get("/widget/latest.json", query_string={"limit": limit})
    assert response.status_code == 400
    assert response.get_json()["error"]["status"] == 400
    assert len(response.data) < 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("path", ["/widget/latest.json", "/embed/latest"])
@pytest.mark.parametrize("category", ["nope", "GOVERNOR", "../governor", "x" * 500])
def test_unknown_categories_are_404(demo_client, path, category):
    response = demo_client.get(path, query_string={"category": category})
    assert response.status_code == 404
    assert "없는 게시판입니다." in response.get_data(as_text=True)
    assert len(response.data) < 1000


@pytest.mark.parametrize("query", [{"limit": v} for v in BAD_LIMITS] + [
    {"theme": "purple"}, {"theme": "DARK"}, {"show_summary": "maybe"}, {"new_tab": "2"}])
def test_embed_refuses_bad_input_with_a_framable_400(demo_client, query, html):
    response = demo_client.get("/embed/latest", query_string=query)
    assert response.status_code == 400
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in response.headers
    tree = html.page(response)
    assert html.texts(tree, "//a") == ["보도자료 게시판에서 보기"]


def test_json_headers_allow_any_origin_and_cache_without_cookies(demo_client):
    with demo_client.session_transaction() as session:  # a visitor with a session
        session["seen"] = True
    for path in ["/widget/latest.json?category=press", "/embed/latest", "/widget.js"]:
        response = demo_client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Set-Cookie" not in response.headers, path
        assert "Cookie" not in response.vary
    response = demo_client.get("/widget/latest.json?category=press")
    assert response.headers["Cache-Control"] == "public, max-age=300, stale-while-revalidate=600"
    assert "Accept-Encoding" in response.vary
    assert response.last_modified is not None


def test_json_answers_conditional_gets_and_changes_etag_on_writes(demo_app, demo_client, make_release):
    url = "/widget/latest.json?category=press&limit=3"
    first = demo_client.get(url)
    etag = first.headers["ETag"]
    again = demo_client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    with demo_app.app_context():
        make_release(Category.get(slug="press"), title="새 보도자료")
    changed = demo_client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert changed.get_json(force=True)["items"][0]["title"] == "새 보도자료"


def test_json_etag_changes_when_a_scheduled_release_comes_due(demo_app, demo_client, make_release):
    url = "/widget/latest.json?category=notice"
    with demo_app.app_context():
        due = make_release(Category.get(slug="notice"), title="예약 공지", status="scheduled",
                           published_at=utcnow() + timedelta(hours=1))
    before = demo_client.get(url)
    assert "예약 공지" not in before.get_data(as_text=True)
    with demo_app.app_context():  # time passes: no write, no FeedState bump
        Release.update(published_at=utcnow() - timedelta(seconds=5)).where(
            Release.id == due.id).execute()
    after = demo_client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.get_json(force=True)["items"][0]["title"] == "예약 공지"


def test_embed_is_framable_and_shows_korean_dates(demo_app, demo_client, html, make_release):
    now = utcnow()
    with demo_app.app_context():
        press = Category.get(slug="press")
        make_release(press, title="세 시간 전 자료", published_at=now - timedelta(hours=3, minutes=1))
        make_release(press, title="오 분 전 자료", published_at=now - timedelta(minutes=5, seconds=10))
        older = newest("press", 3)[2]
    response = demo_client.get("/embed/latest?category=press&limit=3&theme=dark&show_summary=1")
    assert response.status_code == 200
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in response.headers
    assert "Set-Cookie" not in response.headers
    tree = html.page(response)
    assert tree.xpath("//html/@class") == ["theme-dark"]
    assert tree.xpath("//section/@aria-labelledby") == ["fs-title"]
    assert html.texts(tree, "//h2") == ["보도자료"]
    assert html.texts(tree, "//li/a") == ["오 분 전 자료", "세 시간 전 자료", older.title]
    assert html.texts(tree, "//li/time") == ["5분 전", "3시간 전", older.published_at.astimezone(
        timezone(timedelta(hours=9))).strftime("%Y.%m.%d")]
    assert all(v.endswith("+09:00") for v in tree.xpath("//time/@datetime"))
    assert len(tree.xpath("//li/p[@class='summary']")) == 3
    assert tree.xpath("//base/@target") == ["_top"]
    assert not tree.xpath("//script[not(@src)]") and not tree.xpath("//*[@style]")


def test_embed_escapes_feed_text_and_opens_new_tabs_when_asked(demo_app, demo_client, html, make_release):
    with demo_app.app_context():
        make_release(Category.get(slug="notice"), title="<img src=x onerror=alert(1)>")
    tree = html.page(demo_client.get("/embed/latest?category=notice&new_tab=1&show_date=0"))
    assert html.texts(tree, "//li/a")[0] == "<img src=x onerror=alert(1)>"
    assert not tree.xpath("//img") and not tree.xpath("//time")
    assert tree.xpath("//base/@target") == ["_blank"]
    assert set(tree.xpath("//a/@rel")) == {"noopener"}


def test_embed_revalidates_with_its_content_etag(demo_client):
    first = demo_client.get("/embed/latest?category=governor")
    assert first.headers["Cache-Control"].startswith("public, max-age=60")
    again = demo_client.get("/embed/latest?category=governor",
                            headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_other_pages_still_forbid_framing(demo_client):
    for path in ["/widget", "/board/"]:
        response = demo_client.get(path)
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("seconds, said", [
    (0, "방금 전"), (59, "방금 전"), (-30, "방금 전"), (60, "1분 전"), (5 * 60 + 59, "5분 전"),
    (3599, "59분 전"), (3600, "1시간 전"), (3 * 3600 + 5, "3시간 전"), (86399, "23시간 전"),
    (86400, "2024.09.25"),
])
def test_when_says_minutes_and_hours_within_a_day_then_the_korean_date(seconds, said):
    now = datetime(2024, 9, 26, 0, 30, tzinfo=timezone.utc)  # 09:30 in Seoul
    assert widget.when(now - timedelta(seconds=seconds), now) == said


def test_when_uses_the_date_in_seoul():
    instant = datetime(2024, 9, 25, 16, 0, tzinfo=timezone.utc)  # 2024-09-26 01:00 KST
    assert widget.when(instant, instant + timedelta(days=3)) == "2024.09.26"


def test_widget_js_is_small_and_served_as_utf8_script(client):
    response = client.get("/widget.js")
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.data == WIDGET_JS.read_bytes()
    size = len(gzip.compress(response.data, compresslevel=9))
    assert size <= 10 * 1024, f"widget.js is {size} bytes gzipped"
    source = response.get_data(as_text=True)
    assert "innerHTML" not in source and "insertAdjacentHTML" not in source
    assert "document.write" not in source and "eval(" not in source


def test_builder_renders_the_chosen_snippets(demo_client, html):
    response = demo_client.get("/widget?category=press&limit=3&theme=dark"
                               "&show_summary=0&show_summary=1&new_tab=0")
    tree = html.page(response)
    script = tree.xpath("//textarea[@id='script-code']")[0].text
    assert script == ('<script src="http://localhost/widget.js" data-category="press" '
                      'data-limit="3" data-theme="dark" data-show-summary="true" async></script>')
    iframe = tree.xpath("//textarea[@id='iframe-code']")[0].text
    assert iframe.startswith('<iframe src="http://localhost/embed/latest?category=press&amp;limit=3'
                             '&amp;theme=dark&amp;show_summary=1" title="보도자료 최신 보도자료"')
    assert iframe.endswith('<script src="http://localhost/static/embed-resize.js" async></script>')
    assert tree.xpath("//select[@name='category']/option[@selected]/@value") == ["press"]
    assert tree.xpath("//iframe[@id='iframe-preview']/@src") == [
        "http://localhost/embed/latest?category=press&limit=3&theme=dark&show_summary=1"]


@pytest.mark.parametrize("query, limit, theme, category", [
    ("limit=99", "20", "auto", ""), ("limit=-1", "1", "auto", ""), ("limit=abc", "5", "auto", ""),
    ("theme=neon&category=nope", "5", "auto", ""),
    ("category=notice&limit=0", "1", "auto", "notice"),
])
def test_builder_uses_the_nearest_valid_values(demo_client, query, limit, theme, category, html):
    response = demo_client.get("/widget?" + query)
    assert response.status_code == 200
    tree = html.page(response)
    assert tree.xpath("//input[@name='limit']/@value") == [limit]
    assert tree.xpath("//select[@name='theme']/option[@selected]/@value") == [theme]
    assert tree.xpath("//select[@name='category']/option[@selected]/@value") == (
        [category] if category else [])


def test_builder_page_has_no_inline_script_or_style(demo_client, html):
    tree = html.page(demo_client.get("/widget"))
    assert html.texts(tree, "//h1") == ["보도자료 위젯 만들기"]
    assert not tree.xpath("//script[not(@src)]")
    assert not tree.xpath("//style") and not tree.xpath("//*[@style]")
    assert not tree.xpath("//@*[starts-with(name(), 'on')]")


def test_widget_json_is_written_by_the_feeds_json_feed_writer(demo_client):
    widget = demo_client.get("/widget/latest.json?limit=5").get_json(force=True)
    site = json.loads(demo_client.get("/feeds/all.json").data)
    assert widget["version"] == site["version"]
    for small, full in zip(widget["items"], site["items"][:5], strict=True):
        # the same item, without the body and its attachments (a widget shows summaries)
        expected = {k: v for k, v in full.items() if k not in ("content_html", "attachments")}
        assert small == {**expected, "content_text": full["summary"]}


def test_widget_json_is_rendered_once_per_state(demo_app, demo_client, make_release):
    from playhouse.test_utils import count_queries
    first = demo_client.get("/widget/latest.json?limit=7")
    with demo_app.app_context(), count_queries() as counter:
        again = demo_client.get("/widget/latest.json?limit=7")
    assert again.data == first.data and counter.count <= 1  # the state query only
    with demo_app.app_context():
        make_release(Category.get(Category.slug == "notice"), title="새 위젯 소식")
    fresh = json.loads(demo_client.get("/widget/latest.json?limit=7").data)
    assert fresh["items"][0]["title"] == "새 위젯 소식"
