"""Every admin route and action, for each role: signed out, editor, approver, admin.

The table below names who may use each (endpoint, method) of the admin's URL map; a route added
without a row fails test_every_admin_route_has_a_role_rule, so none goes untested.
"""
import pytest
from flask import url_for

from feedserver.admin.accounts import create_user
from feedserver.models import ApiToken, Category, User

ROLES = ("signed_out", "editor", "approver", "admin")
# Who may: "public" anyone; "login" any staff; "manager" approvers and admins, and editors for
# their own releases (the release used here is the admin's); "approver"; "admin".
RULES = {
    ("accounts.login", "GET"): "public", ("accounts.login", "POST"): "public",
    ("accounts.logout", "POST"): "login",
    ("account.settings", "GET"): "login", ("account.settings", "POST"): "login",
    ("account.sign_out_everywhere", "POST"): "login",
    ("admin.index", "GET"): "login",
    ("admin.new", "GET"): "login", ("admin.new", "POST"): "login",
    ("admin.preview", "GET"): "login",
    ("admin.edit", "GET"): "manager", ("admin.edit", "POST"): "manager",
    ("admin.withdraw", "GET"): "manager", ("admin.withdraw", "POST"): "manager",
    ("admin.restore", "POST"): "manager", ("admin.unschedule", "POST"): "manager",
    ("admin.delete", "GET"): "admin", ("admin.delete", "POST"): "admin",
    ("admin_review.queue", "GET"): "login",
    ("admin_review.approve", "POST"): "approver", ("admin_review.send_back", "POST"): "approver",
    ("admin_schedule.schedule", "GET"): "login",
    # 독자 현황: counts only, no one's data; any staff member reads it and its CSV
    ("admin_audience.page", "GET"): "login", ("admin_audience.csv_export", "GET"): "login",
    ("admin_site.tokens", "GET"): "login", ("admin_site.tokens", "POST"): "login",
    ("admin_site.revoke", "POST"): "admin",  # the admin's own token: others' are the admin's to revoke
    ("admin_site.categories", "GET"): "admin", ("admin_site.create_category", "POST"): "admin",
    ("admin_site.edit_category", "GET"): "admin", ("admin_site.edit_category", "POST"): "admin",
    ("admin_site.delete_category", "POST"): "admin",
    ("admin_site.users", "GET"): "admin", ("admin_site.users", "POST"): "admin",
    ("admin_site.update_user", "POST"): "admin", ("admin_site.reset_password", "POST"): "admin",
    ("admin_site.end_user_sessions", "POST"): "admin",
    ("admin_site.audit_log", "GET"): "admin",
    ("websub_admin.status", "GET"): "admin",
    # e-mail: the press list is personal data (approvers keep it); the send log and 개인정보 are admins'
    ("admin_mail.press_list", "GET"): "approver", ("admin_mail.create_contact", "POST"): "approver",
    ("admin_mail.edit_contact", "GET"): "approver", ("admin_mail.edit_contact", "POST"): "approver",
    ("admin_mail.delete_contact", "POST"): "approver",
    ("admin_mail.import_contacts", "GET"): "approver", ("admin_mail.import_contacts", "POST"): "approver",
    ("admin_mail.mail_status", "GET"): "admin", ("admin_mail.withdrawal_notice", "POST"): "admin",
    ("admin_mail.privacy", "GET"): "admin", ("admin_mail.privacy_export", "POST"): "admin",
    ("admin_mail.privacy_erase", "POST"): "admin",
    # autosave and staged files: any staff member, for their own drafts only (tests/admin/test_keep.py)
    ("admin_drafts.save", "POST"): "login", ("admin_drafts.discard", "POST"): "login",
    ("admin_drafts.staged_file", "GET"): "login",
    # 수정 이력: anyone may read it (as the preview); restoring is editing
    ("admin_revisions.history", "GET"): "login", ("admin_revisions.diff", "GET"): "login",
    ("admin_revisions.restore", "POST"): "manager",
    # the editor's scripts: pasting and drafts for any staff member; a picture changes its release
    ("admin_paste.clean", "POST"): "login", ("admin_images.create_draft", "POST"): "login",
    ("admin_images.upload", "POST"): "manager", ("admin_images.file", "GET"): "login",
}
# JSON endpoints the editor's scripts call: signed out, they answer 401 JSON, not a login page.
JSON_ENDPOINTS = {"admin_drafts.save", "admin_paste.clean", "admin_images.create_draft",
                  "admin_images.upload", "admin_images.file"}
ALLOWED = {"public": set(ROLES), "login": {"editor", "approver", "admin"},
           "manager": {"approver", "admin"}, "approver": {"approver", "admin"}, "admin": {"admin"}}


def admin_routes(app):
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/admin") for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_admin_route_has_a_role_rule(staff_app):
    assert admin_routes(staff_app) == set(RULES)


@pytest.fixture
def desk(staff_app, staff, make_release):
    """The staff board plus an approver and a release written by the admin; returns url args."""
    with staff_app.app_context():
        create_user("approver", staff.PASSWORD, "approver")
        admin = User.get(User.username == "admin")
        press = Category.get(Category.slug == "press")
        release = make_release(press, title="관리자가 쓴 보도자료", created_by_id=admin.id)
        return {"public_id": release.public_id,
                "category_id": Category.get(Category.slug == "notice").id,
                "user_id": User.get(User.username == "editor").id,
                "token_id": ApiToken.get(ApiToken.user == admin.id).id,
                "token": "no-such-staged-file", "revision_id": 1, "attachment_id": 1,
                "contact_id": 1}


def url_for_rule(app, endpoint, args):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    with app.test_request_context():
        return url_for(endpoint, **{k: args[k] for k in rule.arguments})


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint,method", sorted(RULES))
def test_role_may_use_the_route_or_gets_refused(staff_app, staff, desk, role, endpoint, method):
    client = staff_app.test_client()
    if role != "signed_out":
        assert staff.login(client, username=role).status_code == 302
    url = url_for_rule(staff_app, endpoint, desk)
    if method == "GET":
        response = client.get(url)
    else:
        response = staff.post_form(client, url, {}, page="/admin/login" if role == "signed_out" else "/admin/")
    rule = RULES[(endpoint, method)]
    to_login = response.status_code == 302 and response.headers["Location"].startswith("/admin/login")
    if endpoint in JSON_ENDPOINTS and role == "signed_out":
        to_login = response.status_code == 401 and response.is_json
    assert response.status_code < 500
    if role in ALLOWED[rule]:
        assert response.status_code != 403 and (not to_login or endpoint == "accounts.logout"), \
            response.get_data(as_text=True)[:300]
    elif role == "signed_out":
        assert to_login
    else:
        assert response.status_code == 403
        if endpoint in JSON_ENDPOINTS:  # a script's call: a Korean JSON error it can show
            assert response.is_json and response.get_json()["error"]
            return
        page = response.get_data(as_text=True)
        assert 'href="/admin/"' in page and "권한이 없습니다" in page  # leads back into the admin
