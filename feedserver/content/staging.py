"""Files chosen in the editor, kept per user and form until the form is saved or they expire.

Staged files live in their own folder, apart from attachments, and no public route reads
them: only their owner sees them (admin/drafts.py), until saving turns them into attachments.
"""
import secrets
from datetime import timedelta
from pathlib import Path

from flask import current_app

from feedserver.content import storage
from feedserver.content.uploads import Upload
from feedserver.models import StagedFile, utcnow

STAGED_HOURS = 24
MAX_TOKENS = 50  # staged ids one form may carry


def staging_dir():
    """Return the folder that holds staged files (beside the attachments, never in them), creating it."""
    path = Path(current_app.config.get("STAGING_DIR") or storage.attachment_dir().parent / "staging")
    path.mkdir(parents=True, exist_ok=True)
    return path


def cutoff(now=None):
    """Return the oldest creation time a staged file may have and still be used."""
    return (now or utcnow()) - timedelta(hours=current_app.config.get("STAGED_HOURS", STAGED_HOURS))


def stage(user_id, form_token, upload):
    """Keep an accepted upload for user's form; return its StagedFile."""
    stored_name, size, digest = storage.store_bytes(upload.data, staging_dir())
    try:
        return StagedFile.create(user=user_id, form_token=form_token, token=secrets.token_urlsafe(24),
                                 filename=upload.filename, content_type=upload.content_type,
                                 size=size, sha256=digest, stored_name=stored_name)
    except BaseException:
        (staging_dir() / stored_name).unlink(missing_ok=True)
        raise


def find(user_id, form_token, tokens):
    """Return the live staged files of user's form named by tokens, in the order given."""
    tokens = [t for t in tokens if isinstance(t, str) and 0 < len(t) <= 64][:MAX_TOKENS]
    if not tokens or not form_token:
        return []
    rows = {f.token: f for f in StagedFile.select().where(
        StagedFile.user == user_id, StagedFile.form_token == form_token,
        StagedFile.token.in_(tokens), StagedFile.created_at > cutoff())}
    return [rows[t] for t in dict.fromkeys(tokens) if t in rows]


def owned(user_id, token):
    """Return user's live staged file with this token, or None."""
    if not isinstance(token, str) or not 0 < len(token) <= 64:
        return None
    return StagedFile.get_or_none(StagedFile.user == user_id, StagedFile.token == token,
                                  StagedFile.created_at > cutoff())


def path_of(staged):
    return staging_dir() / staged.stored_name


def load(staged):
    """Return the staged file as an Upload, ready to become an attachment."""
    return Upload(staged.filename, staged.content_type, path_of(staged).read_bytes())


def discard(staged_files):
    """Forget staged files: their rows and their bytes."""
    staged_files = list(staged_files)
    if not staged_files:
        return
    StagedFile.delete().where(StagedFile.id.in_([f.id for f in staged_files])).execute()
    for staged in staged_files:
        path_of(staged).unlink(missing_ok=True)


def purge_expired(now=None):
    """Delete staged files older than the limit; return how many went."""
    old = list(StagedFile.select().where(StagedFile.created_at <= cutoff(now)))
    discard(old)
    return len(old)
