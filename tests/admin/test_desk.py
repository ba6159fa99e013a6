"""The press office's desk: withdraw with care, status by time, ownership, review, labels, schedule."""
from datetime import timedelta

import pytest
from peewee import Table

from feedserver.admin.accounts import create_user
from feedserver.dates import KST
from feedserver.db import database
from feedserver.models import (
    AuditEntry,
    Category,
    FeedState,
    OutboxJob,
    Release,
    utcnow,
)
from feedserver.websub import delivery, outbox


@pytest.fixture
def desk(staff_db_app, staff):
    """Staff on every backend, plus an approver; returns the app."""
    with staff_db_app.app_context():
        create_user("approver", staff.PASSWORD, "approver")
    return staff_db_app


def signed_in(app, staff, who):
    client = app.test_client()
    assert staff.login(client, username=who).status_code == 302
    return client


def write(staff, client, mode="publish", title="경기도, 청년 기본소득 확대", category="press", **extra):
    data = {"title": title, "category": category, "author": "", "body": "첫 문단입니다.",
            "summary": "", "mode": mode, **extra}
    return staff.post_form(client, "/admin/releases/new", data)


def newest(app):
    with app.app_context():
        return Release.select().order_by(Release.id.desc()).first()


def actions_of(app, public_id):
    with app.app_context():
        return [e.action for e in AuditEntry.select().where(AuditEntry.target == f"release:{public_id}")
                .order_by(AuditEntry.id)]


# 4. Withdraw with care.

def test_withdraw_asks_for_a_reason_and_the_410_page_says_what_when_and_why(desk, staff, html):
    client = signed_in(desk, staff, "admin")
    write(staff, client, title="철회할 보도자료")
    release = newest(desk)
    edit = html.page(client.get(f"/admin/releases/{release.public_id}/edit"))
    link = edit.xpath("//section[@class='release-state']//a[normalize-space()='게시 철회']/@href")
    assert link == [f"/admin/releases/{release.public_id}/withdraw"]  # a page that asks, not one click
    confirm = html.page(client.get(link[0]))
    assert confirm.xpath("//textarea[@name='reason'][@required]")
    refused = staff.post_form(client, link[0], {"reason": "  "})
    assert refused.status_code == 400 and newest(desk).status == "published"
    done = staff.post_form(client, link[0], {"reason": "수치 오류로 정정 후 다시 배포합니다"})
    assert done.status_code == 302 and newest(desk).status == "withdrawn"
    public = client.get(f"/releases/{release.public_id}")
    assert public.status_code == 410
    page = html.page(public)
    assert html.texts(page, "//dd[@class='withdrawn-title']") == ["철회할 보도자료"]
    assert html.texts(page, "//dd[@class='withdrawn-reason']") == ["수치 오류로 정정 후 다시 배포합니다"]
    today = utcnow().astimezone(KST)
    shown = html.texts(page, "//dd/time")[0]
    assert shown.startswith(f"{today.year}년 {today.month}월 {today.day}일 (")  # KST, Babel pattern


def test_a_scheduled_release_not_yet_live_offers_cancel_instead_of_withdraw(desk, staff, html):
    client = signed_in(desk, staff, "admin")
    when = (utcnow() + timedelta(days=2)).astimezone(KST).strftime("%Y-%m-%dT%H:%M")
    write(staff, client, mode="schedule", publish_at=when)
    release = newest(desk)
    edit_url = f"/admin/releases/{release.public_id}/edit"
    buttons = html.texts(html.page(client.get(edit_url)), "//section[@class='release-state']//button|"
                                                         "//section[@class='release-state']//a[@class]")
    assert "예약 취소" in buttons and "게시 철회" not in buttons
    assert staff.post_form(client, f"/admin/releases/{release.public_id}/unschedule", {},
                           page=edit_url).status_code == 302
    release = newest(desk)
    assert release.status == "draft" and release.published_at is None
    with desk.app_context():  # nothing left to announce at the cancelled time
        assert not OutboxJob.select().where(OutboxJob.kind == "due", OutboxJob.status == "pending").exists()
    assert actions_of(desk, release.public_id)[-1] == "release_unschedule"


# 5. Status by time.

def test_a_scheduled_release_that_went_live_is_published_in_status_colour_and_filters(desk, staff, html,
                                                                                     make_release):
    with desk.app_context():
        press = Category.get(Category.slug == "press")
        live = make_release(press, title="시간이 되어 게시됨", status="scheduled",
                            published_at=utcnow() - timedelta(minutes=5))
        make_release(press, title="아직 예약", status="scheduled", published_at=utcnow() + timedelta(days=1))
    client = signed_in(desk, staff, "admin")
    row = f"//tr[@data-id='{live.public_id}']/td[contains(@class,'status')]"
    page = html.page(client.get("/admin/"))
    assert html.texts(page, row) == ["게시"]
    assert page.xpath(row + "/@class") == ["status status-published"]
    published = html.page(client.get("/admin/?status=published"))
    scheduled = html.page(client.get("/admin/?status=scheduled"))
    titles = "//td[@class='col-title']/a"
    assert "시간이 되어 게시됨" in html.texts(published, titles)
    assert html.texts(scheduled, titles) == ["아직 예약"]


# 6. Roles.

def test_editors_manage_only_their_own_releases_and_approvers_any(desk, staff, html):
    admin = signed_in(desk, staff, "admin")
    write(staff, admin, title="관리자 글")
    theirs = newest(desk)
    editor = signed_in(desk, staff, "editor")
    write(staff, editor, title="편집자 글")
    mine = newest(desk)
    refused = editor.get(f"/admin/releases/{theirs.public_id}/withdraw")
    assert refused.status_code == 403
    assert html.page(refused).xpath("//section[@class='error-page']//a/@href") == ["/admin/"]
    assert staff.post_form(editor, f"/admin/releases/{theirs.public_id}/withdraw", {"reason": "x"},
                           page="/admin/").status_code == 403
    assert staff.post_form(editor, f"/admin/releases/{mine.public_id}/withdraw", {"reason": "내 글 내림"},
                           page="/admin/").status_code == 302
    approver = signed_in(desk, staff, "approver")
    assert staff.post_form(approver, f"/admin/releases/{theirs.public_id}/withdraw", {"reason": "승인자"},
                           page="/admin/").status_code == 302
    with desk.app_context():
        assert Release.get(Release.id == theirs.id).status == "withdrawn"
    editor_menu = html.texts(html.page(editor.get("/admin/")), "//nav[@class='admin-nav']//a")
    assert "분류 관리" not in editor_menu and "감사 기록" not in editor_menu and "WebSub" not in editor_menu
    admin_menu = html.texts(html.page(admin.get("/admin/")), "//nav[@class='admin-nav']//a")
    assert {"분류 관리", "감사 기록", "WebSub", "사용자"} <= set(admin_menu)


def test_the_api_refuses_an_editor_publishing_anothers_release_or_on_a_review_board(desk, staff):
    with desk.app_context():
        Category.update(review_required=True).where(Category.slug == "notice").execute()
    client = desk.test_client()
    admin_id = client.post("/api/v1/releases", headers=staff.bearer(desk, "admin"),
                           json={"title": "관리자", "category": "press", "status": "published"}).get_json()["id"]
    editor = staff.bearer(desk, "editor")
    assert client.post(f"/api/v1/releases/{admin_id}/withdraw", headers=editor).status_code == 403
    on_review = client.post("/api/v1/releases", headers=editor,
                            json={"title": "검토 게시판", "category": "notice", "status": "published"})
    assert on_review.status_code == 403 and "검토" in on_review.get_json()["error"]["message"]
    draft = client.post("/api/v1/releases", headers=editor, json={"title": "초안", "category": "notice"})
    assert draft.status_code == 201
    assert client.patch(f"/api/v1/releases/{draft.get_json()['id']}", headers=editor,
                        json={"status": "published"}).status_code == 403


# 6. Review before publishing.

def test_review_board_editor_submits_approver_publishes_or_sends_back(desk, staff, html):
    with desk.app_context():
        Category.update(review_required=True).where(Category.slug == "notice").execute()
        before = FeedState.get_or_none(FeedState.key == "all")
    editor = signed_in(desk, staff, "editor")
    new_page = html.page(editor.get("/admin/releases/new"))
    assert "검토 요청" in html.texts(new_page, "//p[@class='form-buttons']/button")
    response = write(staff, editor, mode="review", title="검토 받을 글", category="notice")
    release = newest(desk)
    assert release.status == "draft" and release.review_state == "pending"
    assert "검토를 요청했습니다" in editor.get(response.headers["Location"]).get_data(as_text=True)
    assert editor.get(f"/releases/{release.public_id}").status_code == 404
    write(staff, editor, mode="publish", title="바로 게시 시도", category="notice")
    assert newest(desk).review_state == "pending" and newest(desk).status == "draft"  # became a request

    approver = signed_in(desk, staff, "approver")
    badge = html.texts(html.page(approver.get("/admin/")), "//nav//span[@class='badge']")
    assert badge == ["2"]
    queue = html.page(approver.get("/admin/review"))
    assert html.texts(queue, "//article//h3/a") == ["검토 받을 글", "바로 게시 시도"]
    assert staff.post_form(approver, f"/admin/releases/{release.public_id}/approve", {},
                           page="/admin/review").status_code == 302
    assert approver.get(f"/releases/{release.public_id}").status_code == 200
    with desk.app_context():
        assert FeedState.get(FeedState.key == "all").version > (before.version if before else 0)
    other = newest(desk)
    assert staff.post_form(approver, f"/admin/releases/{other.public_id}/return",
                           {"note": "제목을 더 구체적으로"}, page="/admin/review").status_code == 302
    assert newest(desk).review_state == "returned"
    assert html.texts(html.page(editor.get("/admin/")), "//nav//span[@class='badge']") == ["1"]
    mine = html.page(editor.get("/admin/review"))
    assert "제목을 더 구체적으로" in " ".join(html.texts(mine, "//li"))
    assert staff.post_form(editor, f"/admin/releases/{other.public_id}/approve", {},
                           page="/admin/").status_code == 403
    assert actions_of(desk, release.public_id) == ["release_submit", "release_approve"]
    assert actions_of(desk, other.public_id) == ["release_submit", "release_return"]


# 7. Labels and the audit log.

def test_buttons_name_the_action_and_messages_say_what_happened(desk, staff, html):
    client = signed_in(desk, staff, "admin")
    buttons = "//p[@class='form-buttons']/button"
    assert html.texts(html.page(client.get("/admin/releases/new")), buttons) == [
        "임시저장", "지금 게시", "예약 게시", "미리보기"]
    response = write(staff, client, mode="draft")
    assert "임시저장했습니다" in client.get(response.headers["Location"]).get_data(as_text=True)
    release = newest(desk)
    edit_url = f"/admin/releases/{release.public_id}/edit"
    published = staff.post_form(client, edit_url, {"title": release.title, "category": "press",
                                                   "body": "첫 문단입니다.", "mode": "publish",
                                                   "revision": release.revision})
    text = client.get(published.headers["Location"]).get_data(as_text=True)
    assert "게시했습니다" in text and "저장했습니다" not in text
    assert html.texts(html.page(client.get(edit_url)), buttons) == ["변경 저장", "미리보기"]


def test_audit_log_names_releases_by_title_and_says_how_they_were_published(desk, staff, html):
    client = signed_in(desk, staff, "admin")
    write(staff, client, title="감사 기록에 보일 제목")
    release = newest(desk)
    assert actions_of(desk, release.public_id) == ["release_create_publish"]
    page = html.page(client.get("/admin/audit"))
    row = page.xpath(f"//tr[td//code[normalize-space()='{release.public_id}']]")[0]
    assert "‘감사 기록에 보일 제목’" in row.text_content()
    assert "작성 후 지금 게시" in row.text_content()
    assert f"release:{release.public_id}" not in page.text_content()


def test_a_scheduled_release_going_live_is_logged_once_with_several_workers(desk, staff):
    client = signed_in(desk, staff, "admin")
    when = (utcnow() + timedelta(days=1)).astimezone(KST).strftime("%Y-%m-%dT%H:%M")
    write(staff, client, mode="schedule", title="예약된 글", publish_at=when)
    release = newest(desk)
    with desk.app_context():  # time passes: the release and its due job come due
        past = utcnow() - timedelta(seconds=5)
        Release.update(published_at=past).where(Release.id == release.id).execute()
        OutboxJob.update(available_at=past).where(OutboxJob.kind == "due").execute()
        first = outbox.claim(10, 60, "worker-a")
        # worker-a's lease runs out before it finishes; worker-b takes the job over.
        OutboxJob.update(locked_until=past).where(OutboxJob.id.in_([j.id for j in first])).execute()
        second = outbox.claim(10, 60, "worker-b")
        assert [j.kind for j in first] == [j.kind for j in second] == ["due"]
        with pytest.raises(outbox.LostLease):
            delivery.run(first[0])
        delivery.run(second[0])
        assert [j.status for j in OutboxJob.select().where(OutboxJob.kind == "due")] == ["done"]
    assert actions_of(desk, release.public_id).count("release_went_live") == 1
    with desk.app_context():
        entry = AuditEntry.get(AuditEntry.action == "release_went_live")
        assert entry.summary == "제목: 예약된 글" and entry.via == "schedule"


# The schedule.

def test_schedule_lists_coming_releases_by_korean_day(desk, staff, html, make_release):
    with desk.app_context():
        press = Category.get(Category.slug == "press")
        soon = utcnow() + timedelta(days=1)
        make_release(press, title="내일 공개", status="scheduled", published_at=soon)
        make_release(press, title="한참 뒤", status="scheduled", published_at=utcnow() + timedelta(days=40))
    page = html.page(signed_in(desk, staff, "editor").get("/admin/schedule"))
    local = soon.astimezone(KST)
    weekday = "월화수목금토일"[local.weekday()]
    assert html.texts(page, "//section[@class='schedule-day']/h2") == [
        f"{local.year}년 {local.month}월 {local.day}일 {weekday}요일"]
    assert html.texts(page, "//section[@class='schedule-day']//a") == ["내일 공개"]


# Migration 0013.

def test_migration_0013_names_writers_from_the_audit_log_and_dates_old_withdrawals(db_app, tmp_path, databases):
    # A fresh database at 0010, with rows as the code before 0013 wrote them.
    app, runner = databases.app_at_migration(db_app.config["BACKEND"], tmp_path, "0010_mariadb_medium_bodies")
    with app.app_context():
        stamp = Release.updated_at.db_value
        then = utcnow().replace(microsecond=0) - timedelta(days=3)
        db = database.obj
        Table("category").bind(db).insert(slug="press", name="보도자료", description="", sort_order=0).execute()
        users = Table("app_user", ("id", "username", "password_hash", "role", "active", "created_at",
                                   "session_epoch")).bind(db)
        users.insert(username="writer", password_hash="x", role="editor", active=True,
                     created_at=stamp(then), session_epoch=0).execute()
        writer = users.select(users.id).scalar()
        release = Table("release").bind(db)
        for public_id, status in (("written", "published"), ("pulled", "withdrawn")):
            release.insert(public_id=public_id, category_id=1, title=public_id, author="a", body_html="",
                           body_text="", summary="", status=status, published_at=stamp(then),
                           created_at=stamp(then), updated_at=stamp(then), revision=1, view_count=0).execute()
        Table("audit_entry").bind(db).insert(
            created_at=stamp(then), actor_id=writer, actor_name="writer", via="admin",
            action="release_create", target="release:written", summary="", address="").execute()
        assert "0013_desk" in runner.up("0013_desk")  # later migrations stay out of its down()
        written = Release.get(Release.public_id == "written")
        pulled = Release.get(Release.public_id == "pulled")
        assert (written.created_by_id, written.withdrawn_at, written.review_state) == (writer, None, "")
        assert pulled.withdrawn_at == then and pulled.withdraw_reason == "" and pulled.created_by_id is None
        assert Category.get().review_required is False
        assert "0013_desk" in runner.down("0013_desk")  # and back
        assert "review_state" not in {c.name for c in db.get_columns("release")}
    databases.close_database()


def test_rows_inserted_without_the_new_columns_get_their_defaults(db_app):
    """The demo seeder inserts with raw SQL naming only the old columns (MariaDB lost them once)."""
    with db_app.app_context():
        db = database.obj
        quote = database.quote
        db.execute_sql("INSERT INTO category (slug, name, description, sort_order) VALUES ('a', 'b', '', 0)")
        stamp = Release.updated_at.db_value(utcnow())
        db.execute_sql(f"INSERT INTO {quote[0]}release{quote[1]} (public_id, category_id, title, author, "
                       "body_html, body_text, summary, status, created_at, updated_at, revision, view_count) "
                       f"VALUES ('raw', 1, 't', 'a', '', '', '', 'draft', {database.param}, {database.param}, 1, 0)",
                       (stamp, stamp))
        release = Release.get(Release.public_id == "raw")
        assert (release.withdraw_reason, release.review_state, release.review_note) == ("", "", "")
        assert Category.get().review_required is False


def test_the_list_links_an_editor_to_the_preview_of_anothers_release(desk, staff, html):
    admin = signed_in(desk, staff, "admin")
    write(staff, admin, title="관리자 글")
    theirs = newest(desk)
    editor = signed_in(desk, staff, "editor")
    write(staff, editor, title="편집자 글")
    mine = newest(desk)
    links = html.page(editor.get("/admin/")).xpath("//td[@class='col-title']/a/@href")
    assert links == [f"/admin/releases/{mine.public_id}/edit", f"/admin/releases/{theirs.public_id}/preview"]
