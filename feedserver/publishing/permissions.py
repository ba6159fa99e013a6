"""Who may change which release: owners and approvers, and who must submit for review."""
from feedserver.models import VISIBLE_STATUSES


class PublishingError(Exception):
    """A write refused for the release's state (409) or the actor's role (403)."""

    def __init__(self, message, status=409):
        super().__init__(message)
        self.message = message
        self.status = status


def refused(message):
    return PublishingError(message, status=403)


def may_manage(user, release):
    """Tell whether a user may edit, withdraw or restore a release; command-line actors may."""
    if user is None or user.is_approver:
        return True
    return release.created_by_id is not None and release.created_by_id == user.id


def must_review(user, category):
    """Tell whether the user must submit releases on this board for review."""
    return user is not None and not user.is_approver and bool(category.review_required)


def check_manage(actor, release):
    if not may_manage(actor.user, release):
        raise refused("다른 사람이 쓴 보도자료는 승인자나 관리자만 고치거나 철회할 수 있습니다.")


def check_publish(actor, category, status):
    """Refuse an editor putting a release on a review board before an approver saw it."""
    if status in VISIBLE_STATUSES and must_review(actor.user, category):
        raise refused(f"‘{category.name}’ 게시판은 검토 후 게시합니다. 검토를 요청해 주세요.")
