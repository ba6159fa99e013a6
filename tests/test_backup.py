"""Backups taken while releases are being written restore to a consistent board."""
import sqlite3
import threading

from feedserver.backup import backup_to, restore_from
from feedserver.models import Attachment, Release
from feedserver import storage
from helpers import make_category, make_release


def test_backup_during_writes_restores_consistently(app, tmp_path):
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
