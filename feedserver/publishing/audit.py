"""The append-only audit log: who did what, when, through which door."""
from dataclasses import dataclass

from feedserver.models import AuditEntry, Release, User

ACTIONS = {
    "login": "로그인", "login_failed": "로그인 실패", "logout": "로그아웃",
    "release_create": "보도자료 작성(임시저장)", "release_update": "보도자료 수정",
    "release_create_publish": "작성 후 지금 게시", "release_create_schedule": "작성 후 예약 게시",
    "release_publish": "지금 게시", "release_schedule": "예약 게시",
    "release_went_live": "예약 게시됨", "release_unschedule": "예약 취소",
    "release_submit": "검토 요청", "release_approve": "승인 게시", "release_return": "반려",
    "release_unpublish": "게시 취소(임시저장)", "release_withdraw": "게시 철회",
    "release_restore": "게시 복원", "release_revert": "이전 판으로 되돌림", "release_delete": "보도자료 삭제",
    "release_import": "보도자료 가져오기",
    "attachment_add": "첨부파일 추가", "attachment_remove": "첨부파일 삭제",
    "category_create": "분류 추가", "category_update": "분류 수정", "category_delete": "분류 삭제",
    "token_create": "API 토큰 발급", "token_revoke": "API 토큰 폐기",
    "user_create": "사용자 추가", "user_update": "사용자 수정",
    "password_change": "비밀번호 변경", "password_reset": "비밀번호 재설정",
    "sessions_end": "모든 기기 로그아웃",
    "import": "일괄 가져오기", "export": "내보내기",
    "press_contact_create": "기자 명단 추가", "press_contact_update": "기자 명단 수정",
    "press_contact_delete": "기자 명단 삭제", "press_import": "기자 명단 가져오기",
    "mail_address_export": "개인정보 내보내기", "mail_address_erase": "개인정보 삭제",
    "mail_withdrawal_notice": "철회 알림 메일",
}
VIA = {"admin": "관리자 화면", "api": "API", "cli": "명령줄", "schedule": "예약 시각"}


@dataclass(frozen=True)
class Actor:
    """The person or system behind a write, and the door it came through."""

    user: User | None
    via: str
    address: str = ""
    name: str = ""

    @property
    def label(self):
        if self.user is not None:
            return self.user.username
        return self.name or "system"


# Who acts when a scheduled release goes live by time alone (예약 게시됨).
SCHEDULE = Actor(None, "schedule", name="예약")


def record(actor, action, target="", summary=""):
    """Append one entry; call inside the transaction of the write it describes."""
    return AuditEntry.create(
        actor=actor.user, actor_name=actor.label[:64], via=actor.via, action=action,
        target=str(target)[:200], summary=summary, address=(actor.address or "")[:64],
    )


def entries(action=None, actor_name=None):
    """Return log entries newest first, optionally narrowed."""
    query = AuditEntry.select().order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action == action)
    if actor_name:
        query = query.where(AuditEntry.actor_name == actor_name)
    return query


def action_label(action):
    """Return the Korean name of an action."""
    return ACTIONS.get(action, action)


def release_titles(entries):
    """Return {target: title} for the release targets among entries; deleted ones by their log."""
    public_ids = {e.target[len("release:"):] for e in entries if e.target.startswith("release:")}
    titles = {}
    if public_ids:
        rows = Release.select(Release.public_id, Release.title).where(
            Release.public_id.in_(sorted(public_ids)))
        titles = {f"release:{r.public_id}": r.title for r in rows}
    for e in entries:  # a deleted release keeps the title its entries wrote down
        if e.target.startswith("release:") and e.target not in titles and "제목: " in e.summary:
            titles[e.target] = e.summary.split("제목: ", 1)[1].split("; ", 1)[0]
    return titles
