"""GET /api/v1/audience: the page's figures as JSON, behind a token, with 400/404 for bad input."""
from feedserver.models import Category

FEEDBIN = "Feedbin feed-id:1697787 - 102 subscribers"
INOREADER = "Mozilla/5.0 (compatible; inoreader.com; 114 subscribers)"
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0.0.0 Safari/537.36"


def test_the_api_gives_every_table(staff_db_app, staff, make_release):
    app = staff_db_app
    with app.app_context():
        release = make_release(Category.get(Category.slug == "press"))
    client = app.test_client()
    for agent in (FEEDBIN, INOREADER):
        client.get("/feeds/all.atom", headers={"User-Agent": agent})
    client.get(f"/releases/{release.public_id}", headers={"User-Agent": BROWSER, "Referer": "https://t.co/x"})
    with app.app_context():
        app.extensions["feedserver.audience"].flush()
    headers = staff.bearer(app, "editor")
    body = client.get(f"/api/v1/audience?days=7&release={release.public_id}", headers=headers).get_json()
    assert body["period"]["days"] == 7 and body["release"] == release.public_id
    assert body["feeds"][0]["feed"] == "/feeds/all.atom" and body["feeds"][0]["subscribers"] == 216
    assert {c["channel"]: c["subscribers"] for c in body["channels"]}["Feedbin"] == 102
    assert body["top_releases"][0]["views"] == 1 and body["daily_views"][-1]["views"] == 1
    assert {s["source"]: s["views"] for s in body["sources"]}["messenger"] == 1


def test_the_api_refuses_bad_input_and_missing_tokens(staff_app, staff):
    client = staff_app.test_client()
    assert client.get("/api/v1/audience").status_code == 401
    headers = staff.bearer(staff_app, "editor")
    assert client.get("/api/v1/audience", headers=headers).status_code == 200
    bad = client.get("/api/v1/audience?days=8", headers=headers)
    assert bad.status_code == 400 and bad.get_json()["error"]["fields"] == {"days": "7, 30, 90 중 하나"}
    assert client.get("/api/v1/audience?release=zzzz", headers=headers).status_code == 404
