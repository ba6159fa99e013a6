"""Backups taken while releases are being written restore to a consistent board."""
import sqlite3
import threading

from feedserver.content import storage
from feedserver.models import Attachment, Release
from feedserver.publishing.backup import backup_to, restore_from


def test_backup_during_writes_restores_consistently(app, tmp_path, make_category, make_release):
    with app.app_context():
        category = make_category()
    stop = threading.Event()
    written, errors = [], []

    def writer():
        try:
            write()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def write():
        with app.app_context():
            n = 0
            while not stop.is_set() and n < 2000:
                release = make_release(category, title=f"백업 중 작성 {n}")
                stored, size, digest = storage.store_bytes(b"%%PDF-1.4 test %d" % n)
                Attachment.create(release=release, filename=f"붙임{n}.pdf", content_type="application/pdf",
                                  size=size, sha256=digest, stored_name=stored)
                written.append(n)
                n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    import time
    deadline = time.time() + 20
    while len(written) < 50 and not errors and time.time() < deadline:
        time.sleep(0.01)
    assert not errors, errors
    with app.app_context():
        backup_to(tmp_path / "backup")
    stop.set()
    thread.join()
    assert not errors, errors
    copy = sqlite3.connect(tmp_path / "backup" / "feedserver.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    copy.close()
    with app.app_context():
        restore_from(tmp_path / "backup")
        releases = list(Release.select())
        assert 50 <= len(releases) < len(written) + 1
        # every release the snapshot holds is whole, and every named file exists
        for attachment in Attachment.select():
            assert (storage.attachment_dir() / attachment.stored_name).read_bytes().startswith(b"%PDF")
    response = app.test_client().get("/board/news/")
    assert response.status_code == 200


def test_restore_never_brings_back_a_state_a_cache_has_seen(app, tmp_path, make_category, make_release):
    import feedparser

    from feedserver.models import bump_feed_state
    client = app.test_client()

    def titles():
        return [e.title for e in feedparser.parse(client.get("/feeds/all.atom").data).entries]

    def retitle(title):
        with app.app_context():
            Release.update(title=title).where(Release.id == release.id).execute()
            bump_feed_state([release.category_id])

    with app.app_context():
        release = make_release(make_category(), title="처음 제목")
        backup_to(tmp_path / "backup")
    retitle("백업 뒤에 고친 제목")
    before = client.get("/feeds/all.atom")
    assert titles() == ["백업 뒤에 고친 제목"]  # kept for this state
    with app.app_context():
        restore_from(tmp_path / "backup")
    restored = client.get("/feeds/all.atom", headers={"If-None-Match": before.headers["ETag"]})
    assert restored.status_code == 200 and titles() == ["처음 제목"]
    # The next write must not land on the state the kept feed was made for.
    retitle("복원 뒤에 고친 제목")
    assert titles() == ["복원 뒤에 고친 제목"]
    assert "복원 뒤에 고친 제목" in client.get("/board/news/").get_data(as_text=True)


def test_a_backup_keeps_press_fields_and_revisions(staff_app, tmp_path):
    from feedserver.models import ReleaseRevision, User
    from feedserver.publishing import releases as publishing
    from feedserver.publishing.audit import Actor
    from feedserver.publishing.input import check_fields
    with staff_app.app_context():
        actor = Actor(User.get(User.username == "admin"), "cli")
        release = publishing.create_release(check_fields(
            {"title": "백업할 보도자료", "category": "press", "department": "대변인실",
             "contact_email": "press@gg.go.kr", "kogl_type": 2}), actor)
        publishing.update_release(release, check_fields({"title": "고친 제목"}, current=release), actor)
        backup_to(tmp_path / "backup")
        publishing.delete_release(Release.get_by_id(release.id), actor)
        restore_from(tmp_path / "backup")
        restored = Release.get(Release.public_id == release.public_id)
        assert (restored.department, restored.contact_email, restored.kogl_type) == (
            "대변인실", "press@gg.go.kr", 2)
        titles = [r.title for r in ReleaseRevision.select().where(ReleaseRevision.release == restored.id)
                  .order_by(ReleaseRevision.id)]
        assert titles == ["백업할 보도자료", "고친 제목"]
