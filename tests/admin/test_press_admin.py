"""The admin's 보도자료 정보 fieldset, the board's KOGL default, 수정 이력, 판 비교 and 되돌리기."""
from datetime import timedelta

import pytest

from feedserver.models import Category, Release, ReleaseRevision, utcnow

PRESS = {"department": "경제정책과", "contact_person": "홍길동", "contact_phone": "031-8008-2114",
         "contact_email": "press@gg.go.kr", "embargo_text": "즉시 보도", "kogl_type": "3"}


@pytest.fixture
def client(staff_app, staff):
    client = staff_app.test_client()
    staff.login(client, "editor")
    return client


@pytest.fixture
def write(staff):
    def write(client, url="/admin/releases/new", **fields):
        data = {"title": "경기도, 청년 기본소득 확대", "category": "press", "author": "",
                "body": "첫 문단입니다.\n둘째 문단입니다.", "summary": "", "mode": "publish",
                "action": "save", **PRESS, **fields}
        return staff.post_form(client, url, data)
    return write


def newest(app):
    with app.app_context():
        return Release.select().order_by(Release.id.desc()).first()


def test_the_editor_saves_and_shows_the_press_fields(staff_app, client, write, html):
    assert write(client).status_code == 302
    release = newest(staff_app)
    assert (release.department, release.contact_phone, release.kogl_type) == ("경제정책과", "031-8008-2114", 3)
    tree = html.page(client.get(f"/admin/releases/{release.public_id}/edit"))
    assert tree.xpath("//fieldset[@class='press-fields']//input[@id='contact_email']/@value") == ["press@gg.go.kr"]
    assert tree.xpath("//select[@id='kogl_type']/option[@selected]/@value") == ["3"]
    assert tree.xpath("//textarea[@id='correction']")  # published: a correction may be written


def test_bad_phone_and_email_are_refused_and_everything_typed_is_kept(staff_app, client, write, html):
    response = write(client, contact_phone="8008-2114", contact_email="press@", kogl_type="9")
    assert response.status_code == 400
    tree = html.page(response)
    errors = html.texts(tree, "//p[@class='field-error']")
    assert any("031-8008-2114" in e for e in errors) and any("전자우편" in e for e in errors)
    assert any("공공누리" in e for e in errors)
    assert tree.xpath("//input[@id='contact_phone']/@value") == ["8008-2114"]
    assert tree.xpath("//input[@id='contact_phone']/@aria-invalid") == ["true"]
    assert tree.xpath("//input[@id='department']/@value") == ["경제정책과"]
    assert newest(staff_app) is None


def test_a_draft_has_no_correction_field(staff_app, client, write, html):
    write(client, mode="draft")
    tree = html.page(client.get(f"/admin/releases/{newest(staff_app).public_id}/edit"))
    assert not tree.xpath("//textarea[@id='correction']")


def test_publishing_now_before_the_embargo_schedules_it(staff_app, client, write):
    day = utcnow() + timedelta(days=2)
    text = f"{day.year}. {day.month}. {day.day}. 조간"
    response = write(client, embargo_text=text)
    release = newest(staff_app)
    assert release.status == "scheduled" and not release.is_public()
    assert release.published_at.hour == 21  # 06:00 Asia/Seoul
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"보도시점({text})에 맞춰" in page and "예약했습니다" in page


def test_the_board_default_kogl_type_is_set_on_the_category_form(staff_app, staff):
    client = staff_app.test_client()
    staff.login(client)  # admin
    with staff_app.app_context():
        press = Category.get(Category.slug == "press")
    url = f"/admin/categories/{press.id}"
    response = staff.post_form(client, url, {"name": "보도자료", "slug": "press", "description": "",
                                             "sort_order": "1", "kogl_type": "4"})
    assert response.status_code == 302
    with staff_app.app_context():
        assert Category.get(Category.slug == "press").kogl_type == 4
    assert staff.post_form(client, url, {"name": "보도자료", "slug": "press", "sort_order": "1",
                                         "kogl_type": "x"}).status_code == 400


def test_history_diff_and_restore_in_the_admin(staff_app, client, write, html, staff):
    write(client)
    release = newest(staff_app)
    edit_url = f"/admin/releases/{release.public_id}/edit"
    write(client, url=edit_url, revision=str(release.revision), title="경기도, 청년 기본소득 크게 확대",
          body="첫 문단입니다.\n둘째 문단을 고쳤습니다.", contact_person="김철수",
          correction="둘째 문단을 바로잡습니다.")
    history_url = f"/admin/releases/{release.public_id}/revisions/"
    tree = html.page(client.get(history_url))
    assert tree.xpath("//tr/@data-revision") == ["2", "1"]
    with staff_app.app_context():
        first, second = [r.id for r in ReleaseRevision.select().order_by(ReleaseRevision.id)]
    diff = html.page(client.get(f"{history_url}diff?a={second}&b={first}"))  # either order
    assert html.texts(diff, "//h1") == ["판 비교: 1판 → 2판"]
    fields = {row[0]: row[1:] for row in (html.texts(tr, "./*") for tr in diff.xpath("//table[contains(@class,'diff-fields')]/tbody/tr"))}
    assert fields["담당자"] == ["홍길동", "김철수"] and fields["정정"] == ["", "둘째 문단을 바로잡습니다."]
    assert diff.xpath("//section[@aria-labelledby='diff-body']//del/text()") == ["문단입니다."]
    assert diff.xpath("//section[@aria-labelledby='diff-body']//ins/text()") == ["문단을 고쳤습니다."]
    assert "크게" in diff.xpath("string(//section[@aria-labelledby='diff-title']//ins)")
    response = staff.post_form(client, f"{history_url}{first}/restore", {}, page=history_url)
    assert response.status_code == 302
    restored = newest(staff_app)
    assert (restored.title, restored.contact_person) == ("경기도, 청년 기본소득 확대", "홍길동")
    after = client.get(response.headers["Location"])
    assert "1판의 내용으로 되돌렸습니다" in after.get_data(as_text=True)
    assert html.page(after).xpath("//tr/@data-revision") == ["3", "2", "1"]


@pytest.mark.parametrize("path", ["diff?a=1", "diff?a=x&b=1", "diff?a=99999&b=1", "99999/restore"])
def test_bad_revision_requests_are_readable_errors(staff_app, client, write, staff, path):
    write(client)
    url = f"/admin/releases/{newest(staff_app).public_id}/revisions/{path}"
    if path.endswith("restore"):
        response = staff.post_form(client, url, {}, page=url.rsplit("/", 2)[0] + "/")
    else:
        response = client.get(url)
    assert response.status_code in (400, 404)
    assert "<html" in response.get_data(as_text=True).lower()


def test_revision_pages_need_a_login(staff_app, write, staff):
    client = staff_app.test_client()
    staff.login(client)
    write(client)
    public_id = newest(staff_app).public_id
    anonymous = staff_app.test_client()
    for url in (f"/admin/releases/{public_id}/revisions/", f"/admin/releases/{public_id}/revisions/diff?a=1&b=2"):
        assert anonymous.get(url).status_code == 302
    assert anonymous.get("/admin/releases/nosuch/revisions/").status_code == 302


def test_scheduling_without_a_time_takes_the_embargo_time(staff_app, client, write):
    day = utcnow() + timedelta(days=2)
    response = write(client, mode="schedule", publish_at="",
                     embargo_text=f"{day.year}. {day.month}. {day.day}.(목) 14:30 이후")
    assert response.status_code == 302
    release = newest(staff_app)
    assert release.status == "scheduled" and (release.published_at.hour, release.published_at.minute) == (5, 30)
    without = write(client, mode="schedule", publish_at="", embargo_text="즉시 보도")
    assert without.status_code == 400 and "예약 게시 시각을 입력해 주세요." in without.get_data(as_text=True)
