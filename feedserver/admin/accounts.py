"""Accounts: password login with throttling, sessions, role checks, CSRF for every form."""
import time
import unicodedata
from datetime import timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.security import check_password_hash, generate_password_hash

from feedserver.admin import keep, login_throttle
from feedserver.db import database
from feedserver.models import User, utcnow
from feedserver.publishing import audit
from feedserver.web.errors import render_error

bp = Blueprint("accounts", __name__, url_prefix="/admin")
csrf = CSRFProtect()


def normalize_username(name):
    return unicodedata.normalize("NFC", (name or "").strip()).lower()


def hash_password(password):
    method = current_app.config.get("PASSWORD_HASH_METHOD") or "scrypt"
    return generate_password_hash(password, method=method)


def create_user(username, password, role="editor"):
    """Create an active user with a hashed password."""
    return User.create(username=normalize_username(username), password_hash=hash_password(password),
                       role=role)


def actor(via="admin"):
    """Return the audit actor for the current request."""
    return audit.Actor(g.get("user"), via, request.remote_addr or "")


def authenticate(username, password, address):
    """Return (user, error, status); over a throttle limit the password is not even checked."""
    attempt = login_throttle.reserve(username, address)
    if attempt is None:
        minutes = login_throttle.window_minutes()
        return None, f"로그인 실패가 많아 잠시 잠겼습니다. {minutes}분 뒤에 다시 시도해 주세요.", 429
    user = User.get_or_none(User.username == username)
    dummy = user is None or not user.active
    if not check_password_hash(user.password_hash if not dummy else _dummy_hash(), password) or dummy:
        if user is not None:
            audit.record(audit.Actor(user, "admin", address), "login_failed", f"user:{username}")
        login_throttle.forget_old()
        return None, "아이디 또는 비밀번호가 올바르지 않습니다.", 200
    login_throttle.succeeded(attempt)
    return user, None, 200


def _dummy_hash():
    """Hash once per process so unknown names take as long as known ones."""
    if "_dummy_hash" not in current_app.extensions:
        current_app.extensions["_dummy_hash"] = hash_password("not-a-password")
    return current_app.extensions["_dummy_hash"]


def safe_next(target):
    """Return target if it is a path on this site, else None."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(ch) < 33 for ch in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.values.get("next")) or url_for("admin.index")
    if request.method == "GET":
        return render_template("admin/login.html", next_url=next_url, username="")
    username = normalize_username(request.form.get("username"))[:64]
    password = request.form.get("password") or ""
    user, error, status = authenticate(username, password, request.remote_addr or "unknown")
    if user is None:
        return render_template("admin/login.html", next_url=next_url, username=username,
                               error=error), status
    _start_session(user)
    return redirect(next_url)


def _start_session(user):
    start_session(user)
    with database.atomic():
        User.update(last_login_at=utcnow()).where(User.id == user.id).execute()
        audit.record(audit.Actor(user, "admin", request.remote_addr or ""), "login", f"user:{user.username}")


def start_session(user):
    """Issue a fresh session cookie for user, tied to the user's current session epoch."""
    session.clear()
    session.permanent = True
    session["uid"], session["epoch"], session["seen"] = user.id, user.session_epoch, int(time.time())


def end_sessions(user):
    """End every session the user has anywhere: cookies of an older epoch are refused."""
    User.update(session_epoch=User.session_epoch + 1).where(User.id == user.id).execute()
    user.session_epoch += 1


@bp.post("/logout")
def logout():
    user = load_session_user()
    if user is not None:
        with database.atomic():
            end_sessions(user)  # a copy of this cookie, wherever it went, dies with it
            audit.record(audit.Actor(user, "admin", request.remote_addr or ""), "logout",
                         f"user:{user.username}")
    session.clear()
    flash("로그아웃했습니다.")
    return redirect(url_for("accounts.login"))


def load_session_user():
    """Return the signed-in user, ending sessions that idled too long or went stale."""
    uid = session.get("uid")
    if uid is None:
        return None
    user = User.get_or_none(User.id == uid)
    idle = time.time() - session.get("seen", 0) > current_app.config["SESSION_IDLE_MINUTES"] * 60
    if user is None or not user.active or idle or session.get("epoch") != user.session_epoch:
        session.clear()
        flash("세션이 만료되었습니다. 다시 로그인해 주세요.")
        return None
    session["seen"] = int(time.time())
    return user


def login_required(view):
    """Send visitors without a live session to the login page; nothing is written."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.user = load_session_user()
        if g.user is None:
            # A refused editor save comes back as its writer's draft after signing in again.
            rescued = keep.rescue_post()
            next_url = request.full_path.rstrip("?") if request.method == "GET" else request.path
            return redirect(url_for("accounts.login", next=rescued or next_url))
        return view(*args, **kwargs)
    return wrapper


def admin_required(view):
    """Allow admins only; editors get a 403."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not g.user.is_admin:
            abort(403, description="관리자만 할 수 있는 작업입니다.")
        return view(*args, **kwargs)
    return login_required(wrapper)


def _csrf_refused(error):
    error.description = "보안 토큰이 없거나 만료되었습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요."
    rescued = keep.rescue_post()  # an editor save: its text is kept, the writer goes back to it
    if rescued:
        return redirect(rescued)
    if request.is_json:
        return jsonify(error={"status": 400, "message": error.description}), 400
    return render_error(error)


def init_app(app):
    """Install CSRF protection on every form and the Korean CSRF error."""
    app.permanent_session_lifetime = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    csrf.init_app(app)
    app.register_error_handler(CSRFError, _csrf_refused)
    app.register_blueprint(bp)
