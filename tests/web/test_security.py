"""Security defaults and outage behaviour: headers, secrets, 503 instead of stack traces."""
import pytest

from feedserver import create_app


def test_html_pages_carry_security_headers(demo_client):
    response = demo_client.get("/board/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp and response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Server" not in response.headers or "Python" not in response.headers.get("Server", "")


def test_production_refuses_default_secret(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"ENV": "production", "SECRET_KEY": "dev-insecure-secret-key",
                    "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})
    with pytest.raises(RuntimeError, match="BASE_URL"):
        create_app({"ENV": "production", "SECRET_KEY": "a-real-secret-from-the-environment",
                    "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})
    app = create_app({"ENV": "production", "SECRET_KEY": "a-real-secret-from-the-environment",
                      "BASE_URL": "https://press.example.go.kr",
                      "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True


def test_unreachable_database_gives_503_korean_page_and_json(tmp_path, monkeypatch, databases):
    monkeypatch.chdir(tmp_path)
    databases.close_database()
    app = create_app({"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "SECRET_KEY": "x"})
    client = app.test_client()
    response = client.get("/board/")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    text = response.get_data(as_text=True)
    assert "잠시 후 다시 시도" in text and "Traceback" not in text and "psycopg" not in text
    feed = client.get("/feeds/all.rss")
    assert feed.status_code == 503
    api = client.get("/api/v1/releases")
    assert api.status_code in (401, 503)
    if api.status_code == 503:
        assert api.get_json()["error"]["status"] == 503
    databases.close_database()


def test_unexpected_error_is_a_plain_500_page(app):
    @app.get("/boom")
    def boom():
        raise ValueError("secret detail")
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "secret detail" not in response.get_data(as_text=True)


def test_proxy_headers_trusted_only_when_configured(tmp_path, monkeypatch, databases):
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "press.example.go.kr"}
    app = databases.build_app(tmp_path, f"sqlite:///{tmp_path}/p.sqlite3", PROXY_FIX_HOPS=1)
    links = app.test_client().get("/feeds/all.rss", headers=headers).headers.getlist("Link")
    assert '<https://press.example.go.kr/feeds/all.rss>; rel="self"' in links
    app = databases.build_app(tmp_path, f"sqlite:///{tmp_path}/q.sqlite3")
    links = app.test_client().get("/feeds/all.rss", headers=headers).headers.getlist("Link")
    assert not any("press.example.go.kr" in link for link in links)


def test_hsts_only_over_https_when_configured(tmp_path, databases):
    app = databases.build_app(tmp_path, f"sqlite:///{tmp_path}/h.sqlite3", HSTS_SECONDS=31536000)
    client = app.test_client()
    assert "Strict-Transport-Security" not in client.get("/board/").headers
    secure = client.get("/board/", base_url="https://press.example.go.kr")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert secure.headers.get("Cache-Control") != "private, no-store"
    off = databases.build_app(tmp_path, f"sqlite:///{tmp_path}/h2.sqlite3")
    assert "Strict-Transport-Security" not in off.test_client().get("/board/", base_url="https://x.kr").headers


@pytest.mark.parametrize("path, accept", [
    ("/feeds/all.rss", "text/html,application/xml;q=0.9"),   # shown through feed.xsl
    ("/feeds/all.atom", "application/atom+xml"),
    ("/feeds/all.json", ""),
    ("/sitemap.xml", ""),
    ("/static/feed.xsl", ""),
])
def test_feeds_and_the_xsl_view_cannot_be_framed(demo_client, path, accept):
    response = demo_client.get(path, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_attachments_are_not_cached_for_a_day_and_go_when_withdrawn(demo_app):
    from feedserver.models import Attachment, Release
    from feedserver.publishing import releases as publishing
    from feedserver.publishing.audit import Actor
    with demo_app.app_context():
        file = Attachment.select().join(Release).where(Release.status == "published").first()
        url = f"/releases/{file.release.public_id}/files/{file.id}"
    client = demo_app.test_client()
    response = client.get(url)
    assert response.status_code == 200
    assert response.cache_control.max_age <= 600 and response.cache_control.must_revalidate
    etag = response.headers["ETag"]
    with demo_app.app_context():
        publishing.withdraw_release(Release.get_by_id(file.release_id), Actor(None, "cli", name="t"))
    # A cache revalidating after max-age hears that the file is gone.
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 410


def test_production_example_trusts_the_shipped_nginx_and_sets_hsts():
    """Without PROXY_FIX_HOPS every client behind nginx is 127.0.0.1: one lock for all."""
    import tomllib
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    example = tomllib.loads((root / "config" / "production.example.toml").read_text())
    assert example["PROXY_FIX_HOPS"] == 1 and example["HSTS_SECONDS"] >= 15552000
    assert example["BASE_URL"].startswith("https://")
    nginx = (root / "deploy" / "nginx.conf").read_text()
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in nginx and "Strict-Transport-Security" in nginx


def test_with_base_url_no_link_follows_a_forged_host(tmp_path, databases, make_release):
    """Canonical links and API urls used the Host header even with BASE_URL set."""

    from feedserver.models import Category
    app = databases.build_app(tmp_path, f"sqlite:///{tmp_path}/o.sqlite3", BASE_URL="https://press.example.go.kr")
    with app.app_context():
        release = make_release(Category.create(slug="press", name="보도자료"), title="정본 주소")
    client = app.test_client()
    forged = {"Host": "evil.example"}
    for path in ("/board/", f"/releases/{release.public_id}", "/feeds/all.atom", "/sitemap.xml"):
        body = client.get(path, headers=forged).get_data(as_text=True)
        assert "evil.example" not in body, path
        assert "https://press.example.go.kr/" in body, path
    assert "evil.example" not in client.get("/", headers=forged).headers["Location"]


def test_ipv6_clients_count_per_64_in_login_throttling(staff_app, staff):
    """One host holds a whole /64: forty addresses in it are one client, not forty."""
    statuses = []
    for n in range(1, 9):
        client = staff_app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"2001:db8:77:1::{n}"
        statuses.append(staff.login(client, password="wrong").status_code)
    assert statuses.count(429) >= 3
    owner = staff_app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "2001:db8:99::1"
    assert staff.login(owner, password=staff.PASSWORD).status_code == 302
