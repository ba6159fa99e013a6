"""WSGI entry point for gunicorn: `gunicorn django_feed.wsgi:application` from bench/."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_feed.settings")
application = get_wsgi_application()
