"""Serialisers of feedserver.syndication, checked by parsing their output."""
import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import feedparser
import lxml.html
import pytest
from lxml import etree

from feedserver.syndication.formats import (
    Enclosure,
    Feed,
    Item,
    absolutize_html,
    clean_text,
    to_atom,
    to_json,
    to_opml,
    to_rss,
)

KST = ZoneInfo("Asia/Seoul")
WHEN = datetime(2024, 5, 6, 23, 46, tzinfo=timezone.utc).astimezone(KST)
NS = {"a": "http://www.w3.org/2005/Atom", "dc": "http://purl.org/dc/elements/1.1/",
      "content": "http://purl.org/rss/1.0/modules/content/",
      "sy": "http://purl.org/rss/1.0/modules/syndication/",
      "fh": "http://purl.org/syndication/history/1.0"}
PDF = Enclosure("https://press.example.kr/files/1", 123456, "application/pdf", "보도자료 원문.pdf")
PNG = Enclosure("https://press.example.kr/files/2", 2048, "image/png", "현장 사진.png")
HOSTILE = ("제목\x00\x0b\ufffe\ud800 ]]> <script>alert(1)</script>"
           " <img src=x onerror=alert(1)> &amp; 😀 漢字")
SERIALISERS = [to_rss, to_atom, to_json]


def make_item(n=1, **changes):
    item = Item(
        id=f"urn:uuid:00000000-0000-0000-0000-{n:012d}", title=f"A & B 보도 {n}",
        link=f"https://press.example.kr/board/{n}",
        published=WHEN - timedelta(hours=n), updated=WHEN,
        author="경기지기", category="보도자료", category_term="press",
        summary=f"요약 {n}",
        content_html='<p>본문 <a href="../files/9">원문</a><img src="/img/1.png"></p>',
        enclosures=(PDF, PNG))
    return replace(item, **changes)


def make_feed(**changes):
    feed = Feed(
        id="urn:uuid:feed", title="경기 보도자료", description="경기도 보도자료 게시판",
        link="https://press.example.kr/board", self_url="https://press.example.kr/feed.xml",
        updated=WHEN, items=(make_item(1), make_item(2), make_item(3)))
    return replace(feed, **changes)


def xml(data):
    return etree.fromstring(data, etree.XMLParser(recover=False, resolve_entities=False))


def html(fragment):
    return lxml.html.fragment_fromstring(fragment, create_parent="div")


def parsed(data):
    result = feedparser.parse(data)
    assert result.bozo == 0, result.get("bozo_exception")
    return result


def rss_item(feed=None):
    return xml(to_rss(feed or make_feed())).find("channel/item")


def atom_entry(feed=None):
    return xml(to_atom(feed or make_feed())).find("a:entry", NS)


def test_clean_text_removes_what_xml_cannot_carry():
    dirty = "a\x00b\x08\x0b\x0c\x1f\ud800\udfff\ufffe\uffff\ufdd0\U0001fffe\U0010ffffc"
    assert clean_text(dirty) == "abc"
    assert clean_text("탭\t줄\n복귀\r 😀 漢字 &amp; ]]>") == "탭\t줄\n복귀\r 😀 漢字 &amp; ]]>"


def test_absolutize_html_resolves_every_link_and_keeps_markup():
    source = ('lead <p class="x"><a href="../files/9">원문</a><img src="/img/1.png"'
            ' srcset="a.png 1x, /b.png 2x"><a href="#top">top</a></p>tail')
    root = html(absolutize_html(source, "https://press.example.kr/board/1"))
    assert root.text == "lead " and root.find("p").tail == "tail"
    assert root.find("p").get("class") == "x"
    assert [a.get("href") for a in root.iter("a")] == [
        "https://press.example.kr/files/9", "https://press.example.kr/board/1#top"]
    img = root.find("p/img")
    assert img.get("src") == "https://press.example.kr/img/1.png"
    assert img.get("srcset") == ("https://press.example.kr/board/a.png 1x,"
                                 " https://press.example.kr/b.png 2x")


def test_absolutize_html_strips_active_content():
    source = ('<p onclick="x()">글<script>alert(1)</script><style>p{}</style>'
            '<img src="a.png" onerror="alert(1)"><a href=" java\tscript:alert(1)">x</a>'
            '<a href="VBScript:x">y</a><!-- note --></p>')
    p = html(absolutize_html(source, "https://press.example.kr/board/1")).find("p")
    assert p.text == "글" and [el.tag for el in p] == ["img", "a", "a"]
    assert [dict(el.attrib) for el in p.iter()] == [
        {}, {"src": "https://press.example.kr/board/a.png"}, {}, {}]
    assert absolutize_html("  ", "https://press.example.kr/") == ""


@pytest.mark.parametrize("serialise", SERIALISERS)
def test_output_is_deterministic(serialise):
    assert serialise(make_feed()) == serialise(make_feed())


def test_rss_channel():
    channel = xml(to_rss(make_feed(hubs=("https://hub.example/",)))).find("channel")
    assert channel.findtext("link") == "https://press.example.kr/board"
    self_link = channel.find("a:link[@rel='self']", NS)
    assert self_link.get("href") == "https://press.example.kr/feed.xml"
    assert channel.findtext("lastBuildDate") == "Tue, 07 May 2024 08:46:00 +0900"
    assert channel.findtext("language") == "ko"
    assert channel.findtext("description") == "경기도 보도자료 게시판"
    assert channel.find("fh:archive", NS) is None


@pytest.mark.parametrize(("ttl", "frequency"), [(10, "6"), (60, "1"), (90, "1"), (1, "60")])
def test_rss_ttl_agrees_with_syndication_module(ttl, frequency):
    channel = xml(to_rss(make_feed(ttl_minutes=ttl))).find("channel")
    assert channel.findtext("ttl") == str(ttl)
    assert channel.findtext("sy:updatePeriod", namespaces=NS) == "hourly"
    assert channel.findtext("sy:updateFrequency", namespaces=NS) == frequency


def test_rss_item():
    item = rss_item()
    guid = item.find("guid")
    assert guid.text == "urn:uuid:00000000-0000-0000-0000-000000000001"
    assert guid.get("isPermaLink") == "false"
    assert item.findtext("link") == "https://press.example.kr/board/1"
    assert item.findtext("category") == "보도자료"
    assert item.findtext("description") == "요약 1"
    assert item.findtext("dc:creator", namespaces=NS) == "경기지기"
    assert item.find("author") is None
    enclosures = item.findall("enclosure")
    assert [dict(e.attrib) for e in enclosures] == [
        {"url": PDF.url, "length": "123456", "type": "application/pdf"}]
    body = html(item.findtext("content:encoded", namespaces=NS))
    assert body.find("p/a").get("href") == "https://press.example.kr/files/9"
    assert body.find("p/img").get("src") == "https://press.example.kr/img/1.png"
    assert body.findtext("h3") == "첨부파일"
    assert [(a.get("href"), a.text) for a in body.iterfind("ul/li/a")] == [(PNG.url, PNG.title)]


def test_rss_item_with_one_attachment_has_no_list():
    item = rss_item(make_feed(items=(make_item(enclosures=(PDF,)),)))
    assert len(item.findall("enclosure")) == 1
    assert html(item.findtext("content:encoded", namespaces=NS)).find("h3") is None


def test_dates_keep_offset_and_instant():
    assert rss_item().findtext("pubDate") == "Tue, 07 May 2024 07:46:00 +0900"
    entry = atom_entry()
    assert entry.findtext("a:published", namespaces=NS) == "2024-05-07T07:46:00+09:00"
    assert entry.findtext("a:updated", namespaces=NS) == "2024-05-07T08:46:00+09:00"
    for serialise in (to_rss, to_atom):
        first = parsed(serialise(make_feed())).entries[0]
        assert tuple(first.published_parsed)[:6] == (2024, 5, 6, 22, 46, 0)
    item = json.loads(to_json(make_feed()))["items"][0]
    assert item["date_modified"] == "2024-05-07T08:46:00+09:00"
    assert datetime.fromisoformat(item["date_published"]) == WHEN - timedelta(hours=1)


def test_atom_entry():
    entry = atom_entry()
    assert entry.findtext("a:id", namespaces=NS) == "urn:uuid:00000000-0000-0000-0000-000000000001"
    assert entry.findtext("a:title", namespaces=NS) == "A & B 보도 1"
    alternate = entry.find("a:link[@rel='alternate']", NS)
    assert alternate.get("href") == "https://press.example.kr/board/1"
    assert entry.findtext("a:author/a:name", namespaces=NS) == "경기지기"
    category = entry.find("a:category", NS)
    assert (category.get("term"), category.get("label")) == ("press", "보도자료")
    summary, content = entry.find("a:summary", NS), entry.find("a:content", NS)
    assert (summary.get("type"), summary.text) == ("text", "요약 1")
    assert content.get("type") == "html"
    assert html(content.text).find("p/a").get("href") == "https://press.example.kr/files/9"


def test_atom_enclosure_links_keep_rel_type_length():
    links = atom_entry().findall("a:link[@rel='enclosure']", NS)
    assert [dict(link.attrib) for link in links] == [
        {"rel": "enclosure", "href": e.url, "type": e.mime_type, "length": str(e.length),
         "title": e.title} for e in (PDF, PNG)]
    enclosures = parsed(to_atom(make_feed())).entries[0].enclosures
    assert [(e.href, e.type, e.length) for e in enclosures] == [
        (PDF.url, "application/pdf", "123456"), (PNG.url, "image/png", "2048")]


def test_atom_feed_head():
    root = xml(to_atom(make_feed(icon="https://press.example.kr/icon.png")))
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "ko"
    assert root.findtext("a:updated", namespaces=NS) == "2024-05-07T08:46:00+09:00"
    links = {link.get("rel"): link.get("href") for link in root.findall("a:link", NS)}
    assert links == {"self": "https://press.example.kr/feed.xml",
                     "alternate": "https://press.example.kr/board"}
    assert root.findtext("a:icon", namespaces=NS) == "https://press.example.kr/icon.png"


@pytest.mark.parametrize("serialise", [to_rss, to_atom])
def test_xml_items_keep_order_and_plain_titles(serialise):
    result = parsed(serialise(make_feed()))
    assert [e.title for e in result.entries] == ["A & B 보도 1", "A & B 보도 2", "A & B 보도 3"]
    assert [e.author for e in result.entries] == ["경기지기"] * 3
    assert result.feed.link == "https://press.example.kr/board"


def test_json_feed():
    doc = json.loads(to_json(make_feed(icon="https://press.example.kr/icon.png")))
    assert {k: doc[k] for k in ("version", "title", "home_page_url", "feed_url",
                                "description", "language")} == {
        "version": "https://jsonfeed.org/version/1.1", "title": "경기 보도자료",
        "home_page_url": "https://press.example.kr/board",
        "feed_url": "https://press.example.kr/feed.xml",
        "description": "경기도 보도자료 게시판", "language": "ko"}
    assert doc["authors"][0]["name"] == "경기 보도자료"
    assert "next_url" not in doc and "hubs" not in doc
    assert [i["title"] for i in doc["items"]] == ["A & B 보도 1", "A & B 보도 2", "A & B 보도 3"]
    item = doc["items"][0]
    assert item["id"] == "urn:uuid:00000000-0000-0000-0000-000000000001"
    assert (item["url"], item["summary"], item["tags"]) == (
        "https://press.example.kr/board/1", "요약 1", ["보도자료"])
    assert item["authors"] == [{"name": "경기지기"}]
    assert html(item["content_html"]).find("p/a").get("href") == "https://press.example.kr/files/9"
    assert item["attachments"] == [
        {"url": e.url, "mime_type": e.mime_type, "title": e.title, "size_in_bytes": e.length}
        for e in (PDF, PNG)]


def test_json_is_compact_utf8():
    data = to_json(make_feed())
    assert json.loads(data.decode("utf-8"))["title"] == "경기 보도자료"
    assert json.dumps(json.loads(data), ensure_ascii=False, separators=(",", ":")).encode() == data


def test_websub_hubs_in_every_format():
    feed = make_feed(hubs=("https://hub.example/", "https://pubsubhubbub.appspot.com/"))
    rss_hubs = xml(to_rss(feed)).findall("channel/a:link[@rel='hub']", NS)
    atom_hubs = xml(to_atom(feed)).findall("a:link[@rel='hub']", NS)
    for links in (rss_hubs, atom_hubs):
        assert [link.get("href") for link in links] == list(feed.hubs)
    assert json.loads(to_json(feed))["hubs"] == [
        {"type": "WebSub", "url": hub} for hub in feed.hubs]


def test_archive_document_links():
    feed = make_feed(prev_archive="https://press.example.kr/feed/archive/2",
                     next_archive="https://press.example.kr/feed/archive/4",
                     current="https://press.example.kr/feed.xml", is_archive=True)
    rss_channel, atom_root = xml(to_rss(feed)).find("channel"), xml(to_atom(feed))
    for parent, prefix in ((rss_channel, "a:link"), (atom_root, "a:link")):
        rels = {link.get("rel"): link.get("href") for link in parent.findall(prefix, NS)}
        assert rels["prev-archive"] == feed.prev_archive
        assert rels["next-archive"] == feed.next_archive
        assert rels["current"] == feed.current
        assert parent.find("fh:archive", NS) is not None
    assert rss_channel.findtext("link") == "https://press.example.kr/board"
    assert json.loads(to_json(feed))["next_url"] == feed.prev_archive


@pytest.mark.parametrize("serialise", [to_rss, to_atom])
def test_stylesheet_processing_instruction(serialise):
    data = serialise(make_feed(stylesheet='/static/feed.xsl?v=1&x="y"'))
    pi = xml(data).getprevious()
    assert isinstance(pi, etree._ProcessingInstruction) and pi.target == "xml-stylesheet"
    assert pi.get("type") == "text/xsl"
    # Pseudo-attributes carry & as &amp;, which lxml does not decode.
    assert pi.get("href") == "/static/feed.xsl?v=1&amp;x=%22y%22"
    parsed(data)
    assert xml(serialise(make_feed())).getprevious() is None


def test_hostile_text_leaves_every_format_well_formed():
    item = make_item(title=HOSTILE, summary=HOSTILE, author=HOSTILE, category=HOSTILE,
                     content_html=f"<p>{HOSTILE}</p>",
                     enclosures=(replace(PDF, title=HOSTILE), replace(PNG, title=HOSTILE)))
    feed = make_feed(title=HOSTILE, description=HOSTILE, items=(item,))
    for serialise in (to_rss, to_atom):
        data = serialise(feed)
        xml(data)
        entry = parsed(data).entries[0]
        for text in (entry.title, entry.summary, entry.content[0].value):
            assert "😀" in text and "漢字" in text
    entry = atom_entry(feed)
    assert entry.findtext("a:title", namespaces=NS) == clean_text(HOSTILE)
    body = html(entry.findtext("a:content", namespaces=NS))
    assert body.find(".//script") is None
    assert all(not name.startswith("on") for el in body.iter() for name in el.attrib)
    doc = json.loads(to_json(feed).decode("utf-8"))
    assert doc["items"][0]["title"] == clean_text(HOSTILE)
    json_body = html(doc["items"][0]["content_html"])
    assert json_body.find(".//script") is None and "😀" in json_body.text_content()


def test_empty_feed_is_valid_everywhere():
    feed = make_feed(items=())
    assert xml(to_rss(feed)).find("channel/item") is None
    assert xml(to_atom(feed)).find("a:entry", NS) is None
    for serialise in (to_rss, to_atom):
        assert parsed(serialise(feed)).entries == []
    assert json.loads(to_json(feed))["items"] == []


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError):
        to_atom(make_feed(updated=datetime(2024, 5, 7, 8, 46)))


def test_opml():
    root = xml(to_opml("경기 구독\x00", [("경기 보도자료", "https://press.example.kr/feed.xml",
                                         "https://press.example.kr/board")]))
    assert (root.tag, root.get("version")) == ("opml", "2.0")
    assert root.findtext("head/title") == "경기 구독"
    assert [dict(o.attrib) for o in root.iterfind("body/outline")] == [
        {"type": "rss", "text": "경기 보도자료", "title": "경기 보도자료",
         "xmlUrl": "https://press.example.kr/feed.xml",
         "htmlUrl": "https://press.example.kr/board"}]
