"""The public e-mail pages: no enumeration, one confirmation an hour, no cookies, no injection."""
import pytest

from feedserver.mail import addresses, subscriptions
from feedserver.models import MailAddress, MailDelivery, MailSubscription, utcnow


@pytest.fixture
def app(db_app):
    """Every test here on every configured database."""
    return db_app


def post(client, staff, **form):
    data = {"csrf_token": staff.form_token(client, "/subscribe"), "scope": "all", "mode": "instant", **form}
    return client.post("/subscribe", data=data)


def confirmations(app, address):
    with app.app_context():
        return (MailDelivery.select().join(MailAddress)
                .where(MailAddress.address == address, MailDelivery.audience == "confirm").count())


def test_same_answer_for_new_known_and_subscribed_addresses(app, staff):
    client = app.test_client()
    first = post(client, staff, address="a@example.org")
    again = post(client, staff, address="a@example.org")
    other = post(client, staff, address="b@example.org")
    assert first.status_code == again.status_code == other.status_code == 200
    assert first.get_data() == again.get_data() == other.get_data()
    assert confirmations(app, "a@example.org") == 1  # at most one pending confirmation an hour
    with app.app_context():
        assert not MailSubscription.select().exists()  # nothing until the link is used


@pytest.mark.parametrize("address", ["a@example.org\r\nBcc: victim@example.org", "a@example.org\nX: y",
                                     "not an address", "a" * 250 + "@example.org", ""])
def test_bad_addresses_are_refused_with_a_korean_message_and_store_nothing(app, staff, address):
    answer = post(app.test_client(), staff, address=address)
    assert answer.status_code == 422 and "올바른 전자우편 주소" in answer.get_data(as_text=True)
    with app.app_context():
        assert not MailAddress.select().exists()


def test_other_fields_with_line_breaks_are_ignored_not_echoed(app, staff):
    client = app.test_client()
    answer = post(client, staff, address="c@example.org", scope="some\r\nX: y", board="1\r\n2",
                  mode="digest\r\n", hour="7\r\nBcc: x")
    assert answer.status_code in (200, 422) and "Bcc" not in answer.get_data(as_text=True)


def test_form_needs_its_csrf_token(app):
    answer = app.test_client().post("/subscribe", data={"address": "d@example.org", "scope": "all"})
    assert answer.status_code == 400
    with app.app_context():
        assert not MailAddress.select().exists()


def test_link_pages_set_no_cookie_and_are_never_cached(app, staff):
    client = app.test_client()
    staff_client = app.test_client()
    form = client.get("/subscribe")
    assert "no-store" in form.headers["Cache-Control"] and "private" in form.headers["Cache-Control"]
    for path in ("/mail/manage/nope", "/mail/unsubscribe/nope", "/mail/confirm/nope"):
        for method in (staff_client.get, staff_client.post):
            answer = method(path, headers={"Cookie": "session=anything"})
            assert "Set-Cookie" not in answer.headers and answer.status_code < 500
            assert "no-store" in answer.headers["Cache-Control"]
    assert app.test_client().get("/mail/manage/nope").status_code == 404
    bad = app.test_client().post("/mail/confirm/forged.token.value")
    assert bad.status_code == 400 and "확인 링크가 맞지 않습니다" in bad.get_data(as_text=True)


def test_subscribe_is_rate_limited_per_client(tmp_path, databases, staff):
    app = databases.build_app(tmp_path, databases.fresh_url("sqlite", tmp_path), RATE_LIMIT_MAIL="3/minute")
    client = app.test_client()
    token = staff.form_token(client, "/subscribe")  # the first request of three
    codes = [client.post("/subscribe", data={"csrf_token": token, "address": f"r{n}@example.org",
                                             "scope": "all"}).status_code for n in range(3)]
    assert codes == [200, 200, 429]
    assert "Retry-After" in client.post("/mail/unsubscribe/x").headers  # one budget for both
    assert client.get("/subscribe", environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code == 200
    databases.close_database()


def test_manage_page_changes_boards_and_mode_and_stops_everything(app, make_category):
    with app.app_context():
        news, notice = make_category("news", "소식"), make_category("notice", "공지")
        row = addresses.get_or_create("m@example.org")
        MailAddress.update(confirmed_at=utcnow()).where(MailAddress.id == row.id).execute()
        subscriptions.change(row, [], None)
        news_id, notice_id, token = news.id, notice.id, row.token
    client = app.test_client()
    page = client.get(f"/mail/manage/{token}")
    assert page.status_code == 200 and "m@example.org" in page.get_data(as_text=True)
    saved = client.post(f"/mail/manage/{token}", data={"action": "save", "scope": "some",
                                                       "board": [str(notice_id)], "mode": "digest", "hour": "18"})
    assert "바꾼 내용을 저장했습니다" in saved.get_data(as_text=True)
    with app.app_context():
        assert subscriptions.chosen(MailAddress.get_by_id(row.id)) == ([notice_id], False)
        assert MailAddress.get_by_id(row.id).digest_hour == 18
        assert subscriptions.confirmed_counts() == {notice_id: 1}
    assert news_id != notice_id
    client.post(f"/mail/manage/{token}", data={"action": "unsubscribe"})
    with app.app_context():
        assert not MailSubscription.select().exists()


def test_thousands_of_board_ids_are_cut_not_a_500(app, staff):
    client = app.test_client()
    answer = post(client, staff, address="many@example.org", scope="some",
                  board=[str(n) for n in range(40000)])
    assert answer.status_code == 200  # known boards are kept when the link is used; none here
