"""The body round-trips: what the editor shows is what was stored, saving it again changes
nothing, and its paragraphs reach the page, the RSS/Atom/JSON feeds and the widget summary."""
import json

import feedparser
import lxml.html
import pytest

from feedserver.admin.accounts import create_user
from feedserver.admin.forms import EditorForm
from feedserver.content.sanitize import clean_body
from feedserver.models import Category, Release

NO_CHANGE = "바뀐 내용이 없습니다."
SUMMARIES = {
    "MIXED_LINES": "경기도는 오늘 청년 지원 계획을 발표했다. 자세한 내용은 https://www.gg.go.kr/news에서 볼 수 있다. "
                   "경기도청 누리집에도 있다. 문의: youth@gg.go.kr",
    "WORD_LIST": "추진 계획 주요 내용 (굵게 쓴 스타일) 청년 일자리 확대 도내 기업 연계 소상공인 지원 문의: 일자리정책과",
    "HWP_TABLE": "2024년 경기도 청년 지원 현황 구분 지원 인원 2023년 2024년 청년 기본소득 12,300명 14,100명 "
                 "※ 자료: 경기도 청년정책과",
}


@pytest.fixture
def client(demo_app, staff):
    demo_app.config["PASSWORD_HASH_METHOD"] = staff.FAST_HASH
    with demo_app.app_context():
        create_user("press-office", staff.PASSWORD, "admin")
    client = demo_app.test_client()
    staff.login(client, "press-office")
    return client


def form_fields(page):
    """Return what a browser would submit from the editor form, unchanged."""
    form = lxml.html.fromstring(page).xpath("//form[contains(@class, 'editor')]")[0]
    fields = {el.get("name"): el.get("value", "") for el in form.xpath(".//input[@type='hidden']")}
    fields |= {el.get("name"): el.get("value", "") for el in form.xpath(".//input[not(@type)]")}
    fields |= {el.get("name"): el.text or "" for el in form.xpath(".//textarea")}
    fields |= {el.get("name"): (el.xpath("option[@selected]/@value") or [""])[0]
               for el in form.xpath(".//select")}
    fields |= {el.get("name"): el.get("value") for el in form.xpath(".//input[@type='radio'][@checked]")}
    fields["action"] = "save"
    return fields


def save_unchanged(client, public_id):
    """Open the editor and save it as it is; return the flash messages."""
    url = f"/admin/releases/{public_id}/edit"
    response = client.post(url, data=form_fields(client.get(url).get_data(as_text=True)),
                           follow_redirects=True)
    assert response.status_code == 200
    return lxml.html.fromstring(response.get_data(as_text=True)).xpath("//p[contains(@class,'flash')]/text()")


def test_every_demo_body_is_what_the_editor_shows_and_saves(demo_app):
    with demo_app.app_context():
        releases = list(Release.select())
        assert len(releases) > 900
        changed = [r.public_id for r in releases
                   if clean_body(EditorForm.of(r).values["body"]) != r.body_html]
    assert changed == []


def test_demo_releases_saved_unchanged_through_the_admin_stay_identical(demo_app, client):
    with demo_app.app_context():
        picked = [c.releases.order_by(Release.id).first() for c in Category.select()]
        picked += list(Release.select().where(Release.title.contains("엔비디아")).limit(1))
        before = {r.public_id: (r.body_html, r.revision) for r in picked if r}
    assert len(before) >= 3
    for public_id in before:
        assert save_unchanged(client, public_id) == [NO_CHANGE]
    with demo_app.app_context():
        assert {r.public_id: (r.body_html, r.revision) for r in Release.select().where(
            Release.public_id.in_(list(before)))} == before


def blocks(html):
    """Return the text of each top-level block of a body, spaces normalised."""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    return [" ".join(el.text_content().split()) for el in root]


@pytest.mark.parametrize("name", ["MIXED_LINES", "WORD_LIST", "HWP_TABLE"])
def test_written_bodies_keep_their_paragraphs_everywhere(demo_app, client, staff, clipboard, name):
    title = f"왕복 시험 {name}"
    response = staff.post_form(client, "/admin/releases/new", {
        "title": title, "category": "governor", "author": "", "body": getattr(clipboard, name),
        "summary": "", "mode": "publish", "action": "save"})
    assert response.status_code == 302
    with demo_app.app_context():
        release = Release.get(Release.title == title)
        stored, public_id = release.body_html, release.public_id
    expected = blocks(stored)
    assert len(expected) >= 3
    assert save_unchanged(client, public_id) == [NO_CHANGE]
    with demo_app.app_context():
        assert Release.get(Release.public_id == public_id).body_html == stored

    page = lxml.html.fromstring(client.get(f"/releases/{public_id}").get_data(as_text=True))
    shown = page.xpath("//div[@class='release-body']")[0]
    assert [" ".join(el.text_content().split()) for el in shown] == expected

    for url in ("/feeds/all.rss", "/feeds/all.atom"):
        entry = next(e for e in feedparser.parse(client.get(url).data).entries if e.title == title)
        assert blocks(entry.content[0].value) == expected, url
    items = json.loads(client.get("/feeds/all.json").data)["items"]
    item = next(i for i in items if i["title"] == title)
    assert blocks(item["content_html"]) == expected

    widget = json.loads(client.get("/widget/latest.json?limit=20").data)["items"]
    # Paragraphs, items and cells end where the next begins: a space, never words run together.
    assert next(i for i in widget if i["title"] == title)["summary"] == SUMMARIES[name]
