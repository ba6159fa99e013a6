"""feedserver: a Korean press-release board that syndicates its releases."""
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from feedserver import dates, db
from feedserver.config import load_settings
from feedserver.content import kogl, sizes
from feedserver.search import highlight


def create_app(test_config=None):
    """Build the Flask application: config layers -> database -> blueprints."""
    settings = {**load_settings(), **(test_config or {})}
    # The instance folder (SQLite file, attachments) follows a setting, never the current
    # directory; empty lets Flask choose: <checkout>/instance, or <venv>/var/feedserver-instance
    # when installed from a wheel.
    app = Flask(__name__, instance_path=settings.get("INSTANCE_PATH") or None,
                instance_relative_config=True)
    app.config.from_mapping(settings)
    _refuse_insecure_production(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_ATTACHMENT_BYTES"] + 1024 * 1024
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    db.init_app(app)
    _register_blueprints(app)
    _register_filters(app)
    # The composition root imports the outer packages when an app is built, not when feedserver
    # is imported: every package imports plumbing from here (feedserver.db, feedserver.config).
    from feedserver.cli import commands as cli  # composition root
    from feedserver.observability import install as observability  # composition root
    from feedserver.web import errors, security  # composition root
    observability.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    cli.init_app(app)
    from feedserver.caching import fastpath  # composition root
    from feedserver.caching import pages as pagecache  # composition root
    from feedserver.publishing import backup  # composition root
    backup.init_app(app)
    pagecache.init_app(app)
    fastpath.init_app(app)
    from feedserver import audience  # composition root
    audience.init_app(app)  # after the fast path: it counts the polls the fast path answers
    _pin_origin(app)
    observability.observe_requests(app)  # inside ProxyFix: it logs the trusted client address
    _trust_proxies(app)  # outermost: the fast path keys on the forwarded host
    from feedserver.web import ratelimit  # composition root
    ratelimit.init_app(app)
    return app


DEFAULT_SECRET = "dev-insecure-secret-key"


def _trust_proxies(app):
    """Believe X-Forwarded-* from the configured number of proxies (deploy/nginx.conf sets them)."""
    hops = app.config.get("PROXY_FIX_HOPS", 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _pin_origin(app):
    """With BASE_URL set, every link Flask builds names it, whatever Host a client sent."""
    base = urlsplit(app.config.get("BASE_URL") or "")
    if not base.netloc:
        return
    inner = app.wsgi_app

    def pinned(environ, start_response):
        # Canonical links, API urls and redirects would otherwise follow a forged Host.
        environ["HTTP_HOST"], environ["wsgi.url_scheme"] = base.netloc, base.scheme
        return inner(environ, start_response)
    app.wsgi_app = pinned


def _refuse_insecure_production(app):
    """Refuse to start in production with the default secret key or without BASE_URL."""
    if app.config.get("ENV") == "production":
        if app.config.get("SECRET_KEY") in (DEFAULT_SECRET, ""):
            raise RuntimeError("FEEDSERVER_SECRET_KEY must be set to a private value in production")
        if not app.config.get("BASE_URL"):
            # Otherwise absolute links in feeds and pages follow whatever Host a client sends.
            raise RuntimeError("FEEDSERVER_BASE_URL must be set in production "
                               "(e.g. https://press.example.go.kr)")
    app.config["SESSION_COOKIE_HTTPONLY"] = True


def _register_blueprints(app):
    # The app factory is the composition root: the one place that imports every outer package.
    from feedserver.admin import account_pages, accounts, drafts, websub_status  # composition root
    from feedserver.admin import audience as admin_audience  # composition root
    from feedserver.admin import images as admin_images  # composition root
    from feedserver.admin import mail_pages as admin_mail  # composition root
    from feedserver.admin import paste as admin_paste  # composition root
    from feedserver.admin import review as admin_review  # composition root
    from feedserver.admin import schedule as admin_schedule  # composition root
    from feedserver.admin import releases as admin  # composition root
    from feedserver.admin import revisions as admin_revisions  # composition root
    from feedserver.admin import site as admin_site  # composition root
    from feedserver.api import views as api  # composition root
    from feedserver.web import board, discovery, feeds, mailing, widget  # composition root
    from feedserver.web import hub as websub  # composition root
    for blueprint in (board.bp, feeds.bp, discovery.bp, widget.bp, websub.bp, mailing.bp,
                      mailing.links):
        app.register_blueprint(blueprint)
    accounts.init_app(app)  # CSRF on every form, login pages
    for blueprint in (account_pages.bp, admin.bp, admin_revisions.bp, admin_site.bp, admin_review.bp,
                      admin_schedule.bp, admin_images.bp, admin_paste.bp, websub_status.bp, drafts.bp,
                      admin_audience.bp, admin_mail.bp, api.bp):
        app.register_blueprint(blueprint)
    admin_mail.init_app(app)
    accounts.csrf.exempt(api.bp)  # token-authenticated, no cookies
    accounts.csrf.exempt(websub.bp)  # subscribers are other servers, not our forms
    accounts.csrf.exempt(mailing.links)  # the token in the URL is the secret (RFC 8058 one-click)


def _register_filters(app):
    from feedserver.web import urls  # composition root
    app.jinja_env.filters.update(
        list_date=dates.list_date,
        detail_datetime=dates.detail_datetime,
        long_datetime=dates.long_datetime,
        iso_kst=dates.iso_kst,
        day_heading=dates.day_heading,
        clock=dates.clock,
        filesize=sizes.filesize,
        highlight=highlight.highlight,
        excerpt=highlight.excerpt,
        kogl=kogl.license_of,
    )
    app.jinja_env.globals.update(kogl_choices=kogl.choices, url_for=urls.remembered_url_for)
