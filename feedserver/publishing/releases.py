"""Every write to a release: one transaction that saves it, bumps feed state and logs it."""
from feedserver.content import uploads as upload_files
from feedserver.db import database
from feedserver.models import (
    VISIBLE_STATUSES,
    Attachment,
    Category,
    Release,
    bump_feed_state,
    html_to_text,
    summarize,
    utcnow,
)
from feedserver.publishing import audit, revisions
from feedserver.publishing.permissions import PublishingError, check_manage, check_publish
from feedserver.publishing.press_fields import LABELS as PRESS_LABELS
from feedserver.search import index as search_index
from feedserver.websub.outbox import release_changed, seen_change

LABELS = {"title": "제목", "category": "분류", "author": "작성자", "body_html": "본문",
          "summary": "요약", "status": "상태", "published_at": "게시 시각", **PRESS_LABELS}
STATUS_ACTIONS = {"published": "release_publish", "scheduled": "release_schedule",
                  "draft": "release_unpublish", "withdrawn": "release_withdraw"}
CREATE_ACTIONS = {"published": "release_create_publish", "scheduled": "release_create_schedule"}

STALE = "다른 사용자가 먼저 고쳤습니다. 새로 불러온 뒤 다시 저장해 주세요."


def create_release(fields, actor, uploads=(), external_id=None):
    """Create a release from checked fields, with its attachments; return it."""
    columns = derive_columns(fields, None)
    check_publish(actor, fields["category"], columns.get("status"))
    if actor.user is not None:
        columns["created_by_id"] = actor.user.id
    action = CREATE_ACTIONS.get(columns.get("status"), "release_create")
    if columns.get("review_state") == "pending":
        action = "release_submit"
    stored = [upload_files.store_upload(u) for u in uploads]
    try:
        with database.atomic():
            release = Release.create(external_id=external_id, **columns)
            attach_files(release, stored)
            _after_change(release, None, "draft", actor, action, f"제목: {release.title}")
    except BaseException:
        upload_files.remove_stored(s["stored_name"] for s in stored)
        raise
    return release


def update_release(release, fields, actor, uploads=(), remove_ids=(), action=None, expected=None):
    """Apply checked fields and attachment changes; return False when nothing changed."""
    if expected is not None and expected != release.revision:
        raise PublishingError(STALE)
    check_manage(actor, release)
    columns = derive_columns(fields, release)
    changed = [name for name, value in columns.items() if stored_value(release, name) != value]
    if "status" in changed or ("category" in changed and release.status in VISIBLE_STATUSES):
        check_publish(actor, fields.get("category", release.category),
                      columns.get("status", release.status))
    if columns.get("status") in VISIBLE_STATUSES and release.review_state:
        columns.update(review_state="", review_note="")  # published: no longer in review
        changed += [n for n in ("review_state", "review_note") if n not in changed]
    removing = list(release.attachments.where(Attachment.id.in_(list(remove_ids)))) if remove_ids else []
    if not changed and not uploads and not removing:
        return False
    if columns.get("review_state") == "pending" and "review_state" in changed:
        action = action or "release_submit"
    action = action or _action_for(columns, changed, uploads)
    summary = _change_summary(changed, uploads, removing)
    changes = {n: columns[n] for n in changed}
    if _seen_content_change(release, changed, uploads or removing):
        changes["content_changed_at"] = utcnow()
    stored = [upload_files.store_upload(u) for u in uploads]
    try:
        _write(release, changes, actor, action, summary,
               lambda: _swap_attachments(release, stored, removing))
    except BaseException:
        upload_files.remove_stored(s["stored_name"] for s in stored)
        raise
    upload_files.remove_stored(f.stored_name for f in removing)
    return True


def _seen_content_change(release, changed, files_changed):
    """Tell whether a save changes content readers have seen: 수정일 and the feeds' `updated`.

    The release must have gone live (published, or scheduled and come due, or withdrawn after
    that); edits to drafts and embargoed releases, and state changes alone, do not count.
    """
    public_change = files_changed or any(n in revisions.PUBLIC_CONTENT for n in changed)
    return bool(public_change and release.went_live())


def withdraw_release(release, actor, reason=""):
    """Take a published or scheduled release off the board and the feeds, saying why."""
    if release.status not in VISIBLE_STATUSES:
        raise PublishingError("게시되었거나 예약된 보도자료만 철회할 수 있습니다.")
    check_manage(actor, release)
    summary = f"제목: {release.title}" + (f"; 사유: {reason}" if reason else "")
    _write(release, {"status": "withdrawn", "withdrawn_at": utcnow(), "withdraw_reason": reason},
           actor, "release_withdraw", summary)


def restore_release(release, actor):
    """Put a withdrawn release back where it was: published, or scheduled if still ahead."""
    if release.status != "withdrawn":
        raise PublishingError("철회된 보도자료만 복원할 수 있습니다.")
    check_manage(actor, release)
    check_publish(actor, release.category, "published")
    ahead = release.published_at is not None and release.published_at > utcnow()
    _write(release, {"status": "scheduled" if ahead else "published", "withdrawn_at": None,
                     "withdraw_reason": ""}, actor, "release_restore", f"제목: {release.title}")


def cancel_schedule(release, actor):
    """Turn a scheduled release that is not yet public back into a draft (예약 취소)."""
    if release.status != "scheduled" or release.is_public():
        raise PublishingError("아직 게시되지 않은 예약 보도자료만 예약을 취소할 수 있습니다.")
    check_manage(actor, release)
    _write(release, {"status": "draft", "published_at": None}, actor, "release_unschedule",
           f"제목: {release.title}")


def delete_release(release, actor):
    """Delete a release and its files for good; admins only."""
    require_admin(actor, "보도자료 삭제는 관리자만 할 수 있습니다.")
    files = [f.stored_name for f in release.attachments]
    with database.atomic():
        Attachment.delete().where(Attachment.release == release.id).execute()
        revisions.forget(release)
        Release.delete().where(Release.id == release.id).execute()
        _after_change(release, None, release.status, actor, "release_delete",
                      f"제목: {release.title}")
    upload_files.remove_stored(files)


def require_admin(actor, message):
    """Refuse an editor doing an admin's job; command-line actors are trusted."""
    if actor.user is not None and not actor.user.is_admin:
        raise PublishingError(message, status=403)


def derive_columns(fields, release):
    """Return stored column values: ids for categories, plain text and summary derived."""
    columns = dict(fields)
    if "category" in columns:
        columns["category"] = columns["category"].id
    if "body_html" in columns and release is not None and columns["body_html"] == release.body_html:
        del columns["body_html"]  # saved unchanged: its plain text and derived summary stay
    if "body_html" in columns:
        columns["body_text"] = html_to_text(columns["body_html"])
    if "correction" in columns and release is None:  # rows of a bulk insert name the same columns
        columns["corrected_at"] = utcnow() if columns["correction"] else None
    elif columns.get("correction") and columns["correction"] != release.correction:
        columns["corrected_at"] = utcnow()  # a new or changed 정정 note is dated now
    summary = columns.pop("summary", None)  # None: not given; "": derive from the body
    body_text = columns.get("body_text", release.body_text if release else "")
    if summary:
        columns["summary"] = summary
    elif summary == "" or release is None:
        columns["summary"] = summarize(body_text)
    elif "body_text" in columns and release.summary == summarize(release.body_text):
        columns["summary"] = summarize(body_text)  # a derived summary follows its body
    return columns


def stored_value(release, name):
    return release.category_id if name == "category" else getattr(release, name)


def _write(release, changes, actor, action, summary, extra=None):
    """Save changes guarded by the revision read, bump feeds, log; all in one transaction."""
    old_category, old_status = release.category_id, release.status
    old_published_at = release.published_at
    now = utcnow()
    with database.atomic():
        updated = (Release.update(**changes, updated_at=now, revision=Release.revision + 1)
                   .where(Release.id == release.id, Release.revision == release.revision)
                   .execute())
        if not updated:
            raise PublishingError(STALE)
        for name, value in changes.items():
            setattr(release, name if name != "category" else "category_id", value)
        release.updated_at, release.revision = now, release.revision + 1
        if extra:
            extra()
        _after_change(release, old_category, old_status, actor, action, summary, old_published_at)


def _after_change(release, old_category_id, old_status, actor, action, summary,
                  old_published_at=None):
    """Everything a release write owes the readers, inside its transaction."""
    if old_published_at is None:  # created or deleted: the time did not change
        old_published_at = release.published_at
    deleted = action == "release_delete"
    # Only a change readers can see moves the feeds' validators: an edit to an embargoed
    # release must not show in any public ETag.
    if seen_change(release, old_status, old_published_at, deleted):
        bump_feed_state([c for c in (release.category_id, old_category_id) if c])
    audit.record(actor, action, f"release:{release.public_id}", summary)
    if deleted:
        search_index.remove([release.id])
    else:
        search_index.reindex([release])
        revisions.record(release, actor, action)
    # WebSub: queue the hub's notifications in this transaction, so they are written if and
    # only if the change is.
    release_changed(release, old_category_id, old_status, old_published_at, deleted)


def attach_files(release, stored):
    for meta in stored:
        Attachment.create(release=release, **meta)


def _swap_attachments(release, stored, removing):
    if removing:
        Attachment.delete().where(Attachment.id.in_([f.id for f in removing])).execute()
    attach_files(release, stored)


def _action_for(columns, changed, uploads):
    if "status" in changed:
        return STATUS_ACTIONS[columns["status"]]
    if "published_at" in changed and columns.get("status") == "scheduled":
        return "release_schedule"
    if changed:
        return "release_update"
    return "attachment_add" if uploads else "attachment_remove"


def _change_summary(changed, uploads, removing):
    parts = []
    names = [LABELS[n] for n in changed if n in LABELS]
    if names:
        parts.append("바뀐 항목: " + ", ".join(names))
    if uploads:
        parts.append("첨부 추가: " + ", ".join(u.filename for u in uploads))
    if removing:
        parts.append("첨부 삭제: " + ", ".join(f.filename for f in removing))
    return "; ".join(parts)


def save_category(category, values, actor):
    """Create (category=None) or change a category; its feeds change with it."""
    require_admin(actor, "분류 관리는 관리자만 할 수 있습니다.")
    with database.atomic():
        if category is None:
            category = Category.create(**values)
            action = "category_create"
        else:
            Category.update(**values).where(Category.id == category.id).execute()
            action = "category_update"
        bump_feed_state([category.id])
        audit.record(actor, action, f"category:{values['slug']}", f"이름: {values['name']}")
    return category


def delete_category(category, actor):
    """Delete an empty category; one that still holds releases is refused."""
    require_admin(actor, "분류 관리는 관리자만 할 수 있습니다.")
    with database.atomic():
        if Release.select().where(Release.category == category.id).exists():
            raise PublishingError("보도자료가 있는 분류는 삭제할 수 없습니다. 먼저 옮기거나 삭제해 주세요.")
        Category.delete().where(Category.id == category.id).execute()
        bump_feed_state([category.id])
        audit.record(actor, "category_delete", f"category:{category.slug}", f"이름: {category.name}")
