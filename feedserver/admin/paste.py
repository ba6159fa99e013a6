"""Pasting into the editor: the server cleans what the clipboard holds, the editor shows it.

Word and Hangul describe lists, bold and italics with styles that the browser editor would
throw away; the sanitiser reads them first. Cleaning on paste also means the editor shows
exactly what saving will store.
"""
from flask import Blueprint, current_app, jsonify, request

from feedserver.admin.images import json_login_required
from feedserver.content.sanitize import clean_body, text_to_html

bp = Blueprint("admin_paste", __name__, url_prefix="/admin")


@bp.post("/paste")
@json_login_required
def clean():
    """Answer the cleaned HTML of pasted text/html, or of plain text as paragraphs."""
    html, text = request.form.get("html", ""), request.form.get("text", "")
    raw = html if html.strip() else text
    limit = current_app.config.get("MAX_BODY_BYTES", 1024 * 1024)
    if len(raw.encode("utf-8", "surrogatepass")) > 4 * limit:
        return jsonify({"error": "붙여 넣은 내용이 너무 큽니다."}), 413
    # Copied plain text is text even where it looks like a tag (<도민 안전>): lines, escaped.
    cleaned = clean_body(html) if html.strip() else clean_body(text_to_html(text))
    return jsonify({"html": cleaned})
