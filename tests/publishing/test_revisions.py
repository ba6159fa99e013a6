"""Revisions on every save, restoring one, the 정정 note, and when 수정일 moves; every database."""
import json
from datetime import timedelta

import pytest

from feedserver.models import FeedState, Release, ReleaseRevision, User, utcnow
from feedserver.publishing import releases as publishing
from feedserver.publishing import revisions
from feedserver.publishing.audit import Actor
from feedserver.publishing.input import FieldErrors, check_fields
from feedserver.publishing.revert import restore_revision

PRESS = {"department": "경제정책과", "contact_person": "홍길동", "contact_phone": "031-8008-2114",
         "contact_email": "press@gg.go.kr", "embargo_text": "즉시 보도", "kogl_type": 3}


def editor():
    return Actor(User.get(User.username == "editor"), "admin", "127.0.0.1")


def create(**extra):
    data = {"title": "경기도 소식", "category": "press", "body": "첫 문단\n둘째 문단",
            "status": "published", **PRESS, **extra}
    return publishing.create_release(check_fields(data), editor())


def edit(release, **data):
    release = Release.get_by_id(release.id)
    publishing.update_release(release, check_fields(data, current=release), editor())
    return Release.get_by_id(release.id)


def numbers(release):
    return [r.number for r in revisions.history(release)]


def test_press_fields_are_saved_and_checked(staff_db_app):
    with staff_db_app.app_context():
        release = Release.get_by_id(create().id)
        assert {name: getattr(release, name) for name in PRESS} == PRESS
        assert release.effective_kogl_type == 3
        for field, value in [("contact_phone", "8008-2114"), ("contact_phone", "031 8008 2114"),
                             ("contact_email", "press@"), ("kogl_type", 5), ("kogl_type", "1"),
                             ("department", "과" * 101)]:
            with pytest.raises(FieldErrors) as error:
                check_fields({"title": "t", "category": "press", field: value})
            assert field in error.value.fields
        for phone in ("02-123-4567", "010-1234-5678", "1588-1234", ""):
            assert check_fields({"title": "t", "category": "press",
                                 "contact_phone": phone})["contact_phone"] == phone


def test_every_save_keeps_a_revision_with_who_and_what(staff_db_app):
    with staff_db_app.app_context():
        release = create()
        release = edit(release, title="경기도 소식 (수정)", department="기획조정실")
        publishing.withdraw_release(release, editor())
        publishing.restore_release(Release.get_by_id(release.id), editor())
        release = Release.get_by_id(release.id)
        assert numbers(release) == [4, 3, 2, 1] and release.revision == 4
        kept = revisions.history(release)[2]
        data = revisions.data_of(kept)
        assert (kept.title, kept.actor_name, kept.via, kept.action) == (
            "경기도 소식 (수정)", "editor", "admin", "release_update")
        assert data["department"] == "기획조정실" and data["contact_phone"] == "031-8008-2114"
        assert data["category"] == "press" and data["status"] == "published"
        publishing.delete_release(release, Actor(None, "cli", name="test"))
        assert ReleaseRevision.select().count() == 0


def test_restoring_a_revision_is_a_new_save_through_publishing(staff_db_app):
    with staff_db_app.app_context():
        release = create()
        first = revisions.history(release)[0]
        release = edit(release, title="바뀐 제목", body="바뀐 본문", contact_person="김철수")
        state = FeedState.get(FeedState.key == "all").version
        assert restore_revision(release, first, editor()) is True
        release = Release.get_by_id(release.id)
        assert (release.title, release.body_text, release.contact_person) == (
            "경기도 소식", "첫 문단\n둘째 문단", "홍길동")
        assert numbers(release) == [3, 2, 1]
        assert revisions.history(release)[0].action == "release_revert"
        assert FeedState.get(FeedState.key == "all").version > state  # caches move on
        assert restore_revision(release, revisions.history(release)[0], editor()) is False


def test_modified_at_moves_only_on_a_public_content_change(staff_db_app):
    with staff_db_app.app_context():
        release = create()
        assert release.modified_at is None
        Release.count_view(release.id)  # a view is no change
        release = edit(release, status="published")  # nothing changed
        assert Release.get_by_id(release.id).modified_at is None
        publishing.withdraw_release(release, editor())
        publishing.restore_release(Release.get_by_id(release.id), editor())
        assert Release.get_by_id(release.id).modified_at is None  # withdraw->restore, no change
        # Publication (and its time) moved back a minute, so "after publication" is measurable.
        Release.update(published_at=utcnow() - timedelta(minutes=1)).where(
            Release.id == release.id).execute()
        release = edit(release, contact_phone="02-123-4567")
        assert release.modified_at is not None and release.modified_at > release.published_at


def test_draft_and_embargoed_edits_do_not_count_as_changes(staff_db_app):
    with staff_db_app.app_context():
        draft = create(status="draft")
        assert edit(draft, title="초안 고침").content_changed_at is None
        later = (utcnow() + timedelta(days=2)).isoformat()
        scheduled = create(status="scheduled", published_at=later)
        assert edit(scheduled, body="엠바고 중 고침").content_changed_at is None


def test_a_correction_is_dated_when_it_changes(staff_db_app):
    with staff_db_app.app_context():
        release = edit(create(), correction="  예산 100억 원을\n 120억 원으로 바로잡습니다. ")
        assert release.correction == "예산 100억 원을\n120억 원으로 바로잡습니다."
        stamp = release.corrected_at
        assert stamp is not None and release.content_changed_at == stamp
        assert edit(release, title="제목만 고침").corrected_at == stamp


def test_a_future_embargo_schedules_the_release(staff_db_app):
    with staff_db_app.app_context():
        day = utcnow() + timedelta(days=3)
        text = f"{day.year}. {day.month}. {day.day}. 15:00"
        fields = check_fields({"title": "엠바고", "category": "press", "status": "published",
                               "embargo_text": text})
        assert fields["status"] == "scheduled"
        assert fields["published_at"].hour == 6 and fields["published_at"] > utcnow()  # 15:00 KST
        # A release readers already see is never taken back by its 보도시점.
        release = create()
        fields = check_fields({"embargo_text": text}, current=release)
        assert "status" not in fields


def test_revision_data_is_json_and_lists_attachments(staff_app, samples):
    from feedserver.content.uploads import check_upload
    with staff_app.app_context():
        release = create()
        upload = check_upload("붙임.pdf", samples.tiny_pdf(), 10**6)
        publishing.update_release(release, {}, editor(), uploads=[upload])
        data = json.loads(revisions.history(release)[0].data)
        assert data["attachments"] == ["붙임.pdf"]
        assert Release.get_by_id(release.id).content_changed_at is not None  # files are content


def test_rows_inserted_without_the_new_columns_get_their_defaults(staff_db_app):
    """The demo seeder and other slices' migrations insert releases naming only older columns."""
    from feedserver.db import database
    from feedserver.models import Category
    with staff_db_app.app_context():
        q = database.quote
        names = ("public_id", "category_id", "title", "author", "body_html", "body_text", "summary",
                 "status", "created_at", "updated_at", "revision", "view_count")
        columns = ", ".join(q[0] + n + q[1] for n in names)
        marks = ", ".join([database.param] * len(names))
        press = Category.get(Category.slug == "press").id
        database.execute_sql(f"INSERT INTO {q[0]}release{q[1]} ({columns}) VALUES ({marks})",
                             ["rawrow2345678", press, "t", "a", "", "", "", "draft",
                              "2024-05-07 00:00:00", "2024-05-07 00:00:00", 1, 0])
        database.execute_sql(f"INSERT INTO {q[0]}category{q[1]} ({q[0]}slug{q[1]}, {q[0]}name{q[1]}, "
                             f"{q[0]}description{q[1]}, {q[0]}sort_order{q[1]}) VALUES "
                             f"({database.param}, {database.param}, '', 0)", ["raw", "raw"])
        row = Release.get(Release.public_id == "rawrow2345678")
        assert (row.department, row.contact_email, row.correction, row.kogl_type) == ("", "", "", None)
        assert Category.get(Category.slug == "raw").kogl_type == 1
