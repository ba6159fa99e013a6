"""Chromium clicking a feed link: a Korean page, no XSLT warning, Korean dates, a working copy button."""
import re

import pytest

expect = pytest.importorskip("playwright.sync_api").expect

FEEDS = ["/feeds/all.rss", "/feeds/category/governor.atom", "/feeds/all.json",
         "/feeds/category/notice/search.rss?field=all&q=%EA%B2%BD%EA%B8%B0%EB%8F%84"]
KOREAN_DATE = re.compile(r"^\d{4}년 \d{1,2}월 \d{1,2}일 \([월화수목금토일]\) \d{2}:\d{2}$")


@pytest.fixture
def clipboard_page(browser):
    context = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul")
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    yield page
    context.close()


@pytest.mark.parametrize("path", FEEDS)
def test_chromium_navigating_to_a_feed_sees_the_korean_page(live_server, clipboard_page, path):
    page = clipboard_page
    response = page.goto(live_server.url + path)
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    text = page.locator("body").inner_text()
    assert "XSLT" not in text and "XSLT" not in page.content()
    assert "구독용 피드" in text and "구독하는 방법" in text
    dates = page.locator("ul.feed-items time").all_inner_texts()
    assert dates and all(KOREAN_DATE.match(d) for d in dates), dates[:3]
    assert "+0900" not in text
    page.locator("button.copy").click()
    expect(page.locator("button.copy")).to_have_text("복사됨")
    assert page.evaluate("navigator.clipboard.readText()") == live_server.url + path
    assert page.console_errors == []


def test_chromium_cache_keeps_the_page_and_the_feed_apart(live_server, browser_page):
    """After the page was shown, a script's fetch() of the same URL gets the feed, not the page."""
    url = live_server.url + "/feeds/all.rss"
    browser_page.goto(url)
    assert browser_page.locator("h1").inner_text().endswith("전체 보도자료")
    fetched = browser_page.evaluate(
        "fetch(location.href).then(r => r.text().then(t => [r.headers.get('content-type'), t.slice(0, 60)]))")
    assert fetched[0] == "application/rss+xml; charset=utf-8" and fetched[1].startswith("<?xml")
    browser_page.goto(live_server.url + "/board/")
    browser_page.go_back()
    assert browser_page.locator("h1").inner_text().endswith("전체 보도자료")
