"""Admin pages around the releases: categories, API tokens, users and the audit log."""
import re

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from peewee import IntegrityError

from feedserver.admin.account_pages import end_everywhere, password_error, set_password
from feedserver.admin.accounts import (
    actor,
    admin_required,
    create_user,
    end_sessions,
    login_required,
    normalize_username,
)
from feedserver.db import database
from feedserver.models import ROLE_LABELS, ROLES, ApiToken, Category, User
from feedserver.publishing import audit
from feedserver.publishing import releases as publishing
from feedserver.publishing.input import SLUG
from feedserver.publishing.tokens import issue_token, revoke_token
from feedserver.search.query import parse_page
from feedserver.web.pagination import Pager

bp = Blueprint("admin_site", __name__, url_prefix="/admin")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


@bp.get("/categories")
@admin_required
def categories():
    return _categories_page({}, {})


def _categories_page(values, errors, status=200):
    return render_template("admin/categories.html", categories=list(Category.ordered()),
                           values=values, errors=errors), status


@bp.post("/categories")
@admin_required
def create_category():
    return _save_category(None)


@bp.route("/categories/<int(max=2147483647):category_id>", methods=["GET", "POST"])
@admin_required
def edit_category(category_id):
    category = Category.get_or_none(Category.id == category_id) or abort(404)
    if request.method == "GET":
        values = {"slug": category.slug, "name": category.name, "kogl_type": category.kogl_type,
                  "description": category.description, "sort_order": category.sort_order,
                  "review_required": category.review_required}
        return render_template("admin/category.html", category=category, values=values, errors={})
    return _save_category(category)


def _save_category(category):
    values, errors = _category_values(request.form, category)
    if not errors:
        try:
            publishing.save_category(category, values, actor())
            flash(f"분류 ‘{values['name']}’을(를) 저장했습니다.")
            return redirect(url_for("admin_site.categories"))
        except IntegrityError:
            errors["slug"] = "이미 쓰는 주소 이름입니다."
    if category is None:
        return _categories_page(values, errors, 400)
    return render_template("admin/category.html", category=category, values=values,
                           errors=errors), 400


def _category_values(form, category):
    values = {"slug": form.get("slug", "").strip().lower(), "name": " ".join(form.get("name", "").split()),
              "description": form.get("description", "").strip()[:1000],
              "review_required": form.get("review_required") == "1"}
    errors = {}
    if not SLUG.match(values["slug"]):
        errors["slug"] = "주소 이름은 영문 소문자, 숫자, 하이픈으로 64자까지 쓸 수 있습니다."
    elif Category.select().where(Category.slug == values["slug"],
                                 Category.id != (category.id if category else 0)).exists():
        errors["slug"] = "이미 쓰는 주소 이름입니다."
    if not values["name"] or len(values["name"]) > 100:
        errors["name"] = "분류 이름을 100자 이내로 입력해 주세요."
    order = form.get("sort_order", "0").strip() or "0"
    if not re.fullmatch(r"-?\d{1,6}", order):
        errors["sort_order"] = "순서는 정수로 입력해 주세요."
    else:
        values["sort_order"] = int(order)
    kogl = form.get("kogl_type", "1")
    if kogl in ("1", "2", "3", "4"):
        values["kogl_type"] = int(kogl)
    else:
        errors["kogl_type"] = "공공누리 유형을 고르세요."
    return values, errors


@bp.post("/categories/<int(max=2147483647):category_id>/delete")
@admin_required
def delete_category(category_id):
    category = Category.get_or_none(Category.id == category_id) or abort(404)
    try:
        publishing.delete_category(category, actor())
        flash(f"분류 ‘{category.name}’을(를) 삭제했습니다.")
    except publishing.PublishingError as error:
        flash(error.message, "error")
    return redirect(url_for("admin_site.categories"))


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    secret = None
    if request.method == "POST":
        name = " ".join(request.form.get("name", "").split())[:100] or "API"
        _, secret = issue_token(g.user, name, actor())
    query = ApiToken.select(ApiToken, User).join(User).order_by(ApiToken.id.desc())
    if not g.user.is_admin:
        query = query.where(ApiToken.user == g.user.id)
    return render_template("admin/tokens.html", tokens=list(query), secret=secret)


@bp.post("/tokens/<int(max=2147483647):token_id>/revoke")
@login_required
def revoke(token_id):
    token = ApiToken.get_or_none(ApiToken.id == token_id) or abort(404)
    if token.user_id != g.user.id and not g.user.is_admin:
        abort(403, description="다른 사람의 토큰은 관리자만 폐기할 수 있습니다.")
    if revoke_token(token, actor()):
        flash(f"토큰 ‘{token.name}’을(를) 폐기했습니다.")
    return redirect(url_for("admin_site.tokens"))


@bp.route("/users", methods=["GET", "POST"])
@admin_required
def users():
    errors, values = {}, {}
    if request.method == "POST":
        values = {"username": normalize_username(request.form.get("username")),
                  "role": request.form.get("role", "editor")}
        errors = _user_errors(values, request.form.get("password", ""))
        if not errors:
            with database.atomic():
                user = create_user(values["username"], request.form["password"], values["role"])
                audit.record(actor(), "user_create", f"user:{user.username}", f"역할: {user.role}")
            flash(f"사용자 {user.username}을(를) 만들었습니다.")
            return redirect(url_for("admin_site.users"))
    return render_template("admin/users.html", users=list(User.select().order_by(User.username)),
                           roles=ROLES, role_labels=ROLE_LABELS, values=values, errors=errors), 400 if errors else 200


def _user_errors(values, password):
    errors = {}
    if not USERNAME.match(values["username"]):
        errors["username"] = "아이디는 영문 소문자, 숫자, . _ - 로 3~64자입니다."
    elif User.select().where(User.username == values["username"]).exists():
        errors["username"] = "이미 있는 아이디입니다."
    if len(password) < 10:
        errors["password"] = "비밀번호는 10자 이상이어야 합니다."
    if values["role"] not in ROLES:
        errors["role"] = "역할을 고르세요."
    return errors


@bp.post("/users/<int(max=2147483647):user_id>")
@admin_required
def update_user(user_id):
    user = _user_or_404(user_id)
    if user.id == g.user.id:
        flash("자기 계정의 역할과 사용 여부는 바꿀 수 없습니다.", "error")
        return redirect(url_for("admin_site.users"))
    changes = {"active": request.form.get("active") == "1"}
    if request.form.get("role") in ROLES:
        changes["role"] = request.form["role"]
    with database.atomic():
        User.update(**changes).where(User.id == user.id).execute()
        if not changes["active"]:
            end_sessions(user)  # a deactivated account is signed out everywhere at once
        audit.record(actor(), "user_update", f"user:{user.username}",
                     f"역할: {changes.get('role', user.role)}, 사용: {'예' if changes['active'] else '아니오'}")
    flash(f"사용자 {user.username}을(를) 고쳤습니다.")
    return redirect(url_for("admin_site.users"))


def _user_or_404(user_id):
    return User.get_or_none(User.id == user_id) or abort(404)


@bp.post("/users/<int(max=2147483647):user_id>/password")
@admin_required
def reset_password(user_id):
    """Set another user's password (they forgot it, or it leaked); their sessions end."""
    user = _user_or_404(user_id)
    password = request.form.get("password", "")
    error = password_error(password, request.form.get("confirm", password))
    if error:
        flash(f"{user.username}: {error}", "error")
    else:
        set_password(user, password, actor(), "password_reset")
        flash(f"{user.username}의 비밀번호를 재설정했습니다. 그 사용자의 로그인은 모두 끝났습니다.")
    return redirect(url_for("admin_site.users"))


@bp.post("/users/<int(max=2147483647):user_id>/sessions/end")
@admin_required
def end_user_sessions(user_id):
    """Sign a user out on every device."""
    user = _user_or_404(user_id)
    end_everywhere(user, actor())
    flash(f"{user.username}을(를) 모든 기기에서 로그아웃시켰습니다.")
    return redirect(url_for("admin_site.users"))


@bp.get("/audit")
@admin_required
def audit_log():
    action = request.args.get("action") or None
    query = audit.entries(action=action if action in audit.ACTIONS else None)
    page = parse_page(request.args.get("page"))
    pager = Pager(page, 50, query.count())
    if page > pager.pages:
        abort(404, description="없는 페이지입니다.")

    def page_url(n):
        return url_for("admin_site.audit_log", **({"action": action} if action else {}),
                       **({"page": n} if n > 1 else {}))

    entries = list(query.offset(pager.offset).limit(50))
    return render_template("admin/audit.html", entries=entries, titles=audit.release_titles(entries),
                           pager=pager, nav=pager.links(page_url), actions=audit.ACTIONS,
                           action=action, via=audit.VIA, label=audit.action_label)

