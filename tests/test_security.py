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


def test_unreachable_database_gives_503_korean_page_and_json(tmp_path, monkeypatch):
    from conftest import close_database
    monkeypatch.chdir(tmp_path)
    close_database()
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
    close_database()


def test_unexpected_error_is_a_plain_500_page(app):
    @app.get("/boom")
    def boom():
        raise ValueError("secret detail")
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "secret detail" not in response.get_data(as_text=True)


def test_proxy_headers_trusted_only_when_configured(tmp_path, monkeypatch):
    from conftest import build_app
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "press.example.go.kr"}
    app = build_app(tmp_path, f"sqlite:///{tmp_path}/p.sqlite3", PROXY_FIX_HOPS=1)
    links = app.test_client().get("/feeds/all.rss", headers=headers).headers.getlist("Link")
    assert '<https://press.example.go.kr/feeds/all.rss>; rel="self"' in links
    app = build_app(tmp_path, f"sqlite:///{tmp_path}/q.sqlite3")
    links = app.test_client().get("/feeds/all.rss", headers=headers).headers.getlist("Link")
    assert not any("press.example.go.kr" in link for link in links)
