"""Feeds as strict readers and aggregators see them: parsed, never substring-matched."""
import gzip
import json
import time
from datetime import datetime, timedelta, timezone

import feedparser
import pytest
from lxml import etree

from feedserver.models import Release, bump_feed_state, utcnow

FORMATS = ("rss", "atom", "json")
ATOM = "{http://www.w3.org/2005/Atom}"
SEED_TITLE = "(해외방문) 김동연 지사, 엔비디아에 “경기도 AI데이터센터 구축 추진” 협력 제안"


def parse(response, fmt):
    """Parse a feed response strictly; return (feedparser result or json dict)."""
    assert response.status_code == 200, response.data[:300]
    if fmt == "json":
        doc = json.loads(response.data)
        assert doc["version"] == "https://jsonfeed.org/version/1.1"
        assert isinstance(doc["title"], str) and isinstance(doc["items"], list)
        for item in doc["items"]:
            assert isinstance(item["id"], str) and ("content_html" in item or "content_text" in item)
        return doc
    etree.fromstring(response.data, etree.XMLParser(recover=False))
    parsed = feedparser.parse(response.data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def ids(doc):
    if isinstance(doc, dict):
        return [item["id"] for item in doc["items"]]
    return [entry.id for entry in doc.entries]


def all_feed_urls(client):
    urls = [f"/feeds/all.{f}" for f in FORMATS]
    urls += [f"/feeds/category/{slug}.{f}" for slug in ("governor", "press", "notice") for f in FORMATS]
    urls += [f"/feeds/search.{f}?field=title&q=청년" for f in FORMATS]
    urls += [f"/feeds/archive/category/governor/{m}.{f}" for m in ("2022-07", "2025-03") for f in FORMATS]
    return urls


def test_every_demo_feed_parses_strictly(demo_client):
    for url in all_feed_urls(demo_client):
        fmt = url.split("?")[0].rsplit(".", 1)[1]
        doc = parse(demo_client.get(url), fmt)
        assert ids(doc), url


@pytest.mark.parametrize("fmt, content_type", [
    ("rss", "application/rss+xml; charset=utf-8"), ("atom", "application/atom+xml; charset=utf-8"),
    ("json", "application/feed+json; charset=utf-8")])
def test_http_headers(demo_client, fmt, content_type):
    response = demo_client.get(f"/feeds/all.{fmt}")
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "public, max-age=600"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    assert f'<http://localhost/feeds/all.{fmt}>; rel="self"' in response.headers.getlist("Link")
    zipped = demo_client.get(f"/feeds/all.{fmt}", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == response.data
    head = demo_client.head(f"/feeds/all.{fmt}")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["ETag"] == response.headers["ETag"]
    assert int(head.headers["Content-Length"]) == len(response.data)


def test_feed_level_fields(demo_client):
    rss = etree.fromstring(demo_client.get("/feeds/category/governor.rss").data)
    channel = rss.find("channel")
    assert channel.findtext("language") == "ko"
    assert channel.findtext("link") == "http://localhost/board/governor/"
    assert channel.find(f"{ATOM}link[@rel='self']").get("href") == "http://localhost/feeds/category/governor.rss"
    assert channel.findtext("title").endswith("도지사 보도자료")
    assert channel.findtext("ttl") == "10"
    sy = "{http://purl.org/rss/1.0/modules/syndication/}"
    assert channel.findtext(f"{sy}updatePeriod") == "hourly" and channel.findtext(f"{sy}updateFrequency") == "6"
    assert len(channel.findall("item")) == 20
    atom = etree.fromstring(demo_client.get("/feeds/category/governor.atom").data)
    assert atom.find(f"{ATOM}link[@rel='alternate']").get("href") == "http://localhost/board/governor/"
    # feed updated comes from the data, not from the clock
    newest = max(e.findtext(f"{ATOM}updated") for e in atom.findall(f"{ATOM}entry"))
    assert atom.findtext(f"{ATOM}updated") >= newest
    from email.utils import parsedate_to_datetime
    last_modified = parsedate_to_datetime(demo_client.get("/feeds/category/governor.atom").headers["Last-Modified"])
    assert datetime.fromisoformat(atom.findtext(f"{ATOM}updated")) == last_modified


def test_item_fields_and_attachments(demo_app):
    client = demo_app.test_client()
    with demo_app.app_context():
        release = next(r for r in Release.visible() if r.attachments.count() == 2)
        files = list(release.attachments)
    slug = "governor" if release.category_id == 1 else "press"
    atom = etree.fromstring(client.get(f"/feeds/category/{slug}.atom?limit=100").data)
    entry = next(e for e in atom.findall(f"{ATOM}entry") if e.findtext(f"{ATOM}id") == release.feed_id)
    enclosures = entry.findall(f"{ATOM}link[@rel='enclosure']")
    assert [(e.get("type"), e.get("length")) for e in enclosures] == [(f.content_type, str(f.size)) for f in files]
    assert all(e.get("href").startswith("http://localhost/releases/") for e in enclosures)
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == release.author
    assert entry.find(f"{ATOM}category").get("term") == slug
    rss = etree.fromstring(client.get(f"/feeds/category/{slug}.rss?limit=100").data)
    item = next(i for i in rss.iter("item") if i.findtext("guid") == release.feed_id)
    assert item.find("guid").get("isPermaLink") == "false"
    assert len(item.findall("enclosure")) == 1
    assert item.findtext("{http://purl.org/dc/elements/1.1/}creator") == release.author
    content = item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded")
    assert files[1].filename in content
    doc = json.loads(client.get(f"/feeds/category/{slug}.json?limit=100").data)
    jitem = next(i for i in doc["items"] if i["id"] == release.feed_id)
    assert [a["size_in_bytes"] for a in jitem["attachments"]] == [f.size for f in files]
    assert jitem["authors"] == [{"name": release.author}]


def test_seed_release_times(demo_client):
    # The archive document of its month of publication holds the seed release.
    atom_doc = demo_client.get("/feeds/archive/category/governor/2024-05.atom").data
    atom = etree.fromstring(atom_doc)
    atom_dates = {e.findtext(f"{ATOM}title"): e.findtext(f"{ATOM}published")
                  for e in atom.findall(f"{ATOM}entry")}
    rss = etree.fromstring(demo_client.get("/feeds/archive/category/governor/2024-05.rss").data)
    rss_dates = {i.findtext("title"): i.findtext("pubDate") for i in rss.iter("item")}
    assert rss_dates[SEED_TITLE] == "Tue, 07 May 2024 08:46:00 +0900"
    assert atom_dates[SEED_TITLE] == "2024-05-07T08:46:00+09:00"
    parsed = feedparser.parse(atom_doc)
    entry = next(e for e in parsed.entries if e.title == SEED_TITLE)
    assert tuple(entry.published_parsed)[:5] == (2024, 5, 6, 23, 46)


def _edit(app, release_id, **fields):
    with app.app_context():
        release = Release.get_by_id(release_id)
        for key, value in fields.items():
            setattr(release, key, value)
        # What publishing.update_release stamps when a public release's content changes.
        release.updated_at = release.content_changed_at = utcnow() + timedelta(seconds=5)
        release.revision += 1
        release.save()
        bump_feed_state([release.category_id])


def test_edit_keeps_ids_and_moves_only_updated(demo_app):
    client = demo_app.test_client()
    urls = [f"/feeds/all.{f}" for f in FORMATS] + [f"/feeds/category/governor.{f}" for f in FORMATS]
    before = {u: parse(client.get(u), u.rsplit(".", 1)[1]) for u in urls}
    with demo_app.app_context():
        target = Release.visible().where(Release.category == 1).first()
    _edit(demo_app, target.id, title="수정된 제목 & <특수문자>", body_html="<p>수정된 본문</p>",
          body_text="수정된 본문")
    for url in urls:
        after = parse(client.get(url), url.rsplit(".", 1)[1])
        assert ids(after) == ids(before[url])
    atom_before = next(e for e in before["/feeds/all.atom"].entries if e.id == target.feed_id)
    atom_after = next(e for e in parse(client.get("/feeds/all.atom"), "atom").entries if e.id == target.feed_id)
    assert atom_after.title == "수정된 제목 & <특수문자>"
    assert atom_after.updated_parsed > atom_before.updated_parsed
    assert atom_after.published_parsed == atom_before.published_parsed
    json_after = json.loads(client.get("/feeds/all.json").data)
    jitem = next(i for i in json_after["items"] if i["id"] == target.feed_id)
    assert jitem["date_modified"] > jitem["date_published"]


HOSTILE = "제목 \x00 \x0b \ufffe \ud800 ]]> <script>alert(1)</script> <img src=x onerror=alert(2)> &amp; 😀 漢字"


def test_hostile_text_leaves_every_format_well_formed(app, make_category, make_release):
    with app.app_context():
        cat = make_category()
        make_release(cat, title=HOSTILE, author="작성자 \x00😀",
                     body="<p>" + HOSTILE + '</p><a href="/relative">링크</a><img src="/img.png" onerror="x()">')
    client = app.test_client()
    for fmt in FORMATS:
        response = client.get(f"/feeds/all.{fmt}")
        doc = parse(response, fmt)
        if fmt == "json":
            item = doc["items"][0]
            title, content = item["title"], item["content_html"]
        else:
            entry = doc.entries[0]
            title, content = entry.title, entry.content[0].value if "content" in entry else entry.summary
        assert "😀" in title and "漢字" in title and "\x00" not in title
        assert "<script" not in content.lower() and "onerror" not in content.lower()
        assert 'href="http://localhost/relative"' in content and 'src="http://localhost/img.png"' in content


def test_conditional_get_matrix(demo_client):
    first = demo_client.get("/feeds/all.atom")
    etag, lm = first.headers["ETag"], first.headers["Last-Modified"]
    strong = etag[2:]  # the same tag without W/
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    future = "Fri, 01 Jan 2100 00:00:00 GMT"
    not_modified = [
        {"If-None-Match": etag}, {"If-None-Match": strong}, {"If-None-Match": f'"other", {etag}'},
        {"If-None-Match": "*"}, {"If-None-Match": etag, "If-Modified-Since": old},
        {"If-Modified-Since": lm},
    ]
    for headers in not_modified:
        response = demo_client.get("/feeds/all.atom", headers=headers)
        assert response.status_code == 304, headers
        assert response.data == b"" and response.headers["ETag"] == etag
        assert response.headers["Cache-Control"] == "public, max-age=600"
    response = demo_client.get("/feeds/all.atom", headers={"If-None-Match": '"nope"', "If-Modified-Since": future})
    assert response.status_code == 200 and response.data == first.data


def test_validators_are_per_feed(demo_app, make_release):
    client = demo_app.test_client()
    before = {u: client.get(u).headers["ETag"] for u in
              ("/feeds/category/governor.rss", "/feeds/category/press.rss", "/feeds/all.rss",
               "/feeds/search.rss?field=title&q=새로운", "/feeds/search.rss?field=title&q=청년")}
    with demo_app.app_context():
        make_release(Release.get_by_id(1).category, title="새로운 소식")
    after = {u: client.get(u).headers["ETag"] for u in before}
    assert after["/feeds/category/press.rss"] == before["/feeds/category/press.rss"]
    assert after["/feeds/search.rss?field=title&q=청년"] == before["/feeds/search.rss?field=title&q=청년"]
    for changed in ("/feeds/category/governor.rss", "/feeds/all.rss", "/feeds/search.rss?field=title&q=새로운"):
        assert after[changed] != before[changed], changed


def test_unchanged_data_gives_identical_bytes(demo_client):
    for fmt in FORMATS:
        first = demo_client.get(f"/feeds/all.{fmt}").data
        time.sleep(1.1 if fmt == "rss" else 0)
        extensions = demo_client.application.extensions
        extensions["feedserver.feeds"].clear()  # a rebuild, not a cache, must give the same bytes
        extensions["feedserver.fastpath"].kept.clear()
        assert demo_client.get(f"/feeds/all.{fmt}").data == first


def test_archives_reach_every_release_exactly_once(demo_client):
    for fmt in ("atom", "json", "rss"):
        url = f"/feeds/category/governor.{fmt}"
        seen, archived, docs = set(), [], 0
        doc = demo_client.get(url).data
        seen.update(_doc_ids(doc, fmt))
        url = _prev(doc, fmt)
        while url:
            docs += 1
            doc = demo_client.get(url.replace("http://localhost", "")).data
            if fmt != "json":
                root = etree.fromstring(doc)
                assert root.find(".//{http://purl.org/syndication/history/1.0}archive") is not None
            page_ids = _doc_ids(doc, fmt)
            archived += page_ids
            url = _prev(doc, fmt)
        assert len(archived) == len(set(archived)) == 937 and docs == 33  # months 2022-07 .. 2025-03
        assert seen <= set(archived)


def _doc_ids(doc, fmt):
    if fmt == "json":
        return [i["id"] for i in json.loads(doc)["items"]]
    root = etree.fromstring(doc)
    if fmt == "rss":
        return [g.text for g in root.iter("guid")]
    return [e.findtext(f"{ATOM}id") for e in root.findall(f"{ATOM}entry")]


def _prev(doc, fmt):
    if fmt == "json":
        return json.loads(doc).get("next_url")
    link = etree.fromstring(doc).find(f".//{ATOM}link[@rel='prev-archive']")
    return link.get("href") if link is not None else None


def test_archive_pages_are_cacheable_long(demo_client):
    closed = demo_client.get("/feeds/archive/category/governor/2022-07.atom")
    assert closed.headers["Cache-Control"] == "public, max-age=86400"
    newest = demo_client.get("/feeds/archive/category/governor/2025-03.atom")
    assert newest.headers["Cache-Control"] == "public, max-age=600"
    assert demo_client.get("/feeds/archive/category/governor/2025-04.atom").status_code == 404


def test_scheduled_release_appears_when_due_without_a_write(app, make_category, make_release):
    with app.app_context():
        cat = make_category()
        make_release(cat, title="이미 공개")
        # far enough ahead that a busy machine still asks before it is due
        due = utcnow() + timedelta(seconds=4)
        make_release(cat, title="예약 공개", status="scheduled", published_at=due)
    client = app.test_client()
    first = client.get("/feeds/category/news.json")
    assert [i["title"] for i in json.loads(first.data)["items"]] == ["이미 공개"]
    time.sleep(max(0.0, (due - utcnow()).total_seconds()) + 1.1)
    second = client.get("/feeds/category/news.json", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    assert [i["title"] for i in json.loads(second.data)["items"]] == ["예약 공개", "이미 공개"]


def test_withdrawn_and_draft_releases_stay_out(app, make_category, make_release):
    with app.app_context():
        cat = make_category()
        make_release(cat, title="철회", status="withdrawn")
        make_release(cat, title="초안", status="draft")
        make_release(cat, title="공개")
    doc = json.loads(app.test_client().get("/feeds/all.json").data)
    assert [i["title"] for i in doc["items"]] == ["공개"]


@pytest.mark.parametrize("url, status", [
    ("/feeds/category/nope.rss", 404), ("/feeds/all.xml", 404), ("/feeds/all.rss?limit=abc", 400),
    ("/feeds/search.rss", 400), ("/feeds/search.rss?q=", 400), ("/feeds/search.atom?q=" + "가" * 101, 400),
    ("/feeds/search.json?field=bad&q=a", 400), ("/feeds/archive/all/0.rss", 410),
    ("/feeds/archive/category/nope/1.rss", 404),
])
def test_bad_feed_requests(demo_client, url, status):
    assert demo_client.get(url).status_code == status


@pytest.mark.parametrize("limit, expected", [("0", 1), ("-1", 1), ("5", 5), ("10000", 100)])
def test_limit_is_clamped(demo_client, limit, expected):
    doc = json.loads(demo_client.get(f"/feeds/all.json?limit={limit}").data)
    assert len(doc["items"]) == expected


def test_empty_category_gives_valid_empty_feed(app, make_category):
    with app.app_context():
        make_category()
    client = app.test_client()
    for fmt in FORMATS:
        doc = parse(client.get(f"/feeds/category/news.{fmt}"), fmt)
        assert ids(doc) == []


def test_feed_never_exceeds_one_megabyte(app, make_category, make_release):
    with app.app_context():
        cat = make_category()
        for n in range(30):
            make_release(cat, title=f"큰 글 {n}", body="<p>" + "가" * 60000 + "</p>")
    response = app.test_client().get("/feeds/all.rss?limit=100")
    assert len(response.data) <= 1_000_000
    assert parse(response, "rss").entries


def test_discovery_links_guide_opml_sitemaps(demo_client):
    import lxml.html
    page = lxml.html.fromstring(demo_client.get("/board/governor/?field=title&q=청년").data)
    alternates = page.xpath("//link[@rel='alternate']")
    assert [a.get("type") for a in alternates] == ["application/rss+xml", "application/atom+xml", "application/feed+json"]
    assert all("검색" in a.get("title") and "q=" in a.get("href") for a in alternates)
    guide = lxml.html.fromstring(demo_client.get("/feeds/").data)
    assert guide.xpath("//h1")[0].text == "구독 안내"
    assert len(guide.xpath("//button[@class='copy']")) == 12
    opml = etree.fromstring(demo_client.get("/feeds.opml").data)
    outlines = opml.findall(".//outline")
    assert [o.get("xmlUrl") for o in outlines] == ["http://localhost/feeds/all.rss"] + [
        f"http://localhost/feeds/category/{s}.rss" for s in ("governor", "press", "notice")]
    robots = demo_client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://localhost/sitemap.xml" in robots.splitlines()
    index = etree.fromstring(demo_client.get("/sitemap.xml").data)
    locs = [e.text for e in index.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert locs == ["http://localhost/sitemaps/1.xml"]
    urls = etree.fromstring(demo_client.get("/sitemaps/1.xml").data)
    assert len(urls.findall("{http://www.sitemaps.org/schemas/sitemap/0.9}url")) == 937 + 120 + 24 + 4
    news = etree.fromstring(demo_client.get("/sitemap-news.xml").data)
    assert news.tag.endswith("urlset")


def test_news_sitemap_lists_last_48_hours(app, make_category, make_release):
    with app.app_context():
        cat = make_category()
        make_release(cat, title="어제 소식", published_at=utcnow() - timedelta(hours=20))
        make_release(cat, title="지난주 소식", published_at=utcnow() - timedelta(days=7))
    news = etree.fromstring(app.test_client().get("/sitemap-news.xml").data)
    titles = [t.text for t in news.iter("{http://www.google.com/schemas/sitemap-news/0.9}title")]
    assert titles == ["어제 소식"]


def test_stylesheet_is_referenced_and_served(demo_client):
    body = demo_client.get("/feeds/all.rss").data
    root = etree.fromstring(body)
    pi = root.getprevious()
    assert pi is not None and pi.target == "xml-stylesheet" and pi.get("href") == "/static/feed.xsl"
    xsl = demo_client.get("/static/feed.xsl")
    transform = etree.XSLT(etree.fromstring(xsl.data))
    html = str(transform(root))
    assert "구독용 피드" in html


def test_feeds_and_validators_on_every_backend(db_app, make_category, make_release):
    with db_app.app_context():
        a, b = make_category("a", "가"), make_category("b", "나")
        make_release(a, title="가 소식")
        make_release(b, title="나 소식", published_at=datetime(2024, 5, 6, 23, 46, tzinfo=timezone.utc))
    client = db_app.test_client()
    b_etag = client.get("/feeds/category/b.atom").headers["ETag"]
    a_etag = client.get("/feeds/category/a.atom").headers["ETag"]
    with db_app.app_context():
        make_release(a, title="가 새 소식")
    assert client.get("/feeds/category/b.atom").headers["ETag"] == b_etag
    assert client.get("/feeds/category/a.atom", headers={"If-None-Match": a_etag}).status_code == 200
    doc = parse(client.get("/feeds/category/b.rss"), "rss")
    assert tuple(doc.entries[0].published_parsed)[:5] == (2024, 5, 6, 23, 46)
    assert [e.title for e in parse(client.get("/feeds/all.atom"), "atom").entries] == ["가 새 소식", "가 소식", "나 소식"]


def test_browser_gets_xml_type_for_stylesheet_and_readers_get_feed_types(demo_client):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
    reader = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.8"
    assert demo_client.get("/feeds/all.rss", headers={"Accept": browser}).headers["Content-Type"] == \
        "application/xml; charset=utf-8"
    assert demo_client.get("/feeds/all.rss", headers={"Accept": reader}).headers["Content-Type"] == \
        "application/rss+xml; charset=utf-8"
    assert demo_client.get("/feeds/all.atom", headers={"Accept": "*/*"}).headers["Content-Type"] == \
        "application/atom+xml; charset=utf-8"
    assert "Accept" in demo_client.get("/feeds/all.atom").headers["Vary"]


def test_feed_shows_as_korean_page_in_chromium(live_server, browser_page):
    browser_page.goto(live_server.url + "/feeds/category/governor.rss")
    assert browser_page.locator("h1").inner_text().endswith("도지사 보도자료")
    assert "구독용 피드" in browser_page.locator("main").inner_text()
    assert browser_page.locator("ul.feed-items li").count() == 20
    browser_page.goto(live_server.url + "/feeds/category/governor.atom")
    assert browser_page.locator("ul.feed-items li").count() == 20


def test_renamed_category_feed_follows_the_database(app, make_category, make_release):
    from feedserver.models import Category
    with app.app_context():
        cat = make_category("old", "옛 이름")
        make_release(cat)
    client = app.test_client()
    assert client.get("/feeds/category/old.atom").status_code == 200
    with app.app_context():
        Category.update(slug="new", name="새 이름").where(Category.id == cat.id).execute()
        bump_feed_state([cat.id])
    assert client.get("/feeds/category/old.atom").status_code == 404
    doc = parse(client.get("/feeds/category/new.atom"), "atom")
    assert doc.feed.title.endswith("새 이름")
