"""Nothing typed or chosen is lost: staged files for the editor form, autosave offers, and the
rescue of a save refused for an expired session or CSRF token.

The rescue runs when there is no session to say who is writing. The editor form carries a
signed, time-limited owner token (the writer's user id); a refused save is stored as that
user's autosave, and the redirect carries a signed claim. Only a session of the same user
ever reads an autosave (every lookup names g.user), so another user signing in with the
claim gets nothing.
"""
import re
import secrets

from flask import current_app, flash, g, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from feedserver.content import staging
from feedserver.content.uploads import UploadError, check_upload, read_limited
from feedserver.models import User
from feedserver.publishing import autosave

OWNER_SECONDS = 24 * 3600
CLAIM_SECONDS = 24 * 3600
RESCUABLE = ("admin.new", "admin.edit")
# Posted fields that are machinery, not writing.
NOT_WRITING = {"csrf_token", "draft_owner", "action", "staged", "unstage", "form_token"}
# Form attributes an autosave restores besides form.values.
FORM_ATTRS = ("mode", "publish_at")
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
RESCUED = ("세션 또는 보안 토큰이 만료되어 저장하지 못했습니다. 입력한 내용은 서버에 보관했으니 "
           "다시 로그인하면 이어서 쓸 수 있습니다.")
RESTORED = "저장하지 못했던 내용을 되살렸습니다. 확인한 뒤 다시 저장해 주세요."


def _signer(salt):
    return URLSafeTimedSerializer(current_app.secret_key, salt=f"feedserver-{salt}")


def owner_token(user):
    """Return the signed token a form carries to name its writer when the session is gone."""
    return _signer("draft-owner").dumps({"u": user.id, "n": user.username})


def owner_of(token):
    """Return the active user a valid owner token names, or None."""
    try:
        data = _signer("draft-owner").loads(token or "", max_age=OWNER_SECONDS)
    except BadSignature:
        return None
    user = User.get_or_none(User.id == data.get("u"))
    return user if user is not None and user.active and user.username == data.get("n") else None


def form_key(release):
    """Return the autosave key of the new-release form or one release's form."""
    return "new" if release is None else f"release:{release.public_id}"


def new_form_token():
    return secrets.token_urlsafe(24)


def receive(form):
    """Read the posted form token and staged ids; drop the ones the writer removed."""
    staging.purge_expired()  # on access: no job to schedule, and nothing expired is ever used
    token = request.form.get("form_token", "")
    form.form_token = token if TOKEN.match(token) else new_form_token()
    kept = staging.find(g.user.id, form.form_token, request.form.getlist("staged"))
    removed = set(request.form.getlist("unstage"))
    staging.discard(f for f in kept if f.token in removed)
    form.staged = [f for f in kept if f.token not in removed]


def keep(form):
    """Stage the files chosen in this request, so the form shows and carries them."""
    form.staged = [*form.staged, *(staging.stage(g.user.id, form.form_token, u) for u in form.uploads)]
    form.uploads = []


def staged_uploads(form):
    """Return the staged files as uploads for the release being saved."""
    return [staging.load(f) for f in form.staged]


def saved(form, key):
    """The form became a release: forget its staged files and its autosave."""
    staging.discard(form.staged)
    form.staged = []
    autosave.discard(g.user, key)
    begun, _ = autosave.load(g.user, "new")
    if key != "new" and begun and begun.get("form_token") == form.form_token:
        autosave.discard(g.user, "new")  # a new release moved onto a draft for its pictures


def prepare(form, release):
    """Set up a freshly opened form: a form token, then a claimed, restored or offered autosave."""
    form.form_token = new_form_token()
    autosave.purge_expired()
    key = form_key(release)
    draft, saved_at = autosave.load(g.user, key)
    if draft is None:
        return
    if _claimed(key) or request.args.get("restore") == "1":
        restore(form, draft)
        flash(RESTORED)
    elif _differs(form, draft):
        form.autosave_offer = saved_at


def restore(form, draft):
    """Put an autosaved draft into the form, staged files included while they live."""
    fields = draft.get("fields", {})
    for name, value in fields.items():
        if name in form.values:
            form.values[name] = value
    for name in FORM_ATTRS:
        if name in fields and (name != "mode" or form.mode is not None):
            setattr(form, name, fields[name])
    if str(fields.get("revision", "")).isdigit() and len(fields["revision"]) < 10:
        form.revision = int(fields["revision"])  # a stale base is refused on save, not overwritten
    if TOKEN.match(draft.get("form_token") or ""):
        form.form_token = draft["form_token"]
        form.staged = staging.find(g.user.id, form.form_token, draft.get("staged") or [])


def _differs(form, draft):
    fields = draft.get("fields", {})
    return bool(draft.get("staged")) or any(
        name in form.values and (value or "") != (form.values[name] or "") for name, value in fields.items())


def _claimed(key):
    try:
        data = _signer("draft-claim").loads(request.args.get("claim") or "", max_age=CLAIM_SECONDS)
    except BadSignature:
        return False
    return data.get("u") == g.user.id and data.get("k") == key


def rescue_post():
    """Keep a refused editor save as its writer's autosave; return the URL to go on at, or None."""
    if request.method != "POST" or request.endpoint not in RESCUABLE:
        return None
    user = owner_of(request.form.get("draft_owner"))
    if user is None:
        return None
    args = dict(request.view_args or {})
    key = "new" if "public_id" not in args else f"release:{args['public_id']}"
    token = request.form.get("form_token", "")
    token = token if TOKEN.match(token) else new_form_token()
    staged = [f.token for f in staging.find(user.id, token, request.form.getlist("staged"))]
    staged += [staging.stage(user.id, token, u).token for u in _posted_uploads()]
    fields = {k: v for k, v in request.form.items() if k not in NOT_WRITING}
    try:
        autosave.store(user, key, {"fields": fields, "staged": staged, "form_token": token})
    except autosave.AutosaveRefused:
        return None
    claim = _signer("draft-claim").dumps({"u": user.id, "k": key})
    flash(RESCUED)
    return url_for(request.endpoint, **args, claim=claim)


def _posted_uploads():
    limit = current_app.config["MAX_ATTACHMENT_BYTES"]
    accepted = []
    for file in request.files.getlist("attachments"):
        if file and file.filename:
            try:
                accepted.append(check_upload(file.filename, read_limited(file.stream, limit), limit))
            except UploadError:
                continue  # a refused file would have been refused on save too
    return accepted
