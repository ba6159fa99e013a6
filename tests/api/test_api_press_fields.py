"""The API's press-release fields: accepted, checked, returned, kept as revisions."""
from datetime import timedelta

from feedserver.content.kogl import LICENSE_URL
from feedserver.models import Release, ReleaseRevision, utcnow
from feedserver.publishing import revisions

PRESS = {"department": "경제정책과", "contact_person": "홍길동", "contact_phone": "02-123-4567",
         "contact_email": "press@gg.go.kr", "embargo_text": "즉시 보도", "kogl_type": 2}


def post(app, staff, path, **kwargs):
    return app.test_client().post(f"/api/v1{path}", headers=staff.bearer(app), **kwargs)


def patch(app, staff, path, **kwargs):
    return app.test_client().patch(f"/api/v1{path}", headers=staff.bearer(app), **kwargs)


def test_the_api_accepts_and_returns_the_press_fields(staff_db_app, staff):
    body = {"title": "API 보도자료", "category": "press", "status": "published", **PRESS}
    response = post(staff_db_app, staff, "/releases", json=body)
    assert response.status_code == 201
    data = response.get_json()
    assert {k: data[k] for k in PRESS} == PRESS
    assert data["license"] == {"type": 2, "label": "공공누리 제2유형: 출처표시+상업적 이용금지",
                               "url": LICENSE_URL}
    assert data["correction"] == "" and data["corrected_at"] is None and data["modified_at"] is None
    changed = patch(staff_db_app, staff, f"/releases/{data['id']}",
                    json={"kogl_type": None, "correction": "연락처를 바로잡습니다.",
                          "contact_phone": "010-1234-5678"}).get_json()
    assert changed["kogl_type"] is None and changed["license"]["type"] == 1  # the board's default
    assert changed["correction"] == "연락처를 바로잡습니다." and changed["corrected_at"]
    with staff_db_app.app_context():
        release = Release.by_public_id(data["id"])
        assert [r.via for r in revisions.history(release)] == ["api", "api"]


def test_the_api_refuses_bad_press_fields_with_their_names(staff_app, staff):
    for field, value in [("contact_phone", "031-8008-211"), ("contact_email", "press"),
                         ("kogl_type", 0), ("kogl_type", "1"), ("embargo_text", "가" * 101)]:
        response = post(staff_app, staff, "/releases",
                        json={"title": "t", "category": "press", field: value})
        assert response.status_code == 400, field
        assert field in response.get_json()["error"]["fields"]


def test_every_api_save_keeps_a_revision(staff_app, staff, samples):
    created = post(staff_app, staff, "/releases", json={"title": "t", "category": "press"}).get_json()
    path = f"/releases/{created['id']}"
    patch(staff_app, staff, path, json={"title": "t2"})
    later = (utcnow() + timedelta(days=1)).isoformat()
    post(staff_app, staff, f"{path}/schedule", json={"published_at": later})
    post(staff_app, staff, f"{path}/attachments",
         data={"file": (__import__("io").BytesIO(samples.tiny_pdf()), "a.pdf")},
         content_type="multipart/form-data")
    post(staff_app, staff, f"{path}/withdraw")
    post(staff_app, staff, f"{path}/restore")
    with staff_app.app_context():
        actions = [r.action for r in ReleaseRevision.select().order_by(ReleaseRevision.id)]
    assert actions == ["release_create", "release_update", "release_schedule", "attachment_add",
                       "release_withdraw", "release_restore"]


def test_a_future_embargo_from_the_api_schedules_the_release(staff_app, staff):
    day = utcnow() + timedelta(days=3)
    body = {"title": "엠바고", "category": "press", "status": "published",
            "embargo_text": f"{day.year}. {day.month}. {day.day}.(수) 석간"}
    data = post(staff_app, staff, "/releases", json=body).get_json()
    assert data["status"] == "scheduled" and data["visible"] is False
    assert data["published_at"].endswith("T03:00:00Z")  # 12:00 Asia/Seoul
