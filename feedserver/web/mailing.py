"""Public e-mail pages: /subscribe (double opt-in), and the links every message carries.

/subscribe is a form with CSRF, so it alone has a session; /mail/<action>/<token> pages are
reached through an unguessable token, which is what a forged request cannot know: they need
no CSRF token and no cookie (RFC 8058's one-click POST comes from a mail client with neither).
Both are private, never cached, and answer the same whether or not an address was known.
"""
from flask import Blueprint, abort, current_app, render_template, request

from feedserver.mail import subscriptions
from feedserver.mail.addresses import InvalidAddress
from feedserver.models import Category

bp = Blueprint("mailing", __name__)
MAX_BOARDS = 200
links = Blueprint("mail_links", __name__)


def _choice(form):
    """Read boards and delivery mode from a form: (category ids or [] for all, digest hour)."""
    # At most MAX_BOARDS ids: a list of thousands must not become one huge SQL IN (...).
    boards = [] if form.get("scope", "all") == "all" else [
        int(v) for v in form.getlist("board")[:MAX_BOARDS] if v.isdigit() and len(v) < 10]
    hour = form.get("hour", "")
    digest = form.get("mode") == "digest" and hour.isdigit() and int(hour) in range(24)
    return boards, int(hour) if digest else None


def _form(status=200, **context):
    categories = list(Category.ordered())
    return render_template("mail/subscribe.html", categories=categories, **context), status


@bp.get("/subscribe")
def subscribe_form():
    """The subscription form: an address, boards (or all), instant or a daily digest."""
    return _form()


@bp.post("/subscribe")
def subscribe():
    """Send a confirmation link; the answer is the same for a new, known or refused address."""
    boards, hour = _choice(request.form)
    if request.form.get("scope") == "some" and not boards:
        return _form(422, error="받아 볼 게시판을 하나 이상 고르거나 '전체 게시판'을 선택해 주세요.",
                     address=request.form.get("address", "")[:254])
    try:
        subscriptions.request_subscription(request.form.get("address", ""), boards, hour)
    except InvalidAddress as error:
        return _form(422, error=str(error), address=request.form.get("address", "")[:254])
    return render_template("mail/sent.html")


@links.route("/mail/confirm/<token>", methods=["GET", "POST"])
def confirm(token):
    """GET shows a button (mail scanners follow links); POST starts the subscription."""
    if request.method == "GET":
        return render_template("mail/confirm_page.html", token=token)
    row = subscriptions.confirm(token)
    if row is None:
        hours = current_app.config["MAIL_CONFIRM_HOURS"]
        return render_template("mail/link_invalid.html", hours=hours), 400
    return render_template("mail/confirmed.html", row=row)


@links.route("/mail/manage/<token>", methods=["GET", "POST"])
def manage(token):
    """Show and change an address's boards and mode, or stop everything."""
    row = subscriptions.by_token(token) or abort(404)
    saved = False
    if request.method == "POST":
        if request.form.get("action") == "unsubscribe":
            subscriptions.unsubscribe(row)
            return render_template("mail/unsubscribed.html")
        boards, hour = _choice(request.form)
        subscriptions.change(row, boards, hour)
        row, saved = subscriptions.by_token(token), True
    chosen, everything = subscriptions.chosen(row)
    return render_template("mail/manage.html", row=row, token=token, chosen=chosen,
                           everything=everything, saved=saved, categories=list(Category.ordered()))


@links.route("/mail/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token):
    """GET asks to confirm; POST (a button, or a mail client's one-click) unsubscribes at once."""
    row = subscriptions.by_token(token)
    if request.method == "GET":
        return render_template("mail/unsubscribe_page.html", token=token, known=row is not None)
    if row is not None:
        subscriptions.unsubscribe(row)
    return render_template("mail/unsubscribed.html")
