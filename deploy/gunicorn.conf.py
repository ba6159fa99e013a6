"""gunicorn settings as shipped: sync workers behind nginx (which buffers slow clients)."""
import glob
import multiprocessing
import os
import tempfile

bind = os.environ.get("FEEDSERVER_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("FEEDSERVER_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "sync"
# Sync workers are only safe behind a buffering proxy: nginx absorbs slow
# clients, so a worker is never held by a slow upload or download.
timeout = 30
# On SIGTERM (systemctl stop) workers finish the requests they are answering for this long;
# keep systemd's TimeoutStopSec above it (deploy/feedserver-web.service).
graceful_timeout = int(os.environ.get("FEEDSERVER_GRACEFUL_TIMEOUT", "20"))
keepalive = 2
max_requests = 20000
max_requests_jitter = 2000
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# The app logs one line per request (id, route, status, time, client: feedserver.requests),
# so gunicorn's own access log is off; errorlog carries both to stderr (journald).
accesslog = None
errorlog = "-"

# Prometheus multiprocess mode: every worker keeps its metrics in files here and /metrics adds
# them up. Set before any worker imports prometheus_client; emptied at each start, and a dead
# worker's files are marked so its gauges drop out (its counters still count).
METRICS_DIR = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR",
    os.environ.get("FEEDSERVER_METRICS_DIR") or tempfile.mkdtemp(prefix="feedserver-metrics-"))
# An address of its own for /metrics (e.g. 127.0.0.1:9101), served by the master process,
# instead of or besides the app's token / allow-list guarded /metrics.
METRICS_BIND = os.environ.get("FEEDSERVER_METRICS_BIND", "")


def on_starting(server):
    """Start from empty metric files: the last run's workers are gone."""
    os.makedirs(METRICS_DIR, exist_ok=True)
    for path in glob.glob(os.path.join(METRICS_DIR, "*.db")):
        os.remove(path)


def when_ready(server):
    """Serve every worker's metrics on METRICS_BIND, if set."""
    if METRICS_BIND:
        from prometheus_client import CollectorRegistry, multiprocess, start_http_server
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        host, _, port = METRICS_BIND.rpartition(":")
        start_http_server(int(port), addr=host.strip("[]") or "127.0.0.1", registry=registry)


def child_exit(server, worker):
    """Mark a worker's metric files dead so its live gauges leave the sums."""
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)
