"""Permanent refusals count toward disabling an address; a title cannot inject a header."""
import email
import email.policy

from feedserver.mail import addresses, send, subscriptions
from feedserver.mail.transport import eml_dir
from feedserver.models import MailAddress, MailDelivery, Release, utcnow


def confirmed(address):
    row = addresses.get_or_create(address)
    MailAddress.update(confirmed_at=utcnow()).where(MailAddress.id == row.id).execute()
    subscriptions.change(row, [], None)
    return row


def test_permanent_refusals_disable_an_address_at_the_threshold(db_app, smtp, websub, make_category):
    db_app.config.update(smtp.config, MAIL_BOUNCE_THRESHOLD=2)
    smtp.sink.refuse.add("gone@example.org")
    with db_app.app_context():
        news = make_category("news", "소식")
        gone, fine = confirmed("gone@example.org"), confirmed("fine@example.org")
    before = send.COUNTS["failed"]
    with websub.running_worker(db_app):
        for n in range(3):
            websub.publish(db_app, news, f"보도자료 {n}")
            websub.wait_for(lambda n=n: len(smtp.sink.to("fine@example.org")) == n + 1, timeout=15)
            websub.wait_for(lambda: websub.drained(db_app))
    with db_app.app_context():
        row = MailAddress.get_by_id(gone.id)
        assert row.bounces == 2 and row.disabled_at is not None
        tried = MailDelivery.select().where(MailDelivery.address == gone.id).order_by(MailDelivery.id)
        assert [d.status for d in tried] == ["failed", "failed"]  # the third was never created
        assert "550" in tried[0].error
        assert MailAddress.get_by_id(fine.id).bounces == 0
    assert send.COUNTS["failed"] - before == 2


def test_without_an_smtp_host_messages_are_eml_files(db_app, websub, make_category):
    db_app.config.update(websub.FAST, MAIL_SMTP_HOST="", MAIL_RATE_PER_MINUTE=0,
                         MAIL_EML_DIR=str(db_app.instance_path) + "/mail-test")
    with db_app.app_context():
        news = make_category("news", "소식")
        confirmed("local@example.org")
    hostile = "제목\r\nBcc: victim@example.org\nX-Injected: 1"
    websub.publish(db_app, news, "정상 제목")
    with db_app.app_context():
        Release.update(title=hostile).where(Release.title == "정상 제목").execute()
    with websub.running_worker(db_app):
        websub.wait_for(lambda: websub.drained(db_app), timeout=15)
    with db_app.app_context():
        files = sorted(eml_dir().glob("*.eml"))
    assert len(files) == 1
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "[소식] 제목 Bcc: victim@example.org X-Injected: 1"
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert message["To"] == "local@example.org"
