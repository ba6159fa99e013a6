"""The release page's info table, 공공누리 mark and 정정 note; KOGL and corrections in every feed."""
import json
from datetime import timedelta

import feedparser
from lxml import etree

from feedserver.content.kogl import LICENSE_URL
from feedserver.models import Category, Release, User, utcnow
from feedserver.publishing import releases as publishing
from feedserver.publishing.audit import Actor
from feedserver.publishing.input import check_fields

DC = "http://purl.org/dc/elements/1.1/"
ATOM = "http://www.w3.org/2005/Atom"
KOGL1 = "공공누리 제1유형: 출처표시"
KOGL4 = "공공누리 제4유형: 출처표시+상업적 이용금지+변경금지"


def admin():
    return Actor(User.get(User.username == "admin"), "admin", "127.0.0.1")


def publish(app, **extra):
    """Publish a release a minute ago with press fields; return its public id."""
    with app.app_context():
        data = {"title": "경기도, 반도체 인재 양성", "category": "press", "body": "첫 문단\n둘째 문단",
                "status": "published", "published_at": (utcnow() - timedelta(minutes=1)).isoformat(),
                "department": "경제정책과", "contact_person": "홍길동",
                "contact_phone": "031-8008-2114", "contact_email": "press@gg.go.kr",
                "embargo_text": "2024. 5. 7.(화) 조간", **extra}
        return publishing.create_release(check_fields(data), admin()).public_id


def correct(app, public_id, **data):
    with app.app_context():
        release = Release.by_public_id(public_id)
        publishing.update_release(release, check_fields(data, current=release), admin())


def info(html, tree):
    """Return {label: text} of the info table under the title."""
    return dict(zip(html.texts(tree, "//dl[@class='release-meta']//dt"),
                    html.texts(tree, "//dl[@class='release-meta']//dd"), strict=True))


def test_the_page_shows_the_info_table_and_the_kogl_mark(staff_db_app, html):
    public_id = publish(staff_db_app, kogl_type=4)
    tree = html.page(staff_db_app.test_client().get(f"/releases/{public_id}"))
    table = info(html, tree)
    assert list(table) == ["담당부서", "담당자", "연락처", "보도시점", "작성자", "작성일", "조회"]
    assert table["담당부서"] == "경제정책과" and table["담당자"] == "홍길동"
    assert table["연락처"] == "031-8008-2114 · press@gg.go.kr"
    assert table["보도시점"] == "2024. 5. 7.(화) 조간"
    assert tree.xpath("//dd[@class='contact']/a/@href") == ["tel:03180082114", "mailto:press@gg.go.kr"]
    mark = tree.xpath("//section[@class='kogl']//a[@rel='license']")[0]
    assert mark.get("href") == LICENSE_URL
    assert mark.xpath(".//svg[@role='img']/@aria-label") == [KOGL4]
    assert html.texts(mark, ".//span[@class='kogl-label']") == [KOGL4]


def test_the_board_default_kogl_type_applies_until_a_release_names_its_own(staff_db_app, html):
    public_id = publish(staff_db_app)
    client = staff_db_app.test_client()
    assert html.texts(html.page(client.get(f"/releases/{public_id}")), "//span[@class='kogl-label']") == [KOGL1]
    with staff_db_app.app_context():
        press = Category.get(Category.slug == "press")
        publishing.save_category(press, {"slug": "press", "name": press.name, "kogl_type": 2},
                                 Actor(None, "cli", name="test"))
    assert html.texts(html.page(client.get(f"/releases/{public_id}")), "//span[@class='kogl-label']") == [
        "공공누리 제2유형: 출처표시+상업적 이용금지"]


def test_a_correction_and_modified_date_show_on_the_page(staff_db_app, html):
    public_id = publish(staff_db_app)
    client = staff_db_app.test_client()
    assert "수정일" not in info(html, html.page(client.get(f"/releases/{public_id}")))
    client.get(f"/releases/{public_id}")  # views are no change
    assert "수정일" not in info(html, html.page(client.get(f"/releases/{public_id}")))
    correct(staff_db_app, public_id, body="첫 문단\n고친 둘째 문단", correction="둘째 문단의 수치를 바로잡습니다.")
    tree = html.page(client.get(f"/releases/{public_id}"))
    assert "수정일" in info(html, tree)
    note = html.texts(tree, "//p[@class='correction']")[0]
    assert note.startswith("정정: 둘째 문단의 수치를 바로잡습니다. (20") and note.endswith(")")


def rss_item(body, title):
    root = etree.fromstring(body)
    return root, next(i for i in root.iter("item") if i.findtext("title") == title)


def test_kogl_rights_in_rss_atom_and_json_feed(staff_db_app):
    publish(staff_db_app, title="4유형 보도자료", kogl_type=4)
    publish(staff_db_app, title="기본값 보도자료")
    client = staff_db_app.test_client()
    for url in ("/feeds/all.rss", "/feeds/category/press.rss"):
        body = client.get(url).data
        root, item = rss_item(body, "4유형 보도자료")
        assert item.findtext(f"{{{DC}}}rights") == f"{KOGL4} ({LICENSE_URL})"
        assert LICENSE_URL in root.findtext("channel/copyright")
        parsed = feedparser.parse(body)
        assert not parsed.bozo and LICENSE_URL in parsed.feed.rights
        assert {e.title: e.rights for e in parsed.entries}["기본값 보도자료"] == f"{KOGL1} ({LICENSE_URL})"
    assert client.get("/feeds/category/press.rss").data.count(KOGL1.encode()) >= 2  # channel: board's
    atom = client.get("/feeds/category/press.atom").data
    root = etree.fromstring(atom)
    entry = next(e for e in root.iter(f"{{{ATOM}}}entry") if e.findtext(f"{{{ATOM}}}title") == "4유형 보도자료")
    assert entry.findtext(f"{{{ATOM}}}rights") == f"{KOGL4} ({LICENSE_URL})"
    assert root.findtext(f"{{{ATOM}}}rights").startswith(KOGL1)
    parsed = feedparser.parse(atom)
    assert not parsed.bozo and {e.title: e.rights for e in parsed.entries}["4유형 보도자료"].startswith(KOGL4)
    items = {i["title"]: i for i in json.loads(client.get("/feeds/all.json").data)["items"]}
    assert items["4유형 보도자료"]["_kogl"] == {"type": 4, "label": KOGL4, "url": LICENSE_URL}
    assert items["기본값 보도자료"]["_kogl"]["type"] == 1


def test_feeds_carry_the_correction_and_move_updated_only_on_content_change(staff_db_app):
    public_id = publish(staff_db_app)
    client = staff_db_app.test_client()

    def entry():
        parsed = feedparser.parse(client.get("/feeds/all.atom").data)
        return parsed.entries[0]

    first = entry()
    assert first.updated == first.published
    client.get(f"/releases/{public_id}")
    correct(staff_db_app, public_id, status="published")  # nothing changed
    with staff_db_app.app_context():
        release = Release.by_public_id(public_id)
        publishing.withdraw_release(release, admin())
        publishing.restore_release(Release.by_public_id(public_id), admin())
    assert entry().updated == first.updated
    correct(staff_db_app, public_id, correction="담당자 연락처를 바로잡습니다.")
    after = entry()
    assert after.updated_parsed > first.updated_parsed and after.published == first.published
    assert "<strong>정정</strong>: 담당자 연락처를 바로잡습니다." in after.content[0].value
    item = json.loads(client.get("/feeds/all.json").data)["items"][0]
    assert "정정" in item["content_html"] and item["date_modified"] > item["date_published"]
    rss = feedparser.parse(client.get("/feeds/all.rss").data)
    assert not rss.bozo and "담당자 연락처를 바로잡습니다." in rss.entries[0].content[0].value
