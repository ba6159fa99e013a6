"""RFC 5005 archives walked as a backfilling reader walks them, before and after changes (issue 14)."""
import json
from datetime import datetime, timedelta, timezone

import feedparser
import pytest
from lxml import etree

from feedserver.models import Category, Release, utcnow
from feedserver.publishing import bulk
from feedserver.publishing import releases as publishing
from feedserver.publishing.audit import Actor
from feedserver.syndication.archive import DocKey, month_of

ACTOR = Actor(None, "cli", name="test")
ATOM = "{http://www.w3.org/2005/Atom}"
FH = "{http://purl.org/syndication/history/1.0}"
BASE = "http://localhost"
DENSE_MONTH = "2023-06"  # 250 releases, imported late: split into id blocks


def _new(category, title, at):
    return bulk.NewRelease({"title": title, "category": category, "author": "경기지기",
                            "body_html": f"<p>{title} 본문</p>", "status": "published",
                            "published_at": at})


def seed(app):
    """Import releases over four years through publishing/, plus a dense month imported last."""
    with app.app_context():
        press = Category.create(slug="press", name="보도자료")
        notice = Category.create(slug="notice", name="공지사항", sort_order=1)
        start, now = datetime(2021, 1, 4, 1, tzinfo=timezone.utc), utcnow()
        step = (now - timedelta(hours=2) - start) / 399
        spread = [_new(press if i % 3 else notice, f"보도 {i}", start + step * i) for i in range(400)]
        dense = [_new(press, f"집중 {i}", datetime(2023, 6, 1, tzinfo=timezone.utc) + timedelta(hours=2 * i))
                 for i in range(250)]
        bulk.import_releases(spread, ACTOR)
        bulk.import_releases(dense, ACTOR)


def _links(data, fmt):
    """Return {rel: href} of a document: atom:link elements, or JSON Feed's next_url."""
    if fmt == "json":
        doc = json.loads(data)
        assert "hubs" not in doc
        return {"prev-archive": doc.get("next_url")}
    root = etree.fromstring(data)
    links = {link.get("rel"): link.get("href") for link in root.iter(f"{ATOM}link")}
    assert root.find(f".//{FH}archive") is not None
    return links


def _ids(data, fmt):
    if fmt == "json":
        return [item["id"] for item in json.loads(data)["items"]]
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return [entry.id for entry in parsed.entries]


def walk(client, current, fmt):
    """Walk from the current feed back through prev-archive; return ({url: (bytes, etag)}, ids)."""
    first = client.get(current)
    assert first.status_code == 200
    url = (json.loads(first.data).get("next_url") if fmt == "json" else
           etree.fromstring(first.data).find(f".//{ATOM}link[@rel='prev-archive']").get("href"))
    docs, ids, newer = {}, [], None
    while url:
        response = client.get(url.removeprefix(BASE))
        assert response.status_code == 200, url
        assert 'rel="hub"' not in response.headers.get("Link", "")
        links = _links(response.data, fmt)
        if fmt != "json":
            assert "hub" not in links
            assert links["current"] == BASE + current and links["self"] == url
            assert links.get("next-archive") == newer
        docs[url] = (response.data, response.headers["ETag"])
        ids += _ids(response.data, fmt)
        newer, url = url, links.get("prev-archive")
        assert len(docs) < 500
    return docs, ids


def visible_ids(app, category=None):
    with app.app_context():
        query = Release.visible()
        if category:
            query = query.join(Category).where(Category.slug == category)
        return {release.feed_id for release in query}


def changed(before, after):
    """Return the documents whose bytes or ETag differ, and those that vanished."""
    return ({u for u in before if u in after and after[u] != before[u]},
            {u for u in before if u not in after})


def holding(docs, fmt, feed_id):
    return {u for u, (data, _) in docs.items() if feed_id in _ids(data, fmt)}


FEEDS = [("/feeds/all.atom", "atom", None), ("/feeds/all.rss", "rss", None),
         ("/feeds/all.json", "json", None), ("/feeds/category/press.atom", "atom", "press")]


def test_walk_after_withdrawal_and_150_new_releases(db_app):
    seed(db_app)
    client = db_app.test_client()
    walks = {}
    for current, fmt, category in FEEDS:
        docs, ids = walk(client, current, fmt)
        assert len(ids) == len(set(ids)) and set(ids) == visible_ids(db_app, category), current
        walks[current] = docs
    assert any("-p" in url for url in walks["/feeds/all.atom"])  # the dense month is split
    with db_app.app_context():
        old = Release.get(Release.title == "보도 40")  # a 2021 release of 보도자료
        dense = Release.get(Release.title == "집중 120")
        assert month_of(old.published_at).startswith("2021")
        publishing.withdraw_release(old, ACTOR)
        publishing.withdraw_release(dense, ACTOR)
    for current, fmt, category in FEEDS:
        docs, ids = walk(client, current, fmt)
        assert len(ids) == len(set(ids)) and set(ids) == visible_ids(db_app, category), current
        before = walks[current]
        holders = holding(before, fmt, old.feed_id) | holding(before, fmt, dense.feed_id)
        assert len(holders) == 2
        assert changed(before, docs) == (holders, set()), current
        walks[current] = docs
    with db_app.app_context():
        press = Category.get(Category.slug == "press")
        now = utcnow()
        bulk.import_releases([_new(press, f"새 {i}", now - timedelta(seconds=i)) for i in range(150)], ACTOR)
    for current, fmt, category in FEEDS:
        docs, ids = walk(client, current, fmt)
        assert len(ids) == len(set(ids)) and set(ids) == visible_ids(db_app, category), current
        before = walks[current]
        newest = next(iter(before))
        altered, gone = changed(before, docs)
        # Only the open document changes (it also gains a next-archive link, or is the current
        # month's oldest part once the month splits); every other document stays byte-identical.
        assert altered <= {newest} and not gone, current
        assert DocKey.parse(next(iter(docs)).rsplit("/", 1)[1].split(".")[0]).month == month_of(now)


def test_closed_documents_cache_long_and_open_one_short(db_app):
    seed(db_app)
    client = db_app.test_client()
    docs, _ = walk(client, "/feeds/all.atom", "atom")
    urls = list(docs)
    assert client.get(urls[0].removeprefix(BASE)).headers["Cache-Control"] == "public, max-age=600"
    for url in urls[2:]:
        assert client.get(url.removeprefix(BASE)).headers["Cache-Control"] == "public, max-age=86400"


def test_etag_revalidates_and_survives_unrelated_changes(db_app):
    seed(db_app)
    client = db_app.test_client()
    url = "/feeds/archive/category/press/2022-03.atom"
    first = client.get(url)
    assert first.status_code == 200
    assert "Last-Modified" not in first.headers  # ETag only: a withdrawal may lower the newest time
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    with db_app.app_context():
        release = Release.get(Release.title == "보도 200")
        publishing.update_release(release, {"title": "고친 제목"}, ACTOR)
        notice = Release.select().join(Category).where(Category.slug == "notice").first()
        publishing.withdraw_release(notice, ACTOR)
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.headers["ETag"] == first.headers["ETag"]


def test_edit_moving_published_at_changes_both_months_only(db_app):
    seed(db_app)
    client = db_app.test_client()
    before, _ = walk(client, "/feeds/category/press.atom", "atom")
    with db_app.app_context():
        release = Release.get(Release.title == "보도 100")
        source = month_of(release.published_at)
        publishing.update_release(release, {"published_at": datetime(2022, 11, 15, 3, tzinfo=timezone.utc)},
                                  ACTOR)
    after, ids = walk(client, "/feeds/category/press.atom", "atom")
    assert len(ids) == len(set(ids))
    altered, gone = changed(before, after)
    prefix = f"{BASE}/feeds/archive/category/press/"
    assert altered == {prefix + f"{source}.atom", prefix + "2022-11.atom"} and not gone


def test_scheduled_release_joins_its_month_when_due(db_app):
    seed(db_app)
    with db_app.app_context():
        press = Category.get(Category.slug == "press")
        due = utcnow() + timedelta(days=40)
        publishing.create_release({"title": "예약", "category": press, "author": "경기지기",
                                   "body_html": "<p>예약</p>", "status": "scheduled",
                                   "published_at": due}, ACTOR)
    client = db_app.test_client()
    assert client.get(f"/feeds/archive/all/{month_of(due)}.atom").status_code == 404
    _, ids = walk(db_app.test_client(), "/feeds/all.json", "json")
    assert set(ids) == visible_ids(db_app)


@pytest.mark.parametrize("url, status", [
    ("/feeds/archive/all/1.rss", 410), ("/feeds/archive/category/press/3.atom", 410),
    ("/feeds/archive/all/2019-01.rss", 404), ("/feeds/archive/all/2022-13.rss", 404),
    ("/feeds/archive/all/0000-01.json", 404), ("/feeds/archive/all/2023-06-p999999.atom", 404),
    ("/feeds/archive/all/abc.atom", 404), ("/feeds/archive/category/nope/2022-01.atom", 404),
])
def test_old_and_unknown_archive_urls(app, url, status):
    seed(app)
    response = app.test_client().get(url)
    assert response.status_code == status
    if status == 410:
        assert "발행 월별" in response.get_data(as_text=True)


def test_hub_refuses_archive_topics_with_its_reason(app):
    seed(app)
    client = app.test_client()
    response = client.post("/websub", data={
        "hub.mode": "subscribe", "hub.topic": f"{BASE}/feeds/archive/all/2022-01.atom",
        "hub.callback": "http://example.com/cb"})
    assert response.status_code == 400
    assert "보관 피드" in response.get_data(as_text=True)
