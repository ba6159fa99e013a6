"""How readers and crawlers find feeds: release-page alternates, OPML, sitemaps (issue 14, 6-8)."""
import lxml.html
import pytest
from lxml import etree

from feedserver.models import Release, utcnow
from feedserver.web import discovery

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


def test_release_page_links_its_board_feeds_and_the_site_feed(demo_client, demo_app):
    with demo_app.app_context():
        release = Release.visible().join(Release.category.rel_model).where(
            Release.category.rel_model.slug == "press").first()
    page = lxml.html.fromstring(demo_client.get(f"/releases/{release.public_id}").data)
    links = [(a.get("type"), a.get("href"), a.get("title")) for a in page.xpath("//head/link[@rel='alternate']")]
    assert [(t, h) for t, h, _ in links] == [
        ("application/rss+xml", "/feeds/category/press.rss"),
        ("application/atom+xml", "/feeds/category/press.atom"),
        ("application/feed+json", "/feeds/category/press.json"),
        ("application/rss+xml", "/feeds/all.rss"),
        ("application/atom+xml", "/feeds/all.atom"),
        ("application/feed+json", "/feeds/all.json")]
    assert links[0][2] == "보도자료 (RSS 2.0)" and links[3][2] == "전체 보도자료 (RSS 2.0)"


def test_opml_lists_the_site_feed_first(app, make_category):
    with app.app_context():
        make_category("press", "보도자료")
    outlines = etree.fromstring(app.test_client().get("/feeds.opml").data).findall(".//outline")
    assert [(o.get("text"), o.get("xmlUrl"), o.get("htmlUrl")) for o in outlines] == [
        ("전체 보도자료", "http://localhost/feeds/all.rss", "http://localhost/board/"),
        ("보도자료", "http://localhost/feeds/category/press.rss", "http://localhost/board/press/")]


def test_sitemaps_count_board_urls_in_the_limit(app, monkeypatch, make_category, make_release):
    monkeypatch.setattr(discovery, "SITEMAP_URLS", 10)
    with app.app_context():
        cats = [make_category(f"c{i}", f"게시판{i}") for i in range(3)]
        for n in range(26):  # 4 board URLs + 26 releases = 30 URLs: exactly three full files
            make_release(cats[n % 3], title=f"소식 {n}")
        expected = {f"http://localhost/releases/{r.public_id}" for r in Release.visible()}
    client = app.test_client()
    index = etree.fromstring(client.get("/sitemap.xml").data)
    pages = [e.text for e in index.iter(f"{SM}loc")]
    assert pages == [f"http://localhost/sitemaps/{n}.xml" for n in (1, 2, 3)]
    seen = []
    for url in pages:
        locs = [e.text for e in etree.fromstring(client.get(url.removeprefix("http://localhost")).data)
                .iter(f"{SM}loc")]
        assert len(locs) == 10, url
        seen += locs
    assert client.get("/sitemaps/4.xml").status_code == 404
    assert seen[:4] == ["http://localhost/board/"] + [f"http://localhost/board/c{i}/" for i in range(3)]
    assert len(seen) == len(set(seen)) and set(seen[4:]) == expected


def test_empty_news_sitemap_is_still_a_valid_urlset(app, make_category, make_release):
    with app.app_context():
        make_release(make_category(), title="지난주", published_at=utcnow().replace(year=2020))
    root = etree.fromstring(app.test_client().get("/sitemap-news.xml").data)
    # sitemap.xsd: urlset holds one or more <url>, each with a <loc> of 12 to 2048 characters.
    urls = root.findall(f"{SM}url")
    assert root.tag == f"{SM}urlset" and len(urls) >= 1
    assert all(12 <= len(u.findtext(f"{SM}loc")) <= 2048 for u in urls)
    assert root.find(f".//{NEWS}news") is None


@pytest.mark.parametrize("site_name", ["경기도 보도자료", "테스트 언론사"])
def test_news_name_is_the_site_name(app, site_name, make_category, make_release):
    app.config["SITE_NAME"] = site_name
    with app.app_context():
        make_release(make_category(), title="오늘 소식")
    root = etree.fromstring(app.test_client().get("/sitemap-news.xml").data)
    assert [n.text for n in root.iter(f"{NEWS}name")] == [site_name]
