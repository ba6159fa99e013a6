"""Readable Korean error pages, JSON errors for the API; never a stack trace."""
import errno

from flask import jsonify, make_response, render_template, request
from peewee import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from feedserver.db import database

TITLES = {
    400: "잘못된 요청입니다", 401: "로그인이 필요합니다", 403: "권한이 없습니다",
    404: "페이지를 찾을 수 없습니다", 405: "허용되지 않은 요청 방식입니다",
    409: "요청이 충돌합니다", 410: "삭제되었거나 철회된 페이지입니다",
    413: "요청이 너무 큽니다", 415: "지원하지 않는 형식입니다",
    429: "요청이 너무 많습니다", 500: "서버 오류가 발생했습니다",
    503: "잠시 후 다시 시도해 주세요", 507: "저장 공간이 부족합니다",
}


def wants_json():
    """Tell whether the client should get a JSON error body."""
    return request.path.startswith("/api/")


def render_error(error):
    """Render an HTTPException as a Korean page or a JSON document."""
    code = error.code or 500
    title = TITLES.get(code, "오류가 발생했습니다")
    message = error.description if _is_custom(error) else title
    if wants_json():
        response = jsonify(error={"status": code, "message": message,
                                  "fields": getattr(error, "fields", {}) or {}})
    else:
        # Staff stay inside the admin: its errors (a 403 above all) lead back to the admin.
        # A server error keeps the plain page, which asks nothing of a database that may be down.
        page = "admin/error.html" if _in_admin() and code < 500 else "error.html"
        response = render_template(page, code=code, title=title, message=message)
    return _finish(response, code, error)


def _in_admin():
    return request.path == "/admin" or request.path.startswith("/admin/")


def _finish(response, code, error):
    response = make_response(response, code)
    for key, value in (getattr(error, "headers", None) or {}).items():
        response.headers[key] = value
    if code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _reset_connection():
    """Drop the broken connection so the next request opens a fresh one."""
    try:
        database.close()
    except Exception:  # noqa: BLE001 - the connection is already gone
        pass


def _is_custom(error):
    return type(error).description != error.description


class DatabaseUnavailable(HTTPException):
    code = 503
    description = "데이터베이스에 잠시 연결할 수 없습니다. 잠시 후 다시 시도해 주세요."


class InsufficientStorage(HTTPException):
    code = 507
    description = "파일을 저장할 수 없습니다."


def init_app(app):
    """Register the handlers."""
    app.register_error_handler(HTTPException, render_error)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_down(error):
        # A lost or locked database is an outage, not a bug: say when to retry.
        app.logger.warning("database unavailable: %s", error)
        _reset_connection()
        unavailable = DatabaseUnavailable()
        unavailable.headers = {"Retry-After": "5"}
        return render_error(unavailable)

    @app.errorhandler(OSError)
    def _storage_failed(error):
        # A full or read-only disk while storing an upload: say so, do not look like a bug.
        if error.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM):
            return _unexpected(error)
        app.logger.error("storage unavailable: %s", error)
        full = InsufficientStorage("파일을 저장할 수 없습니다(저장 공간 부족 또는 읽기 전용). "
                                   "관리자에게 알려 주세요.")
        return render_error(full)

    @app.errorhandler(Exception)
    def _unexpected(error):
        app.logger.exception("unhandled error")
        return render_error(InternalServerError())
