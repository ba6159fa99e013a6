"""/metrics in the Prometheus text format, for a scraper the settings name and nobody else.

With neither METRICS_TOKEN nor METRICS_ALLOW_NETWORKS set, /metrics answers 404: it is never
public by default. A token is checked as "Authorization: Bearer <token>"; networks are checked
against the client address as trusted (PROXY_FIX_HOPS). Behind nginx every request comes from
127.0.0.1, which is why deploy/nginx.conf refuses /metrics itself.
"""
import hmac
import ipaddress
import os

from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)

bp = Blueprint("metrics", __name__)


@bp.route("/metrics")
def metrics_view():
    """Answer the configured scraper with every process's metrics added up."""
    if not allowed(current_app.config, request):
        abort(404)
    response = Response(generate_latest(registry()), mimetype=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


def registry():
    """Return the registry to expose: all gunicorn workers' files, or this process's own."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        collected = CollectorRegistry()
        multiprocess.MultiProcessCollector(collected)
        return collected
    return REGISTRY


def allowed(config, req):
    """Tell whether the request carries the token or comes from an allowed network."""
    token = config.get("METRICS_TOKEN") or ""
    if token:
        given = req.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
    networks = allow_networks(config.get("METRICS_ALLOW_NETWORKS"))
    try:
        address = ipaddress.ip_address(req.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in networks)


def allow_networks(raw):
    """Parse METRICS_ALLOW_NETWORKS: a TOML list or a spaced/comma string of networks."""
    items = raw.replace(",", " ").split() if isinstance(raw, str) else list(raw or [])
    return [ipaddress.ip_network(item, strict=False) for item in items]
