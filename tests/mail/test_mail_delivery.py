"""E-mail through a real SMTP server: subscribe, confirm, publish, digest, unsubscribe, corrections."""
from datetime import UTC, datetime, timedelta

import pytest

from feedserver.mail import addresses, digest, fanout, subscriptions
from feedserver.models import MailAddress, MailDelivery, OutboxJob, Release, utcnow
from feedserver.publishing import bulk
from feedserver.publishing.releases import withdraw_release


def subscribe(client, staff, address, **form):
    """Post the public form as a browser would (CSRF token from the page)."""
    data = {"csrf_token": staff.form_token(client, "/subscribe"), "address": address,
            "scope": "all", "mode": "instant", **form}
    return client.post("/subscribe", data=data)


def confirm_by_mail(client, smtp, mail, websub, address):
    """Wait for the confirmation message, follow its link and press the button."""
    message = websub.wait_for(lambda: smtp.sink.to(address), timeout=15)[-1]
    assert "구독을 확인" in message["Subject"]
    url = mail.link(message, "/mail/confirm/")
    assert client.get(mail.path_of(url)).status_code == 200  # a scanner's GET confirms nothing
    answer = client.post(mail.path_of(url))
    assert answer.status_code == 200 and "구독이 시작되었습니다" in answer.get_data(as_text=True)


@pytest.fixture
def mail_app(db_app, smtp):
    db_app.config.update(smtp.config)
    return db_app


def test_subscribe_confirm_publish_reaches_each_subscriber_once(mail_app, smtp, mail, websub, staff,
                                                                make_category):
    client = mail_app.test_client()
    with mail_app.app_context():
        news, notice = make_category("news", "소식"), make_category("notice", "공지사항")
    with websub.running_worker(mail_app):
        assert subscribe(client, staff, "all@example.org").status_code == 200
        subscribe(client, staff, "news@example.org", scope="some", board=str(news.id))
        subscribe(client, staff, "notice@example.org", scope="some", board=str(notice.id))
        subscribe(client, staff, "never@example.org")  # never confirms
        for address in ("all@example.org", "news@example.org", "notice@example.org"):
            confirm_by_mail(client, smtp, mail, websub, address)
        websub.publish(mail_app, news, "소식 게시판 보도자료", contact_person="홍길동",
                       contact_phone="031-120", department="대변인실")
        websub.wait_for(lambda: smtp.sink.to("news@example.org") and smtp.sink.to("all@example.org")
                        and len(smtp.sink.to("all@example.org")) == 2, timeout=15)
        websub.wait_for(lambda: websub.drained(mail_app))
    for address in ("all@example.org", "news@example.org"):
        received = [m for m in smtp.sink.to(address) if "소식 게시판" in m["Subject"]]
        assert len(received) == 1
        check_release_message(received[0], address)
    assert [m["Subject"] for m in smtp.sink.to("notice@example.org")][1:] == []  # the confirmation only
    assert len(smtp.sink.to("never@example.org")) == 1  # the confirmation only
    with mail_app.app_context():
        assert subscriptions.confirmed_counts() == {None: 1, news.id: 1, notice.id: 1}


def check_release_message(message, address):
    assert message["Subject"] == "[소식] 소식 게시판 보도자료"
    assert message["To"] == address
    assert message["From"].addresses[0].addr_spec == "press@example.go.kr"
    assert message["Reply-To"] == "desk@example.go.kr"
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Date"].datetime.utcoffset() == timedelta(0)
    assert abs(message["Date"].datetime - datetime.now(UTC)) < timedelta(minutes=5)
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith("@example.go.kr>")
    assert message["List-Unsubscribe"].startswith("<https://press.example.go.kr/mail/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = message.get_body(("html",)).get_content()
    assert 'style="' in html and "<style>" not in html  # CSS inlined for mail clients
    text = message.get_body(("plain",)).get_content()
    assert "https://press.example.go.kr/releases/" in text and "홍길동" in text and "031-120" in text


def test_one_click_unsubscribe_stops_the_next_message(mail_app, smtp, mail, websub, staff, make_category):
    client = mail_app.test_client()
    with mail_app.app_context():
        news = make_category("news", "소식")
    with websub.running_worker(mail_app):
        subscribe(client, staff, "reader@example.org")
        confirm_by_mail(client, smtp, mail, websub, "reader@example.org")
        websub.publish(mail_app, news, "첫 보도자료")
        first = websub.wait_for(lambda: smtp.sink.to("reader@example.org")[1:], timeout=15)[0]
        target = first["List-Unsubscribe"].strip("<>")
        # RFC 8058: a POST with this body, no cookie, no CSRF token, from a mail client.
        fresh = mail_app.test_client()
        answer = fresh.post(mail.path_of(target), data={"List-Unsubscribe": "One-Click"})
        assert answer.status_code == 200 and "Set-Cookie" not in answer.headers
        assert "no-store" in answer.headers["Cache-Control"]
        websub.publish(mail_app, news, "둘째 보도자료")
        websub.wait_for(lambda: websub.drained(mail_app))
    assert [m["Subject"] for m in smtp.sink.to("reader@example.org")][1:] == ["[소식] 첫 보도자료"]


def test_correction_goes_to_those_who_got_the_first(mail_app, smtp, mail, websub, staff, make_category):
    client = mail_app.test_client()
    with mail_app.app_context():
        news = make_category("news", "소식")
    with websub.running_worker(mail_app):
        subscribe(client, staff, "early@example.org")
        confirm_by_mail(client, smtp, mail, websub, "early@example.org")
        release = websub.publish(mail_app, news, "정정될 보도자료")
        websub.wait_for(lambda: smtp.sink.to("early@example.org")[1:], timeout=15)
        subscribe(client, staff, "late@example.org")
        confirm_by_mail(client, smtp, mail, websub, "late@example.org")
        websub.edit(mail_app, release, correction="3쪽 표의 수치를 바로잡습니다.")
        websub.wait_for(lambda: len(smtp.sink.to("early@example.org")) == 3, timeout=15)
        websub.edit(mail_app, release, title="정정된 제목")  # an edit without a new note: nothing
        with mail_app.app_context():
            withdraw_release(Release.get_by_id(release.id), websub.ACTOR, "중복 게시")
        websub.wait_for(lambda: websub.drained(mail_app))
    early = [m["Subject"] for m in smtp.sink.to("early@example.org")][1:]
    assert early == ["[소식] 정정될 보도자료", "[정정] [소식] 정정될 보도자료"]
    assert "3쪽 표의 수치" in smtp.sink.to("early@example.org")[2].get_body(("plain",)).get_content()
    assert len(smtp.sink.to("late@example.org")) == 1  # joined after: neither release nor correction


def test_digest_at_the_chosen_hour_holds_exactly_the_releases_since_the_last(
        mail_app, smtp, mail, websub, staff, make_category, make_release):
    client = mail_app.test_client()
    with mail_app.app_context():
        news = make_category("news", "소식")
    with websub.running_worker(mail_app):
        subscribe(client, staff, "daily@example.org", mode="digest", hour="9")
        confirm_by_mail(client, smtp, mail, websub, "daily@example.org")
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    kst9 = today - timedelta(days=2)  # 09:00 KST, two days ago: every release below is public
    with mail_app.app_context():
        row = MailAddress.get(MailAddress.address == "daily@example.org")
        MailAddress.update(last_digest_at=kst9 - timedelta(days=1)).where(MailAddress.id == row.id).execute()
        titles = {}
        for n, hours in enumerate((-30, -20, -1, 0, 2)):  # before the last, two in, one at, one after
            titles[n] = make_release(news, title=f"묶음 {n}", published_at=kst9 + timedelta(hours=hours))
        assert digest.prepare(kst9 - timedelta(hours=1)) == []  # 08:00 KST: not this subscriber's hour
        first = digest.prepare(kst9 + timedelta(minutes=3))
        assert digest.prepare(kst9 + timedelta(minutes=30)) == []  # once per slot
        fanout.queue_sends(first)
    with websub.running_worker(mail_app):
        websub.wait_for(lambda: websub.drained(mail_app))
    digests = smtp.sink.to("daily@example.org")[1:]
    assert len(digests) == 1 and digests[0]["Subject"].endswith("새 보도자료 3건")
    text = digests[0].get_body(("plain",)).get_content()
    assert [t for t in ("묶음 0", "묶음 1", "묶음 2", "묶음 3", "묶음 4") if t in text] == ["묶음 1", "묶음 2", "묶음 3"]
    with mail_app.app_context():
        assert MailAddress.get_by_id(row.id).last_digest_at == kst9
        assert digest.prepare(kst9 + timedelta(days=1, minutes=1)) != []  # the next day: 묶음 4
        assert MailDelivery.select().where(MailDelivery.status == "sent").count() == 2


def test_the_digest_job_runs_every_hour_through_the_outbox(mail_app, websub):
    with mail_app.app_context():
        digest.ensure_scheduled()
        digest.ensure_scheduled()  # a second worker start adds none
        [job] = OutboxJob.select().where(OutboxJob.kind == "mail_digest")
        assert job.available_at == digest.hour_slot(utcnow()) + timedelta(hours=1)
        OutboxJob.update(available_at=utcnow()).where(OutboxJob.id == job.id).execute()
    with websub.running_worker(mail_app):
        websub.wait_for(lambda: websub.drained(mail_app))
    with mail_app.app_context():
        jobs = sorted((j.status, j.available_at > utcnow()) for j in OutboxJob.select()
                      .where(OutboxJob.kind == "mail_digest"))
        assert jobs == [("done", False), ("pending", True)]  # ran, and queued the next hour


def test_an_imported_archive_mails_nothing_but_an_imported_schedule_mails_when_due(
        mail_app, smtp, websub, make_category):
    with mail_app.app_context():
        news = make_category("news", "소식")
        confirm_directly("reader@example.org")
        old = {"title": "2019년 보도자료", "category": news, "author": "옛 담당", "body_html": "<p>옛글</p>",
               "status": "published", "published_at": utcnow() - timedelta(days=2000)}
        soon = {**old, "title": "곧 나올 보도자료", "status": "scheduled",
                "published_at": utcnow() + timedelta(seconds=2)}
        bulk.import_releases([bulk.NewRelease(old), bulk.NewRelease(soon)], websub.ACTOR)
        assert OutboxJob.select().where(OutboxJob.kind == "due").count() == 1
    with websub.running_worker(mail_app):
        websub.wait_for(lambda: smtp.sink.to("reader@example.org"), timeout=20)
        websub.wait_for(lambda: websub.drained(mail_app))
    assert [m["Subject"] for m in smtp.sink.to("reader@example.org")] == ["[소식] 곧 나올 보도자료"]


def confirm_directly(address):
    row = addresses.get_or_create(address)
    MailAddress.update(confirmed_at=utcnow()).where(MailAddress.id == row.id).execute()
    subscriptions.change(row, [], None)
