"""Wire observability into an app: logs, the health and metrics views, the request observer."""
from feedserver.observability import exposition, health, logs
from feedserver.observability.requests import RequestObserver, name_route


def init_app(app):
    """Set up logging, register /healthz, /readyz and /metrics, and name each request's route."""
    logs.configure(app)
    exposition.allow_networks(app.config.get("METRICS_ALLOW_NETWORKS"))  # a typo stops the start
    app.register_blueprint(health.bp)
    app.register_blueprint(exposition.bp)
    app.before_request(name_route)


def observe_requests(app):
    """Wrap the WSGI app (inside ProxyFix, outside the fast path) in the request observer."""
    log_requests, count = app.config.get("REQUEST_LOG", True), app.config.get("METRICS_ENABLED", True)
    if log_requests or count:
        app.wsgi_app = RequestObserver(app.wsgi_app, log_requests, count)

