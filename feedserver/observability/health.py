"""/healthz (the process answers) and /readyz (it can serve: database, schema, attachment folder).

Both are cheap enough to poll every second: /healthz touches nothing, /readyz runs one query
(the names of the applied migrations, which also proves the database answers) and one access()
call. Neither is cached (no-store, and no cache of ours keys them) nor rate-limited (their
blueprint is in no Flask-Limiter bucket).
"""
import os
from contextlib import suppress
from functools import cache
from pathlib import Path

from flask import Blueprint, current_app, jsonify
from playhouse.migrations import Migration

from feedserver.db import database
from feedserver.migrate import MIGRATIONS_DIR

bp = Blueprint("health", __name__)
HISTORY_TABLE = "schema_migration"  # playhouse.migrations.Runner's default


@bp.route("/healthz")
def healthz():
    """Say the process is alive; nothing else is asked."""
    return _answer(200, {"status": "ok"})


@bp.route("/readyz")
def readyz():
    """Say whether this instance can serve: 503 with the first reason it cannot."""
    reason = _database_reason() or _attachments_reason()
    if reason:
        return _answer(503, {"status": "unavailable", "reason": reason})
    return _answer(200, {"status": "ready"})


def _answer(status, payload):
    response = jsonify(payload)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@cache
def expected_migrations():
    """Return the names of the migrations this code ships (they cannot change while it runs)."""
    return frozenset(m.name for m in Migration.load_directory(str(MIGRATIONS_DIR)))


def _database_reason():
    try:
        applied = {name for (name,) in database.execute_sql(f"SELECT name FROM {HISTORY_TABLE}")}
    except Exception:  # noqa: BLE001 - down, or the history table missing: find out which
        return _after_failure()
    missing = expected_migrations() - applied
    return f"migrations pending: {len(missing)}" if missing else None


def _after_failure():
    """Tell a dead database from a missing schema, dropping connections a restart broke."""
    _drop_connection()
    try:
        database.execute_sql("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure: the database cannot serve
        _drop_connection()
        return "database unreachable"
    return "migrations not applied"


def _drop_connection():
    """Close this thread's connection for good, and a pool's idle ones: a restart broke them too."""
    obj = database.obj
    with suppress(Exception):  # closing a dead connection may fail as well
        if hasattr(obj, "manual_close"):
            obj.manual_close()
            obj.close_idle()
        else:
            obj.close()


def _attachments_reason():
    folder = Path(current_app.config.get("ATTACHMENT_DIR") or Path(current_app.instance_path,
                                                                   "attachments"))
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        return "attachment folder not writable"
    return None
