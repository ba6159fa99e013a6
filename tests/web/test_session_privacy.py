"""No cache hands one person's session to another; sessions end when they should.

The guard crawl signs in as an admin and an editor, visits every public GET route in the
variants caches split on, then visits them all again anonymously: nothing may carry a
cookie or a signed-in name. It runs on every configured database backend; the same crawl
through the shipped nginx is in test_nginx.py.
"""
from concurrent.futures import ThreadPoolExecutor

import pytest
from werkzeug.http import parse_cookie

from feedserver.models import AuditEntry, User


def session_cookie(response):
    """Return the session cookie a response sets, or None."""
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith("session="):
            return parse_cookie(header.split(";")[0])["session"]
    return None


def test_a_feed_fetched_signed_in_gives_anonymous_readers_no_cookie(staff_app, staff):
    """The reported hole: the fast path replayed the admin's refreshed Set-Cookie to everyone."""
    admin = staff_app.test_client()
    staff.login(admin)
    signed_in = admin.get("/feeds/all.rss")
    assert signed_in.status_code == 200 and session_cookie(signed_in) is None
    for _ in range(3):
        anonymous = staff_app.test_client().get("/feeds/all.rss")
        assert anonymous.status_code == 200
        assert anonymous.headers.getlist("Set-Cookie") == []


def test_every_public_route_is_in_the_crawl(db_app, crawl):
    missing = crawl.public_endpoints(db_app) - set(crawl.sample_urls("x", 1, "y"))
    assert not missing, f"add sample URLs for these public routes to tests/support/crawl.py: {missing}"


def test_signed_in_crawl_leaves_nothing_per_user_in_any_cache(staff_db_app, crawl, staff):
    app = staff_db_app
    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
    urls = [url for group in crawl.seed_public_board(app).values() for url in group]
    for name in (crawl.ADMIN_NAME, crawl.EDITOR_NAME):
        client = app.test_client()
        assert staff.login(client, username=name).status_code == 302
        for url in urls:
            for headers, label in crawl.VARIANTS:
                response = client.get(url, headers=headers)
                assert response.status_code < 500, (url, label)
                assert session_cookie(response) is None, f"{url} ({label}) refreshed the session"
                assert "cookie" not in (response.headers.get("Vary") or "").lower(), (url, label)
    found = []
    for url in urls:
        for headers, label in crawl.VARIANTS:
            for _ in range(2):  # the second answer comes from whichever cache kept the first
                response = app.test_client().get(url, headers=headers)
                found += crawl.leaks(f"{url} ({label})", response.headers,
                                     crawl.body_text(response.headers, response.get_data()))
    assert not found, found


def test_a_response_that_sets_a_cookie_is_private(staff_app):
    response = staff_app.test_client().get("/admin/login")
    assert session_cookie(response) is not None
    assert response.headers["Cache-Control"] == "private, no-store"
    api = staff_app.test_client().get("/api/v1/openapi.json")
    assert api.headers["Cache-Control"] == "private, no-store"
    assert api.headers.getlist("Set-Cookie") == []


def test_fast_path_never_keeps_a_response_that_sets_a_cookie(staff_app):
    """Even if a feed view set a cookie, the fast path must not replay it."""
    from feedserver.caching.fastpath import shareable
    assert not shareable([("Cache-Control", "public, max-age=600"), ("Set-Cookie", "session=x")])
    assert not shareable([("Cache-Control", "private, no-store")])
    assert shareable([("Cache-Control", "public, max-age=600"), ("ETag", 'W/"1"')])


# Sessions that end when they should.

def test_the_cookie_carries_no_fragment_of_the_password_hash(staff_app, staff):
    client = staff_app.test_client()
    cookie = session_cookie(staff.login(client))
    data = staff_app.session_interface.get_signing_serializer(staff_app).loads(cookie)
    with staff_app.app_context():
        password_hash = User.get(User.username == "admin").password_hash
    assert "pwd" not in data
    assert not any(isinstance(v, str) and len(v) >= 6 and v in password_hash for v in data.values())


def test_logout_ends_every_copy_of_the_cookie(staff_app, staff):
    client = staff_app.test_client()
    cookie = session_cookie(staff.login(client))
    assert staff.post_form(client, "/admin/logout", {}, page="/admin/").status_code == 302
    thief = staff_app.test_client()
    thief.set_cookie("session", cookie, path="/")
    assert thief.get("/admin/users").status_code == 302


def test_password_change_ends_other_sessions_and_keeps_this_one(staff_app, staff):
    here, elsewhere = staff_app.test_client(), staff_app.test_client()
    staff.login(here)
    staff.login(elsewhere)
    wrong = staff.post_form(here, "/admin/account", {"current_password": "nope", "password": "new password 123",
                                                     "confirm": "new password 123"})
    assert wrong.status_code == 400 and "현재 비밀번호가 올바르지 않습니다" in wrong.get_data(as_text=True)
    response = staff.post_form(here, "/admin/account", {"current_password": staff.PASSWORD,
                                                        "password": "new password 123",
                                                        "confirm": "new password 123"})
    assert response.status_code == 302
    assert here.get("/admin/users").status_code == 200
    assert elsewhere.get("/admin/users").status_code == 302
    assert staff.login(staff_app.test_client()).status_code == 200  # the old password is refused
    assert staff.login(staff_app.test_client(), password="new password 123").status_code == 302


def test_admin_resets_a_password_and_signs_a_user_out_everywhere(staff_app, staff):
    admin, editor = staff_app.test_client(), staff_app.test_client()
    staff.login(admin)
    staff.login(editor, username="editor")
    with staff_app.app_context():
        editor_id = User.get(User.username == "editor").id
    staff.post_form(admin, f"/admin/users/{editor_id}/sessions/end", {}, page="/admin/users")
    assert editor.get("/admin/").status_code == 302
    staff.login(editor, username="editor")
    staff.post_form(admin, f"/admin/users/{editor_id}/password", {"password": "reset by admin 1"},
                    page="/admin/users")
    assert editor.get("/admin/").status_code == 302
    assert staff.login(staff_app.test_client(), username="editor", password="reset by admin 1").status_code == 302
    with staff_app.app_context():
        actions = [e.action for e in AuditEntry.select().order_by(AuditEntry.id)]
    assert "sessions_end" in actions and "password_reset" in actions


def test_an_editor_cannot_reset_passwords(staff_app, staff):
    editor = staff_app.test_client()
    staff.login(editor, username="editor")
    with staff_app.app_context():
        admin_id = User.get(User.username == "admin").id
    response = staff.post_form(editor, f"/admin/users/{admin_id}/password", {"password": "taken over 123"},
                               page="/admin/")
    assert response.status_code == 403
    assert staff.login(staff_app.test_client(), password="taken over 123").status_code == 200


def test_deactivation_ends_the_session_even_if_reactivated(staff_app, staff):
    admin, editor = staff_app.test_client(), staff_app.test_client()
    staff.login(admin)
    staff.login(editor, username="editor")
    with staff_app.app_context():
        editor_id = User.get(User.username == "editor").id
    staff.post_form(admin, f"/admin/users/{editor_id}", {"role": "editor"}, page="/admin/users")
    staff.post_form(admin, f"/admin/users/{editor_id}", {"role": "editor", "active": "1"}, page="/admin/users")
    assert editor.get("/admin/").status_code == 302


# Login throttling per (address, name).

@pytest.fixture
def attempt(staff):
    def attempt(app, address, username="admin", password="wrong"):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        return staff.login(client, username=username, password=password)
    return attempt


def test_failures_from_one_address_do_not_lock_the_owner_out_elsewhere(staff_app, staff, attempt):
    for _ in range(6):
        attempt(staff_app, "203.0.113.9")
    assert attempt(staff_app, "203.0.113.9", password=staff.PASSWORD).status_code == 429
    assert attempt(staff_app, "198.51.100.7", password=staff.PASSWORD).status_code == 302


def test_a_spray_on_one_name_slows_down_but_never_locks_the_owner(staff_app, staff, attempt):
    limit = staff_app.config["LOGIN_NAME_SPRAY_FAILURES"]
    for n in range(limit + 5):
        attempt(staff_app, f"203.0.113.{n + 1}")
    # Each spraying address now has fewer tries left than an ordinary one.
    spray_limit = staff_app.config["LOGIN_SPRAY_MAX_FAILURES"]
    for _ in range(spray_limit):
        attempt(staff_app, "203.0.113.1")
    assert attempt(staff_app, "203.0.113.1", password=staff.PASSWORD).status_code == 429
    assert attempt(staff_app, "198.51.100.7", password=staff.PASSWORD).status_code == 302


def test_parallel_attempts_check_the_password_at_most_the_limit(staff_db_app, staff):
    app = staff_db_app
    app.config.update(WTF_CSRF_ENABLED=False, PASSWORD_HASH_METHOD="scrypt")
    with app.app_context():
        from feedserver.admin.accounts import hash_password
        User.update(password_hash=hash_password(staff.PASSWORD)).where(User.username == "admin").execute()

    def one(_):
        client = app.test_client()
        return client.post("/admin/login", data={"username": "admin", "password": "wrong"}).status_code

    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(one, range(20)))
    with app.app_context():
        checked = AuditEntry.select().where(AuditEntry.action == "login_failed").count()
    assert checked <= app.config["LOGIN_MAX_FAILURES"], (checked, statuses)
    assert statuses.count(429) >= 20 - app.config["LOGIN_MAX_FAILURES"]


@pytest.mark.parametrize("path", ["/board/", "/feeds/all.atom", "/widget/latest.json"])
def test_public_pages_ignore_a_session_cookie_entirely(staff_app, path, staff):
    client = staff_app.test_client()
    staff.login(client)
    response = client.get(path)
    assert response.headers.getlist("Set-Cookie") == []
    assert staff.form_token(client, "/admin/")  # still signed in where it matters
