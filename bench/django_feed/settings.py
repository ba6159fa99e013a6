"""A minimal Django project over feedserver's own tables: the syndication framework for comparison.

BENCH_DATABASE_URL is the same URL feedserver uses (sqlite:///path or postgresql://user@host/db).
"""
import os
from urllib.parse import urlparse

_url = urlparse(os.environ.get("BENCH_DATABASE_URL", "sqlite:///instance/feedserver.sqlite3"))
if _url.scheme == "sqlite":
    _database = {"ENGINE": "django.db.backends.sqlite3", "NAME": _url.path[1:]}
else:
    _database = {"ENGINE": "django.db.backends.postgresql", "NAME": _url.path.lstrip("/"),
                 "USER": _url.username or "", "PASSWORD": _url.password or "",
                 "HOST": _url.hostname or "", "PORT": str(_url.port or "")}
# Persistent connections, as a tuned deployment would run: the comparison is with Django at its best.
_database["CONN_MAX_AGE"] = 60

SECRET_KEY = "bench-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "django_feed.urls"
INSTALLED_APPS = ["django_feed"]
MIDDLEWARE = []
DATABASES = {"default": _database}
USE_TZ = True
TIME_ZONE = "Asia/Seoul"
LANGUAGE_CODE = "ko"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
