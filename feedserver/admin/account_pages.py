"""Self-service account pages: change one's password, sign out on every device."""
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.security import check_password_hash

from feedserver.admin import login_throttle
from feedserver.admin.accounts import actor, end_sessions, hash_password, login_required, start_session
from feedserver.db import database
from feedserver.models import User
from feedserver.publishing import audit

bp = Blueprint("account", __name__, url_prefix="/admin/account")
MIN_PASSWORD = 10


def password_error(password, confirm):
    """Return why a new password is refused, or None."""
    if len(password) < MIN_PASSWORD:
        return f"비밀번호는 {MIN_PASSWORD}자 이상이어야 합니다."
    if len(password) > 1024:
        return "비밀번호가 너무 깁니다."
    if password != confirm:
        return "새 비밀번호 두 칸이 서로 다릅니다."
    return None


def set_password(user, password, by, action):
    """Store a new password and end every session the user had; log it."""
    with database.atomic():
        User.update(password_hash=hash_password(password)).where(User.id == user.id).execute()
        end_sessions(user)
        audit.record(by, action, f"user:{user.username}")


def end_everywhere(user, by):
    """End every session the user has, and log who did it."""
    with database.atomic():
        end_sessions(user)
        audit.record(by, "sessions_end", f"user:{user.username}")


@bp.route("", methods=["GET", "POST"])
@login_required
def settings():
    if request.method == "GET":
        return render_template("admin/account.html")
    error = _check_current(request.form.get("current_password", ""))
    error = error or password_error(request.form.get("password", ""), request.form.get("confirm", ""))
    if error:
        return render_template("admin/account.html", error=error), 400
    set_password(g.user, request.form["password"], actor(), "password_change")
    start_session(g.user)  # this browser stays signed in with the new epoch; others are out
    flash("비밀번호를 바꿨습니다. 다른 기기의 로그인은 모두 끝났습니다.")
    return redirect(url_for("account.settings"))


def _check_current(password):
    """Check the current password under the login throttle (a stolen session must not guess it)."""
    attempt = login_throttle.reserve(g.user.username, request.remote_addr or "unknown")
    if attempt is None:
        return "비밀번호 확인 실패가 많아 잠시 잠겼습니다. 나중에 다시 시도해 주세요."
    if not check_password_hash(g.user.password_hash, password):
        return "현재 비밀번호가 올바르지 않습니다."
    login_throttle.succeeded(attempt)
    return None


@bp.post("/sessions/end")
@login_required
def sign_out_everywhere():
    end_everywhere(g.user, actor())
    start_session(g.user)
    flash("다른 모든 기기에서 로그아웃했습니다.")
    return redirect(url_for("account.settings"))
