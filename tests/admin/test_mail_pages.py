"""개인정보 (find, export, erase without the address in the log), /admin/mail and withdrawal notices."""
import pytest

from feedserver.mail import addresses, subscriptions
from feedserver.models import (
    AuditEntry,
    Category,
    MailAddress,
    MailDelivery,
    PressContact,
    Release,
    utcnow,
)
from feedserver.publishing.releases import withdraw_release


@pytest.fixture
def mail_admin(staff_db_app, smtp, staff):
    staff_db_app.config.update(smtp.config, PASSWORD_HASH_METHOD=staff.FAST_HASH)
    client = staff_db_app.test_client()
    staff.login(client)
    return staff_db_app, client


def test_privacy_finds_exports_and_erases_an_address_and_logs_it_without_the_address(mail_admin, staff):
    app, client = mail_admin
    with app.app_context():
        row = addresses.get_or_create("citizen@example.org")
        MailAddress.update(confirmed_at=utcnow()).where(MailAddress.id == row.id).execute()
        subscriptions.change(row, [], None)
    client.post("/admin/press", data={"csrf_token": staff.form_token(client, "/admin/press"),
                                      "name": "같은 사람", "address": "citizen@example.org"})
    page = client.get("/admin/privacy?address=citizen@EXAMPLE.org").get_data(as_text=True)
    assert "citizen@example.org" in page and "같은 사람" in page
    token = staff.form_token(client, "/admin/privacy")
    exported = client.post("/admin/privacy/export", data={"csrf_token": token, "address": "citizen@example.org"})
    assert exported.is_json and exported.get_json()["subscriptions"] == ["전체"]
    assert exported.get_json()["press_contact"]["name"] == "같은 사람"
    erased = client.post("/admin/privacy/erase", data={"csrf_token": token, "address": "citizen@example.org"})
    assert erased.status_code == 302
    with app.app_context():
        assert not MailAddress.select().exists() and not PressContact.select().exists()
        log = [f"{e.action} {e.target} {e.summary}" for e in AuditEntry.select()]
        assert any(line.startswith("mail_address_erase mail_address:") for line in log)
        assert not any("citizen@example.org" in line for line in log)
    assert "그 주소는 저장되어 있지 않습니다" in client.get(
        "/admin/privacy?address=citizen@example.org").get_data(as_text=True)


def test_withdrawal_sends_nothing_until_the_admin_asks(mail_admin, staff, smtp, websub):
    app, client = mail_admin
    with app.app_context():
        press = Category.get(Category.slug == "press")
        row = addresses.get_or_create("reader@example.org")
        MailAddress.update(confirmed_at=utcnow()).where(MailAddress.id == row.id).execute()
        subscriptions.change(row, [], None)
    release = websub.publish(app, press, "철회할 보도자료")
    with websub.running_worker(app):
        websub.wait_for(lambda: smtp.sink.to("reader@example.org"), timeout=15)
        with app.app_context():
            withdraw_release(Release.get_by_id(release.id), websub.ACTOR, "사실과 달라")
        websub.wait_for(lambda: websub.drained(app))
        assert len(smtp.sink.to("reader@example.org")) == 1
        page = client.get("/admin/mail").get_data(as_text=True)
        assert "철회할 보도자료" in page and "보냄 1건" in page
        token = staff.form_token(client, "/admin/mail")
        client.post(f"/admin/mail/withdrawn/{release.public_id}", data={"csrf_token": token})
        websub.wait_for(lambda: len(smtp.sink.to("reader@example.org")) == 2, timeout=15)
    notice = smtp.sink.to("reader@example.org")[1]
    assert notice["Subject"] == "[철회] [보도자료] 철회할 보도자료"
    assert "사실과 달라" in notice.get_body(("plain",)).get_content()
    with app.app_context():
        assert MailDelivery.select().where(MailDelivery.status == "sent").count() == 2
