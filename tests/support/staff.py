"""Staff accounts: categories and users seeded once, logins and forms with CSRF, API tokens, the audit log."""
import lxml.html

from feedserver.admin.accounts import create_user
from feedserver.models import AuditEntry, Category
from feedserver.publishing import audit
from feedserver.publishing.tokens import issue_token

PASSWORD = "correct horse battery"
FAST_HASH = "pbkdf2:sha256:1000"  # the real default (scrypt) costs ~0.15 s a check
CLI = audit.Actor(None, "cli", name="test")


def seed_staff(app):
    """Add categories press/notice, an admin, an editor and a token for each."""
    app.config["PASSWORD_HASH_METHOD"] = FAST_HASH
    with app.app_context():
        Category.create(slug="press", name="보도자료", sort_order=1)
        Category.create(slug="notice", name="공지사항", sort_order=2)
        admin = create_user("admin", PASSWORD, "admin")
        editor = create_user("editor", PASSWORD, "editor")
        app.config["TEST_TOKENS"] = {
            "admin": issue_token(admin, "test", CLI)[1],
            "editor": issue_token(editor, "test", CLI)[1],
        }
    return app


def form_token(client, url):
    """Return the CSRF token of the first form on a page."""
    tree = lxml.html.fromstring(client.get(url).get_data(as_text=True))
    return tree.xpath("//input[@name='csrf_token']/@value")[0]


def login(client, username="admin", password=PASSWORD, next_url=None):
    """Log in through the form, CSRF token included; return the response."""
    token = form_token(client, "/admin/login")
    data = {"csrf_token": token, "username": username, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/admin/login", data=data)


def post_form(client, url, data, page=None, **kwargs):
    """POST a form with the CSRF token taken from `page` (default: url itself)."""
    data = {"csrf_token": form_token(client, page or url), **data}
    return client.post(url, data=data, **kwargs)


def bearer(app, who="admin"):
    """Return the Authorization header of a seeded user's API token."""
    return {"Authorization": "Bearer " + app.config["TEST_TOKENS"][who]}


def actions(app):
    """Return the audit log's (actor, via, action) triples, oldest first."""
    with app.app_context():
        return [(e.actor_name, e.via, e.action)
                for e in AuditEntry.select().order_by(AuditEntry.id)]
