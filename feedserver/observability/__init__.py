"""What operators watch: health and readiness, Prometheus metrics, request logs.

metrics.py defines every metric object and imports nothing of ours, so any layer may count
with it (a line each); the rest is the outer edge: the request observer (WSGI), the log
setup, the /healthz, /readyz and /metrics views.
"""
