"""Every Prometheus metric of feedserver, defined once; importing this module has no other effect.

Under gunicorn, PROMETHEUS_MULTIPROC_DIR (deploy/gunicorn.conf.py) makes prometheus-client
keep each value in a per-process file, and /metrics adds up every worker's. Labels stay
bounded: a route is the URL rule ("/releases/<public_id>"), never the raw path.
"""
from prometheus_client import Counter, Gauge, Histogram

# Where a request's route label is left in the WSGI environ: by Flask (the URL rule) or by the
# feed fast path, for the request observer (observability/requests.py) to count and log.
ROUTE_KEY = "feedserver.route"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# Requests, by the WSGI observer (fast-path answers included).
http_requests = Counter("feedserver_http_requests", "HTTP requests answered, by URL rule and status",
                        ["route", "status"])
http_duration = Histogram("feedserver_http_request_duration_seconds",
                          "Time to answer a request, body included, by URL rule", ["route"],
                          buckets=LATENCY_BUCKETS)
not_modified = Counter("feedserver_http_not_modified", "304 answers, by URL rule", ["route"])
rate_limited = Counter("feedserver_rate_limited", "Requests refused by a per-client rate limit",
                       ["bucket"])

# Caches: the feed fast path, the render cache and the page cache.
cache_lookups = Counter("feedserver_cache_lookups", "Cache lookups by cache and result (hit, miss)",
                        ["cache", "result"])

# Search.
search_duration = Histogram("feedserver_search_duration_seconds",
                            "Database time of one board or feed search", ["partial"],
                            buckets=LATENCY_BUCKETS)

# The outbox worker.
outbox_pending = Gauge("feedserver_outbox_pending_jobs", "Pending outbox jobs by kind", ["kind"],
                       multiprocess_mode="livemostrecent")
outbox_oldest_due = Gauge("feedserver_outbox_oldest_due_seconds",
                          "Age of the oldest job that is due and not done (0: none)",
                          multiprocess_mode="livemostrecent")
outbox_jobs = Counter("feedserver_outbox_jobs", "Outbox jobs run, by kind and result "
                      "(done, failed, retry, lost)", ["kind", "result"])

# Wired by the features that own them (e-mail, view counting).
mail_sent = Counter("feedserver_mail_sent", "E-mail messages handed to the mail server")
mail_failed = Counter("feedserver_mail_failed", "E-mail messages that could not be sent")
views_written = Counter("feedserver_views_written", "View counts written to the database")
