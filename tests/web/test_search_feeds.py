"""Search feeds: one canonical self URL the hub accepts, and board searches with feeds of their own."""
import re
from urllib.parse import quote_plus as quote

import lxml.html
import pytest
from lxml import etree

ATOM = "{http://www.w3.org/2005/Atom}"
FORMATS = ("rss", "atom", "json")
# (board, field, q): the issue's two cases, and more across fields and boards.
BOARD_SEARCHES = [
    ("notice", "all", "경기도"), ("governor", "author", "대변인실"), ("press", "author", "대변인실"),
    ("governor", "title", "경기도"), ("governor", "body", "청년"), ("press", "title", "지사"),
    ("notice", "title", "전통시장 활성화"), ("governor", "all", "엔비디아"),
]


def header_self(response):
    """Return the one URL the Link header names as rel="self"."""
    selves = [link for link in response.headers.getlist("Link") if link.endswith('rel="self"')]
    assert len(selves) == 1, selves
    return re.fullmatch(r'<([^>]*)>; rel="self"', selves[0]).group(1)


def document_self(response, fmt):
    """Return the self URL the feed document names itself by."""
    if fmt == "json":
        return response.json["feed_url"]
    root = etree.fromstring(response.data)
    return root.xpath("//atom:link[@rel='self']/@href", namespaces={"atom": ATOM[1:-1]})[0]


@pytest.mark.parametrize("path, canonical", [
    ("/feeds/search.{fmt}?field=title&q=경기도", "/feeds/search.{fmt}?field=title&q=%EA%B2%BD%EA%B8%B0%EB%8F%84"),
    # Any spelling of the same search names the one canonical URL (order, spaces, default field).
    ("/feeds/search.{fmt}?q=%20경기%20%20도%20&field=title", "/feeds/search.{fmt}?field=title&q=%EA%B2%BD%EA%B8%B0+%EB%8F%84"),
    ("/feeds/search.{fmt}?q=경기도", "/feeds/search.{fmt}?field=all&q=%EA%B2%BD%EA%B8%B0%EB%8F%84"),
    ("/feeds/search.{fmt}?field=title&q=경기도&limit=5", "/feeds/search.{fmt}?field=title&q=%EA%B2%BD%EA%B8%B0%EB%8F%84&limit=5"),
    ("/feeds/category/notice/search.{fmt}?field=all&q=경기도",
     "/feeds/category/notice/search.{fmt}?field=all&q=%EA%B2%BD%EA%B8%B0%EB%8F%84"),
])
def test_search_feed_link_header_and_document_name_the_same_full_self_url(demo_client, path, canonical):
    for fmt in FORMATS:
        response = demo_client.get(path.format(fmt=fmt))
        assert response.status_code == 200
        expected = "http://localhost" + canonical.format(fmt=fmt)
        assert header_self(response) == document_self(response, fmt) == expected


def test_search_feed_self_is_a_topic_the_hub_accepts_and_delivers(db_app, subscriber, websub, make_category):
    """Subscribe as a WebSub subscriber does (to the Link header's self) and get the matching release."""
    app = db_app
    app.config.update(websub.FAST)
    with app.app_context():
        news, other = make_category("news", "소식"), make_category("other", "공지")
    client = app.test_client()
    site_topic = header_self(client.get("/feeds/search.atom?field=title&q=경기도 청년"))
    board_topic = header_self(client.get("/feeds/category/news/search.rss?field=title&q=경기도"))
    assert websub.subscribe(client, site_topic, subscriber.url("/site")).status_code == 202
    assert websub.subscribe(client, board_topic, subscriber.url("/board")).status_code == 202
    with websub.running_worker(app):
        websub.subscribed(app, subscriber.url("/site"))
        websub.subscribed(app, subscriber.url("/board"))
        websub.publish(app, other, "경기도 청년 일자리 (다른 게시판)")
        websub.publish(app, news, "경기도 청년 주택 (소식)")
        websub.wait_for(lambda: subscriber.received("/board") and len(subscriber.received("/site")) >= 2)
        websub.publish(app, news, "관계없는 소식")
        websub.wait_for(lambda: len(subscriber.received("/site")) >= 2, timeout=1)
    for path, topic in (("/site", site_topic), ("/board", board_topic)):
        for headers, body, _ in subscriber.received(path):
            assert f'<{topic}>; rel="self"' in headers["Link"]
    # The board's search feed was told only of the release on its own board.
    board = subscriber.received("/board")
    assert len(board) == 1
    titles = [e.findtext("title") for e in etree.fromstring(board[0][1]).iter("item")]
    assert titles == ["경기도 청년 주택 (소식)"]
    assert len(subscriber.received("/site")) == 2


def board_ids(client, slug, field, q):
    """Return the public ids of the first page of a board search, and the page's document."""
    html = client.get(f"/board/{slug}/?field={field}&q={quote(q)}").get_data(as_text=True)
    doc = lxml.html.fromstring(html)
    hrefs = doc.xpath("//table[contains(@class,'board-table')]//td[@class='col-title']/a/@href")
    return [href.split("/releases/")[1].split("?")[0] for href in hrefs], doc


def feed_ids(client, url):
    items = client.get(url).json["items"]
    return [item["url"].rsplit("/releases/", 1)[1] for item in items]


@pytest.mark.parametrize("slug, field, q", BOARD_SEARCHES)
def test_board_search_links_its_own_feed_with_the_same_results(demo_client, slug, field, q):
    ids, doc = board_ids(demo_client, slug, field, q)
    feed_url = f"/feeds/category/{slug}/search.json?field={field}&q={quote(q)}"
    # The page names this very feed, in <head> and visibly.
    alternates = doc.xpath("//head/link[@rel='alternate']/@href")
    visible = doc.xpath("//p[@class='board-feeds']/a[@class='feed-link']/@href")
    assert feed_url in alternates and feed_url in visible
    assert alternates == [feed_url.replace(".json", f".{fmt}") for fmt in FORMATS]
    found = feed_ids(demo_client, feed_url)
    assert found[:len(ids)] == ids
    board = doc.xpath("//h1/text()")[0]
    assert f'{board} "{q}"' in demo_client.get(feed_url).json["title"]
    assert len(ids) == 10 or found == ids  # a short result set: the feed holds exactly it


def test_board_search_feed_matches_the_board_on_every_database(db_app, make_category, make_release):
    """The same matches in the same order on SQLite (FTS), PostgreSQL and MariaDB (windows)."""
    from datetime import timedelta

    from feedserver.models import utcnow
    with db_app.app_context():
        boards = [make_category("news", "소식"), make_category("notice", "공지")]
        start = utcnow() - timedelta(days=30)
        for n in range(36):
            make_release(boards[n % 2], title=f"경기도 {'청년' if n % 3 else '기후'} 소식 {n}",
                         author=("대변인실", "경기지기", "홍보기획관")[n % 3],
                         body=f"<p>본문 {n} {'주거 지원' if n % 4 == 0 else '일자리'}</p>",
                         published_at=start + timedelta(hours=n * 7 % 36, minutes=n))
    client = db_app.test_client()
    for slug, field, q in [("news", "title", "경기도"), ("notice", "author", "대변인실"),
                           ("news", "body", "주거 지원"), ("notice", "all", "기후"), ("news", "all", "없는말")]:
        ids, _ = board_ids(client, slug, field, q)
        found = feed_ids(client, f"/feeds/category/{slug}/search.json?field={field}&q={quote(q)}")
        assert found[:len(ids)] == ids, (slug, field, q)
        assert len(ids) == 10 or found == ids, (slug, field, q)


def test_site_search_links_its_own_feed_with_the_same_results(demo_client):
    html = demo_client.get(f"/board/?field=title&q={quote('경기도')}").get_data(as_text=True)
    doc = lxml.html.fromstring(html)
    feed_url = f"/feeds/search.json?field=title&q={quote('경기도')}"
    assert feed_url in doc.xpath("//head/link[@rel='alternate']/@href")
    assert feed_url in doc.xpath("//p[@class='board-feeds']/a/@href")
    hrefs = doc.xpath("//td[@class='col-title']/a/@href")
    ids = [href.split("/releases/")[1].split("?")[0] for href in hrefs]
    assert len(ids) == 10 and feed_ids(demo_client, feed_url)[:10] == ids


def test_board_search_feed_of_an_unknown_board_or_without_words_is_refused(demo_client):
    assert demo_client.get("/feeds/category/nope/search.atom?q=경기도").status_code == 404
    assert demo_client.get("/feeds/category/notice/search.atom?q=").status_code == 400
    assert demo_client.get("/feeds/category/notice/search.rss?field=bad&q=a").status_code == 400
