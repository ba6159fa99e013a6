"""Property tests: any Unicode in any field of a release leaves every feed, page and widget
response well-formed and never a 500; and security headers hold on every HTML page."""
import json

import feedparser
import lxml.etree
import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FEEDS = ["/feeds/all.rss", "/feeds/all.atom", "/feeds/category/press.rss",
         "/feeds/category/press.atom"]
anything = st.text(max_size=200)


@pytest.fixture
def fuzz_app(staff_app):
    staff_app.config["FEED_CACHE_BYTES"] = 0
    return staff_app


def _well_formed(client, public_id):
    for path in FEEDS:
        response = client.get(path)
        assert response.status_code == 200, path
        lxml.etree.fromstring(response.data, lxml.etree.XMLParser(recover=False))
        parsed = feedparser.parse(response.data)
        assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
    for path in ("/feeds/all.json", "/widget/latest.json", "/feeds/category/press.json"):
        response = client.get(path)
        assert response.status_code == 200, path
        json.loads(response.data)
    for path in ("/board/", "/board/press/", f"/releases/{public_id}", "/embed/latest"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert lxml.html.fromstring(response.data).xpath("//body"), path


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(title=anything, author=anything, body=anything, summary=anything)
def test_any_text_in_any_field_keeps_every_output_well_formed(fuzz_app, title, author, body, summary, staff):
    client = fuzz_app.test_client()
    response = client.post("/api/v1/releases", headers=staff.bearer(fuzz_app), json={
        "title": title, "author": author, "body": body, "summary": summary,
        "category": "press", "status": "published"})
    assert response.status_code in (201, 400), response.get_data(as_text=True)
    if response.status_code == 400:  # refused with a reason (e.g. an empty title), never a 500
        assert response.get_json()["error"]["fields"]
        title = title.strip() or "제목"
        response = client.post("/api/v1/releases", headers=staff.bearer(fuzz_app), json={
            "title": "x" + title[:100], "body": body, "category": "press", "status": "published"})
        assert response.status_code == 201, response.get_data(as_text=True)
    _well_formed(client, response.get_json()["id"])


# --- headers on every HTML page -----------------------------------------------------------------

@pytest.fixture
def html_pages(staff):
    def html_pages(app, client):
        created = client.post("/api/v1/releases", headers=staff.bearer(app), json={
            "title": "머리글 점검", "category": "press", "status": "published"}).get_json()["id"]
        public = ["/", "/board/", "/board/press/", f"/releases/{created}", "/board/nope/",
                  "/releases/nope", "/widget", "/admin/login"]
        return created, public
    return html_pages


def test_every_html_page_has_csp_without_inline_script_and_no_framing(staff_app, staff, html_pages):
    client = staff_app.test_client()
    created, public = html_pages(staff_app, client)
    staff.login(client)
    admin = ["/admin/", "/admin/releases/new", f"/admin/releases/{created}/edit", "/admin/websub",
             "/admin/nope"]
    for path in public + admin:
        response = client.get(path)
        assert response.mimetype == "text/html", path
        csp = response.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, path
        assert "frame-ancestors 'none'" in csp and response.headers["X-Frame-Options"] == "DENY", path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Referrer-Policy"], path
        tree = lxml.html.fromstring(response.data)
        inline = [s for s in tree.xpath("//script") if not s.get("src") and (s.text or "").strip()
                  and s.get("type") not in ("application/json", "application/ld+json")]
        assert not inline, path
        assert not tree.xpath("//@*[starts-with(name(), 'on')]"), path  # no inline handlers
        assert "Traceback" not in response.get_data(as_text=True)
        if path.startswith("/admin"):
            assert "noindex" in response.headers.get("X-Robots-Tag", ""), path
    embed = client.get("/embed/latest")
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed.headers


def test_session_cookie_is_secure_httponly_samesite_in_production(tmp_path, monkeypatch, databases):
    from feedserver.config import load_settings
    monkeypatch.setenv("FEEDSERVER_CONFIG", str(__import__("pathlib").Path(__file__).resolve()
                                                 .parent.parent / "config" / "production.example.toml"))
    settings = load_settings()
    assert settings["ENV"] == "production" and settings["SESSION_COOKIE_SECURE"] is True
    app = databases.build_app(tmp_path, f"sqlite:///{tmp_path}/c.sqlite3", SESSION_COOKIE_SECURE=True,
                              BASE_URL="https://press.example.go.kr")
    response = app.test_client().get("/admin/login")
    cookie = response.headers.get("Set-Cookie", "")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie


def test_gunicorn_does_not_announce_a_version(monkeypatch, tmp_path):
    import runpy
    from pathlib import Path
    # The config sets PROMETHEUS_MULTIPROC_DIR in the environment: keep it out of later tests.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    conf = runpy.run_path(str(Path(__file__).resolve().parent.parent / "deploy" / "gunicorn.conf.py"))
    # gunicorn sends a bare "Server: gunicorn" (the soak checks it has no version); nginx does
    # not pass an upstream's Server header on, and server_tokens off hides its own version.
    assert conf["worker_class"] == "sync"
    nginx = (Path(__file__).resolve().parent.parent / "deploy" / "nginx.conf").read_text()
    assert "server_tokens off" in nginx
