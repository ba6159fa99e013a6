"""Admin accounts: login, CSRF, throttling, safe redirects, sessions and roles."""
from datetime import timedelta

import pytest

from feedserver.models import LoginFailure, Release, User


def age_failures(app, minutes):
    """Move every recorded login failure back in time."""
    with app.app_context():
        for row in LoginFailure.select():
            row.created_at -= timedelta(minutes=minutes)
            row.save()


def test_admin_needs_a_login(staff_app):
    response = staff_app.test_client().get("/admin/?status=draft")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/login?next=/admin/?status%3Ddraft"


def test_login_lands_on_admin_with_httponly_lax_cookie(staff_app, staff):
    client = staff_app.test_client()
    response = staff.login(client)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert client.get("/admin/").status_code == 200
    assert staff.actions(staff_app)[-1] == ("admin", "admin", "login")


def test_secure_cookie_when_configured(staff_app, staff):
    staff_app.config["SESSION_COOKIE_SECURE"] = True
    response = staff.login(staff_app.test_client())
    assert "Secure" in response.headers["Set-Cookie"]


def test_wrong_password_is_a_form_message(staff_app, staff):
    client = staff_app.test_client()
    response = staff.login(client, password="틀린 비밀번호")
    assert response.status_code == 200
    assert "아이디 또는 비밀번호가 올바르지 않습니다." in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    assert staff.actions(staff_app)[-1] == ("admin", "admin", "login_failed")


@pytest.mark.parametrize("data", [
    {"username": "admin"},                           # no token at all
    {"username": "admin", "csrf_token": "forged"},   # a wrong token
])
def test_login_without_a_valid_csrf_token_is_refused(staff_app, data, staff):
    client = staff_app.test_client()
    client.get("/admin/login")
    response = client.post("/admin/login", data={**data, "password": staff.PASSWORD})
    assert response.status_code == 400
    assert "보안 토큰이 없거나 만료되었습니다" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_admin_form_post_without_csrf_token_is_refused_and_writes_nothing(staff_app, staff):
    client = staff_app.test_client()
    staff.login(client)
    response = client.post("/admin/releases/new", data={
        "title": "토큰 없는 글", "category": "press", "mode": "publish"})
    assert response.status_code == 400
    with staff_app.app_context():
        assert not Release.select().exists()


def test_sixth_attempt_is_refused_even_with_the_right_password(staff_app, staff):
    client = staff_app.test_client()
    for _ in range(5):
        assert staff.login(client, password="wrong").status_code == 200
    response = staff.login(client, password=staff.PASSWORD)
    assert response.status_code == 429
    assert "15분 뒤에 다시 시도해 주세요" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_an_address_trying_many_names_is_stopped_and_the_stop_ends(staff_app, staff):
    client = staff_app.test_client()
    limit = staff_app.config["LOGIN_ADDRESS_MAX_FAILURES"]
    for n in range(5):                             # a few names tried: others are not locked
        staff.login(client, username=f"a{n}", password="wrong")
    assert staff.login(client, username="editor").status_code == 302
    staff.post_form(client, "/admin/logout", {}, page="/admin/")
    for n in range(limit):                         # credential stuffing from one address
        staff.login(client, username=f"b{n}", password="wrong")
    assert staff.login(client, username="editor").status_code == 429
    age_failures(staff_app, minutes=16)            # sixteen minutes later
    assert staff.login(client, username="editor").status_code == 302


def test_failures_spread_over_more_than_the_window_do_not_lock(staff_app, staff):
    client = staff_app.test_client()
    for _ in range(4):
        staff.login(client, password="wrong")
    age_failures(staff_app, minutes=16)
    staff.login(client, password="wrong")
    assert staff.login(client).status_code == 302


@pytest.mark.parametrize("target, lands", [
    ("https://evil.example", "/admin/"),
    ("//evil.example/admin/", "/admin/"),
    ("/\\evil.example", "/admin/"),
    ("javascript:alert(1)", "/admin/"),
    ("https:/evil.example", "/admin/"),
    ("/admin/categories", "/admin/categories"),
    ("/admin/?status=draft", "/admin/?status=draft"),
])
def test_next_only_follows_paths_on_this_site(staff_app, target, lands, staff):
    response = staff.login(staff_app.test_client(), next_url=target)
    assert response.status_code == 302 and response.headers["Location"] == lands


def test_expired_session_goes_back_to_login_and_writes_nothing(staff_app, staff):
    client = staff_app.test_client()
    staff.login(client)
    token = staff.form_token(client, "/admin/releases/new")
    with client.session_transaction("/admin/") as session:  # the session lives under /admin only
        session["seen"] -= staff_app.config["SESSION_IDLE_MINUTES"] * 60 + 1
    response = client.post("/admin/releases/new", data={
        "csrf_token": token, "title": "늦은 글", "category": "press", "mode": "publish"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login?next=/admin/releases/new")
    assert "세션이 만료되었습니다" in client.get(response.headers["Location"]).get_data(as_text=True)
    with staff_app.app_context():
        assert not Release.select().exists()


def test_deactivated_user_loses_the_session(staff_app, staff):
    client = staff_app.test_client()
    staff.login(client, username="editor")
    with staff_app.app_context():
        User.update(active=False).where(User.username == "editor").execute()
    assert client.get("/admin/").status_code == 302
    assert staff.login(client, username="editor").status_code == 200  # and cannot log in again


def test_logout_ends_the_session(staff_app, staff):
    client = staff_app.test_client()
    staff.login(client)
    response = staff.post_form(client, "/admin/logout", {}, page="/admin/")
    assert response.status_code == 302 and client.get("/admin/").status_code == 302
    assert staff.actions(staff_app)[-1] == ("admin", "admin", "logout")


@pytest.mark.parametrize("method, url", [
    ("get", "/admin/users"),
    ("post", "/admin/users"),
    ("post", "/admin/categories"),
    ("get", "/admin/categories/1"),
    ("post", "/admin/categories/1/delete"),
])
def test_editor_doing_an_admins_job_gets_403(staff_app, method, url, staff):
    client = staff_app.test_client()
    staff.login(client, username="editor")
    data = {"csrf_token": staff.form_token(client, "/admin/")} if method == "post" else None
    response = getattr(client, method)(url, data=data)
    assert response.status_code == 403
    assert "관리자만 할 수 있는 작업입니다." in response.get_data(as_text=True)


def test_admin_pages_are_not_indexed_or_cached(staff_app, html, staff):
    client = staff_app.test_client()
    staff.login(client)
    response = client.get("/admin/")
    assert response.headers["X-Robots-Tag"].startswith("noindex")
    assert response.headers["Cache-Control"] == "private, no-store"
    tree = html.page(response)
    assert tree.xpath("//nav[@aria-label='관리 메뉴']//a/text()")[:2] == ["보도자료 목록", "새 보도자료"]
