"""gunicorn settings as shipped: sync workers behind nginx (which buffers slow clients)."""
import multiprocessing
import os

bind = os.environ.get("FEEDSERVER_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("FEEDSERVER_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "sync"
# Sync workers are only safe behind a buffering proxy: nginx absorbs slow
# clients, so a worker is never held by a slow upload or download.
timeout = 30
graceful_timeout = 20
keepalive = 2
max_requests = 20000
max_requests_jitter = 2000
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = "-"
errorlog = "-"
