"""The counters other packages feed: views written and e-mail sent or failed."""
from feedserver.mail import send
from feedserver.observability import metrics


def _value(counter):
    return counter._value.get()


def test_a_counted_view_moves_views_written_and_a_reload_does_not(app, make_category, make_release):
    with app.app_context():
        release = make_release(make_category())
    client = app.test_client()
    before = _value(metrics.views_written)
    for _ in range(3):  # one reader, reloading: one view
        assert client.get(f"/releases/{release.public_id}", headers={"User-Agent": "reader"}).status_code == 200
    assert _value(metrics.views_written) == before + 1


def test_mail_outcomes_reach_their_counters():
    sent, failed = _value(metrics.mail_sent), _value(metrics.mail_failed)
    send.count("sent")
    send.count("failed")
    send.count("disabled")
    assert (_value(metrics.mail_sent), _value(metrics.mail_failed)) == (sent + 1, failed + 1)
