"""Attachment files: stored under generated names outside the web root."""
import hashlib
import secrets
from pathlib import Path

from flask import abort, current_app, send_file

from feedserver.models import Attachment


def attachment_dir():
    """Return the folder that holds attachment files, creating it."""
    folder = current_app.config.get("ATTACHMENT_DIR") or str(
        Path(current_app.instance_path) / "attachments")
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_bytes(data, folder=None):
    """Write data under a fresh random name; return (stored_name, size, sha256)."""
    folder = Path(folder) if folder else attachment_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    target = folder / stored_name
    tmp = folder / (stored_name + ".part")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
    tmp.replace(target)  # atomic: a reader never sees half a file
    return stored_name, len(data), hashlib.sha256(data).hexdigest()


def send_release_file(release, attachment_id):
    """Send one of a release's files, or answer 404 when the release has no such file."""
    file = Attachment.get_or_none(Attachment.id == attachment_id, Attachment.release == release)
    if file is None:
        abort(404, description="없는 첨부파일입니다.")
    return send_attachment(file)


def send_attachment(file, inline=False):
    """Send a stored attachment with its type, size and Korean original name (inline: to view)."""
    path = attachment_dir() / file.stored_name
    if not path.is_file():
        abort(404, description="첨부파일을 찾을 수 없습니다.")
    response = send_file(path, mimetype=file.content_type, as_attachment=not inline,
                         download_name=file.filename, conditional=True,
                         etag=file.sha256, max_age=current_app.config["ATTACHMENT_MAX_AGE"])
    # Shared caches must ask again once it expires: a withdrawn release's files answer 410.
    response.cache_control.public = True
    response.cache_control.must_revalidate = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
