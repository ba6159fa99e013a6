"""The one module-level application, for gunicorn: `gunicorn wsgi:app`."""
from feedserver import create_app

app = create_app()
