"""Review before publishing: editors submit, approvers publish (승인 게시) or send back (반려)."""
from feedserver.models import Release, utcnow
from feedserver.publishing.permissions import PublishingError, refused
from feedserver.publishing.releases import _write

PENDING, RETURNED = "pending", "returned"


def _require_approver(actor):
    if actor.user is not None and not actor.user.is_approver:
        raise refused("검토는 승인자나 관리자만 할 수 있습니다.")


def _require_pending(release):
    if release.review_state != PENDING or release.status != "draft":
        raise PublishingError("검토를 기다리는 보도자료가 아닙니다.")


def approve(release, actor, when=None):
    """Publish a release waiting for review now, or at `when` (aware UTC, in the future)."""
    _require_approver(actor)
    _require_pending(release)
    now = utcnow()
    if when is not None and when <= now:
        raise PublishingError("예약 게시 시각은 지금 이후여야 합니다.", status=422)
    changes = {"status": "scheduled" if when else "published", "published_at": when or now,
               "review_state": "", "review_note": ""}
    summary = f"제목: {release.title}" + (f"; 예약 시각: {when:%Y-%m-%d %H:%M} UTC" if when else "")
    _write(release, changes, actor, "release_approve", summary)


def send_back(release, actor, note):
    """Return a release to its writer with a note saying what to change (반려)."""
    _require_approver(actor)
    _require_pending(release)
    if not note:
        raise PublishingError("반려 사유를 입력해 주세요.", status=400)
    _write(release, {"review_state": RETURNED, "review_note": note}, actor, "release_return",
           f"제목: {release.title}; 사유: {note}")


def waiting():
    """Return releases waiting for review, oldest request first."""
    return (Release.select().where(Release.review_state == PENDING, Release.status == "draft")
            .order_by(Release.updated_at, Release.id))


def counts(user):
    """Return what needs this user's attention: reviews to do, and their releases sent back."""
    if user is None:
        return {"waiting": 0, "returned": 0}
    mine = Release.select().where(Release.review_state == RETURNED,
                                  Release.created_by_id == user.id, Release.status == "draft")
    return {"waiting": waiting().count() if user.is_approver else 0, "returned": mine.count()}


def returned_to(user):
    """Return the user's releases sent back from review, newest first."""
    return (Release.select().where(Release.review_state == RETURNED, Release.status == "draft",
                                   Release.created_by_id == user.id)
            .order_by(Release.updated_at.desc(), Release.id.desc()))
