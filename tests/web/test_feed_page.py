"""A browser navigating to a feed gets a Korean page; readers keep the feed bytes, ETag and 304."""
import gzip
import re
from datetime import UTC, datetime

import feedparser
import lxml.html
import pytest
from babel.dates import format_datetime
from lxml import etree

from feedserver.dates import KST, long_datetime

NAVIGATE = {"Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Site": "none",
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8",
            "Accept-Encoding": "gzip, deflate, br"}
# What feedparser sends, and a bare HTTP client.
READERS = [
    {"Accept": "application/atom+xml,application/rdf+xml,application/rss+xml,application/x-netcdf,"
               "application/xml;q=0.9,text/xml;q=0.2,*/*;q=0.1", "Accept-Encoding": "gzip, deflate",
     "User-Agent": "feedparser/6.0"},
    {},
]
FEEDS = ["/feeds/all.rss", "/feeds/category/governor.atom", "/feeds/all.json",
         "/feeds/category/notice/search.rss?field=all&q=%EA%B2%BD%EA%B8%B0%EB%8F%84",
         "/feeds/search.atom?field=title&q=%EA%B2%BD%EA%B8%B0"]
KOREAN_DATE = re.compile(r"\d{4}년 \d{1,2}월 \d{1,2}일")


def body(response):
    data = response.data
    return gzip.decompress(data) if response.headers.get("Content-Encoding") == "gzip" else data


@pytest.mark.parametrize("url", FEEDS)
def test_navigation_gets_a_korean_page_and_readers_the_same_feed_bytes(demo_client, url):
    before = [demo_client.get(url, headers=h) for h in READERS]
    page = demo_client.get(url, headers=NAVIGATE)
    again = demo_client.get(url, headers=NAVIGATE)  # the fast path's copy, where it keeps one
    after = [demo_client.get(url, headers=h) for h in READERS]
    assert page.status_code == again.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert body(again) == body(page)
    html = body(page).decode()
    assert "구독용 피드" in html and "XSLT" not in html
    assert page.headers["ETag"].endswith('-html"')
    assert {"Sec-Fetch-Dest", "Sec-Fetch-Mode", "Accept", "Accept-Encoding"} <= set(page.vary)
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    for first, second in zip(before, after):
        assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"]
        assert second.headers["Content-Type"] == first.headers["Content-Type"] != page.headers["Content-Type"]
        assert "Sec-Fetch-Dest" in second.vary
        assert page.headers["ETag"] != first.headers["ETag"]
    if not url.split("?")[0].endswith(".json"):
        assert feedparser.parse(body(after[0])).bozo == 0


def test_each_variant_answers_304_only_to_its_own_etag(demo_client):
    url = "/feeds/category/governor.rss"
    feed = demo_client.get(url).headers["ETag"]
    page = demo_client.get(url, headers=NAVIGATE).headers["ETag"]
    for _ in range(2):  # Flask, then the fast path
        assert demo_client.get(url, headers={"If-None-Match": feed}).status_code == 304
        assert demo_client.get(url, headers={**NAVIGATE, "If-None-Match": page}).status_code == 304
        assert demo_client.get(url, headers={**NAVIGATE, "If-None-Match": feed}).status_code == 200
        crossed = demo_client.get(url, headers={"If-None-Match": page})
        assert crossed.status_code == 200 and crossed.data.startswith(b"<?xml")


def test_feed_page_lists_the_feed_items_with_korean_dates_and_the_other_formats(demo_client):
    url = "/feeds/category/notice/search.atom?field=all&q=%EA%B2%BD%EA%B8%B0%EB%8F%84"
    feed = feedparser.parse(demo_client.get(url).data)
    doc = lxml.html.fromstring(body(demo_client.get(url, headers=NAVIGATE)))
    assert doc.xpath("//ul[@class='feed-items']/li/a/@href") == [e.link for e in feed.entries]
    dates = doc.xpath("//ul[@class='feed-items']//time/text()")
    assert dates[0] == long_datetime(datetime.fromisoformat(feed.entries[0].published))
    assert all(KOREAN_DATE.match(d) for d in dates) and "+0900" not in lxml.html.tostring(doc, encoding=str)
    self_url = "http://localhost" + url
    assert doc.xpath("//button[@class='copy']/@data-copy") == [self_url]
    assert doc.xpath("//code[@id='feed-url']/text()") == [self_url]
    others = doc.xpath("//p[@class='formats']/a/@href")
    assert url.replace(".atom", ".rss") in others and url.replace(".atom", ".json") in others
    assert "http://localhost/board/notice/?field=all&q=%EA%B2%BD%EA%B8%B0%EB%8F%84" in others
    assert doc.xpath("//h1/text()") == [feed.feed.title]


def test_other_fetches_from_a_browser_get_the_feed(demo_client):
    """fetch(), <link> prefetches and frames send Sec-Fetch-* too, but are no page navigation."""
    for headers in ({"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty", "Accept": "*/*"},
                    {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe", "Accept": "text/html"},
                    {"Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "document"}):
        response = demo_client.get("/feeds/all.atom", headers=headers)
        assert response.data.startswith(b"<?xml"), headers


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_feed_xsl_shows_korean_dates_for_browsers_without_fetch_metadata(demo_client, fmt):
    """Older browsers (no Sec-Fetch-*) still get application/xml and apply feed.xsl."""
    response = demo_client.get(f"/feeds/all.{fmt}", headers={"Accept": NAVIGATE["Accept"]})
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    stylesheet = etree.XSLT(etree.fromstring(demo_client.get("/static/feed.xsl").data))
    page = lxml.html.fromstring(str(stylesheet(etree.fromstring(response.data))))
    shown = page.xpath("//ul[@class='feed-items']/li/small/text()")
    feed = feedparser.parse(response.data)
    assert len(shown) == len(feed.entries) == 20
    for text, entry in zip(shown, feed.entries):
        instant = datetime(*entry.published_parsed[:6], tzinfo=UTC)
        expected = format_datetime(instant, "yyyy년 M월 d일 HH:mm", tzinfo=KST, locale="ko_KR")
        assert text.endswith(" · " + expected) and "+0900" not in text


def test_an_archive_document_in_a_browser_is_a_korean_page_naming_the_subscription(demo_client):
    feed = etree.fromstring(demo_client.get("/feeds/all.atom").data)
    archive = feed.find("{http://www.w3.org/2005/Atom}link[@rel='prev-archive']").get("href")
    path = archive.removeprefix("http://localhost")
    xml = demo_client.get(path, headers=READERS[0])
    page = demo_client.get(path, headers=NAVIGATE)
    assert xml.headers["Content-Type"].startswith("application/atom+xml")
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.headers["ETag"] == xml.headers["ETag"][:-1] + '-html"'
    tree = lxml.html.fromstring(body(page))
    assert "보관 문서" in tree.text_content() and "XSLT" not in tree.text_content()
    assert tree.xpath("//code[@id='feed-url']/text()") == ["http://localhost/feeds/all.atom"]
    titles = [e.title for e in feedparser.parse(body(xml)).entries]
    assert tree.xpath("//ul[@class='feed-items']/li/a/text()") == titles
    assert tree.xpath("//a[@rel='prev-archive']")  # the walk goes on in the browser too
