"""The publishing service: one transaction per write, feed state, audit log, no half-writes."""
from datetime import timedelta

import pytest

from feedserver.content.storage import attachment_dir
from feedserver.content.uploads import check_upload
from feedserver.models import (
    Attachment,
    AuditEntry,
    Category,
    FeedState,
    Release,
    User,
    utcnow,
)
from feedserver.publishing import releases as publishing
from feedserver.publishing.input import FieldErrors, check_fields
from feedserver.publishing.releases import PublishingError


def versions():
    return {s.key: s.version for s in FeedState.select()}


def actor_for(username):
    from feedserver.publishing.audit import Actor
    return Actor(User.get(User.username == username), "admin", "127.0.0.1")


def create(title="경기도 소식", status="published", **extra):
    data = {"title": title, "category": "press", "body": "첫 문단\n둘째 문단", "status": status,
            **extra}
    return publishing.create_release(check_fields(data), actor_for("editor"))


def test_create_writes_release_feed_state_and_audit_in_one_go(staff_app):
    with staff_app.app_context():
        before = versions()
        release = create()
        assert release.body_html == "<p>첫 문단</p>\n<p>둘째 문단</p>"
        assert release.body_text == "첫 문단\n둘째 문단" and release.summary == "첫 문단 둘째 문단"
        assert release.author == "경기지기" and release.is_public()
        press = Category.get(Category.slug == "press").id
        assert versions()["all"] == before.get("all", 0) + 1
        assert versions()[f"cat:{press}"] == before.get(f"cat:{press}", 0) + 1
        entry = AuditEntry.select().order_by(AuditEntry.id.desc()).first()
        assert (entry.actor_name, entry.action, entry.target) == (
            "editor", "release_create_publish", f"release:{release.public_id}")


def test_saving_identical_content_moves_nothing(staff_app):
    with staff_app.app_context():
        release = create()
        stamp, revision, log, state = release.updated_at, release.revision, AuditEntry.select().count(), versions()
        again = check_fields({"title": " 경기도   소식 ", "category": "press",
                              "body": "<p>첫 문단</p>\n<p>둘째 문단</p>", "status": "published"},
                             current=release)
        assert publishing.update_release(release, again, actor_for("editor")) is False
        fresh = Release.get_by_id(release.id)
        assert (fresh.updated_at, fresh.revision) == (stamp, revision)
        assert AuditEntry.select().count() == log and versions() == state


def test_real_edit_moves_revision_and_bumps_old_and_new_category(staff_app):
    with staff_app.app_context():
        release = create()
        press, notice = (Category.get(Category.slug == s).id for s in ("press", "notice"))
        state = versions()
        fields = check_fields({"title": "고친 제목", "category": "notice"}, current=release)
        assert publishing.update_release(release, fields, actor_for("editor")) is True
        fresh = Release.get_by_id(release.id)
        assert (fresh.title, fresh.category_id, fresh.revision) == ("고친 제목", notice, 2)
        assert fresh.published_at == release.published_at  # an edit does not republish
        for key in ("all", f"cat:{press}", f"cat:{notice}"):
            assert versions()[key] == state.get(key, 0) + 1


def test_written_summary_stays_and_derived_summary_follows_the_body(staff_app):
    with staff_app.app_context():
        derived, written = create(), create(summary="직접 쓴 요약")
        for release in (derived, written):
            publishing.update_release(release, check_fields({"body": "새 본문"}, current=release),
                                      actor_for("editor"))
        assert Release.get_by_id(derived.id).summary == "새 본문"
        assert Release.get_by_id(written.id).summary == "직접 쓴 요약"


def test_schedule_is_visible_by_time_alone(staff_app):
    with staff_app.app_context():
        when = utcnow() + timedelta(hours=2)
        release = create(status="scheduled", published_at=when.isoformat())
        assert release.status == "scheduled" and not release.is_public()
        assert release.id not in [r.id for r in Release.visible()]
        assert release.id in [r.id for r in Release.visible(now=when + timedelta(seconds=1))]


@pytest.mark.parametrize("data, field", [
    ({"title": "", "category": "press"}, "title"),
    ({"title": "제목", "category": "nope"}, "category"),
    ({"title": "제목"}, "category"),
    ({"title": "제목", "category": "press", "status": "scheduled"}, "published_at"),
    ({"title": "제목", "category": "press", "status": "scheduled",
      "published_at": "2020-01-01T09:00:00+09:00"}, "published_at"),
    ({"title": "제목", "category": "press", "status": "published",
      "published_at": "2025-01-01T09:00:00"}, "published_at"),  # no offset
    ({"title": "제목", "category": "press", "status": "live"}, "status"),
    ({"title": "가" * 301, "category": "press"}, "title"),
    ({"title": ["목록"], "category": "press"}, "title"),
])
def test_bad_fields_name_the_field(staff_app, data, field):
    with staff_app.app_context(), pytest.raises(FieldErrors) as caught:
        check_fields(data)
    assert field in caught.value.fields


def test_withdraw_and_restore(staff_app):
    client = staff_app.test_client()
    with staff_app.app_context():
        release = create()
        state = versions()
        publishing.withdraw_release(release, actor_for("editor"))
        assert versions()["all"] == state["all"] + 1
    assert client.get(f"/releases/{release.public_id}").status_code == 410
    with staff_app.app_context():
        with pytest.raises(PublishingError):
            publishing.withdraw_release(Release.get_by_id(release.id), actor_for("editor"))
        publishing.restore_release(Release.get_by_id(release.id), actor_for("editor"))
        assert Release.get_by_id(release.id).status == "published"
    assert client.get(f"/releases/{release.public_id}").status_code == 200


def test_delete_is_for_admins_and_removes_files(staff_app, samples):
    with staff_app.app_context():
        upload = check_upload("붙임.pdf", samples.tiny_pdf(), 10_000)
        release = publishing.create_release(
            check_fields({"title": "첨부", "category": "press", "status": "published"}),
            actor_for("editor"), uploads=[upload])
        stored = attachment_dir() / release.attachments[0].stored_name
        assert stored.read_bytes() == samples.tiny_pdf()
        with pytest.raises(PublishingError) as caught:
            publishing.delete_release(release, actor_for("editor"))
        assert caught.value.status == 403 and Release.get_or_none(Release.id == release.id)
        publishing.delete_release(release, actor_for("admin"))
        assert Release.get_or_none(Release.id == release.id) is None
        assert not Attachment.select().exists() and not stored.exists()


def test_stale_revision_is_refused(staff_app, staff):
    with staff_app.app_context():
        release = create()
        stale = Release.get_by_id(release.id)
        publishing.update_release(release, check_fields({"title": "먼저"}, current=release), staff.CLI)
        with pytest.raises(PublishingError) as caught:
            publishing.update_release(stale, check_fields({"title": "나중"}, current=stale), staff.CLI)
        assert caught.value.status == 409 and Release.get_by_id(release.id).title == "먼저"


def test_failure_inside_the_transaction_leaves_nothing(staff_app, monkeypatch, samples, staff):
    with staff_app.app_context():
        state, log = versions(), AuditEntry.select().count()

        def broken(*args, **kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(publishing, "attach_files", broken)
        with pytest.raises(RuntimeError):
            publishing.create_release(check_fields({"title": "반쪽", "category": "press",
                                                    "status": "published"}),
                                      staff.CLI, uploads=[check_upload("a.pdf", samples.tiny_pdf(), 10_000)])
        assert not Release.select().exists() and versions() == state
        assert AuditEntry.select().count() == log
        assert [p.name for p in attachment_dir().iterdir()] == []


def test_audit_log_is_append_only(staff_app):
    with staff_app.app_context():
        entry = AuditEntry.select().first()
        entry.summary = "고쳐 쓰기"
        with pytest.raises(PermissionError):
            entry.save()
        with pytest.raises(PermissionError):
            entry.delete_instance()
