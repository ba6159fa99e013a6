"""What the editor's buttons mean for review, and messages that say what a save did."""
from flask import g

from feedserver.dates import detail_datetime
from feedserver.publishing.permissions import must_review


def review_fields(form, fields, release):
    """Add the review state a button asks for; an editor's 게시 on a review board becomes 검토 요청."""
    category = fields.get("category") or (release.category if release else None)
    live = release is not None and release.status in ("published", "scheduled")
    wants_public = form.mode in ("publish", "schedule") and not live
    if form.mode == "review" or (wants_public and category and must_review(g.user, category)):
        fields.update(status="draft", published_at=None, review_state="pending", review_note="")
    elif form.mode == "draft":
        fields["review_state"] = ""
    return fields


def saved_message(release, old_status, created=False):
    """Return the flash message for what the save actually did."""
    status = release.effective_status()
    if release.status == "draft" and release.review_state == "pending":
        return "검토를 요청했습니다. 승인자나 관리자가 게시하거나 반려합니다."
    if status == "draft":
        return "임시저장했습니다. 아직 게시되지 않았습니다."
    if status == "scheduled" and (created or old_status != "scheduled"):
        return f"예약했습니다. {detail_datetime(release.published_at)}에 게시됩니다."
    if status == "published" and (created or old_status not in ("published", "scheduled")):
        return "게시했습니다. 게시판과 피드에 올라갔습니다."
    if status == "withdrawn":
        return "변경 내용을 저장했습니다. 철회된 상태 그대로입니다."
    return "변경 내용을 저장했습니다."
