"""Admin e-mail pages: 기자 명단 (approvers and admins), /admin/mail and 개인정보 (admins).

The press list holds journalists' personal data, so editors do not see it; erasing an
address and the delivery log are the admin's.
"""
import json
from functools import wraps

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from feedserver.admin.accounts import actor, admin_required, login_required
from feedserver.mail import addresses, press, recipients, status
from feedserver.models import Category, PressContact, PressContactBoard, Release
from feedserver.publishing import audit

bp = Blueprint("admin_mail", __name__, url_prefix="/admin")
MAX_CSV_BYTES = 2 * 1024 * 1024


def approver_required(view):
    """Approvers and admins; editors get a 403 (the list is personal data)."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not g.user.is_approver:
            abort(403, description="승인자와 관리자만 기자 명단을 볼 수 있습니다.")
        return view(*args, **kwargs)
    return login_required(wrapper)


def _form_values(form):
    boards = [int(v) for v in form.getlist("board")[:200] if v.isdigit() and len(v) < 10]
    return {"name": form.get("name", ""), "outlet": form.get("outlet", ""),
            "address": form.get("address", ""), "boards": boards}


def _press_page(values=None, error=None, status_code=200):
    return render_template("admin/press.html", rows=press.listing(), categories=list(Category.ordered()),
                           values=values or {}, error=error), status_code


@bp.get("/press")
@approver_required
def press_list():
    """기자 명단: everyone on it, their boards, and a form to add one."""
    return _press_page()


@bp.post("/press")
@approver_required
def create_contact():
    values = _form_values(request.form)
    try:
        press.store(values, actor())
    except press.PressError as error:
        return _press_page(values, str(error), 422)
    flash("기자 명단에 추가했습니다.", "success")
    return redirect(url_for("admin_mail.press_list"))


@bp.route("/press/<int(max=2147483647):contact_id>", methods=["GET", "POST"])
@approver_required
def edit_contact(contact_id):
    contact = PressContact.get_or_none(PressContact.id == contact_id) or abort(404)
    if request.method == "GET":
        boards = [b.category_id for b in PressContactBoard.select().where(PressContactBoard.contact == contact.id)]
        values = {"name": contact.name, "outlet": contact.outlet, "address": contact.address.address,
                  "boards": boards}
        return render_template("admin/press_contact.html", contact=contact, values=values,
                               categories=list(Category.ordered()), error=None)
    values = _form_values(request.form)
    try:
        press.store(values, actor(), contact)
    except press.PressError as error:
        return render_template("admin/press_contact.html", contact=contact, values=values,
                               categories=list(Category.ordered()), error=str(error)), 422
    flash("고친 내용을 저장했습니다.", "success")
    return redirect(url_for("admin_mail.press_list"))


@bp.post("/press/<int(max=2147483647):contact_id>/delete")
@approver_required
def delete_contact(contact_id):
    contact = PressContact.get_or_none(PressContact.id == contact_id) or abort(404)
    press.delete(contact, actor())
    flash("기자 명단에서 뺐습니다.", "success")
    return redirect(url_for("admin_mail.press_list"))


@bp.route("/press/import", methods=["GET", "POST"])
@approver_required
def import_contacts():
    """Add or update contacts from a CSV file; refused rows are listed with their line numbers."""
    if request.method == "GET":
        return render_template("admin/press_import.html", result=None)
    upload = request.files.get("file")
    data = upload.read(MAX_CSV_BYTES + 1) if upload else b""
    if not data or len(data) > MAX_CSV_BYTES:
        return render_template("admin/press_import.html", result=None,
                               error="2MB 이하의 CSV 파일을 골라 주세요."), 422
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp949")  # Excel on Korean Windows saves CSV as CP949
        except UnicodeDecodeError:
            return render_template("admin/press_import.html", result=None,
                                   error="UTF-8이나 CP949(EUC-KR)로 저장한 CSV 파일이어야 합니다."), 422
    saved, errors = press.import_csv(text, actor())
    audit.record(actor(), "press_import", "press_contact:*", f"저장 {saved}건, 오류 {len(errors)}건")
    return render_template("admin/press_import.html", result={"saved": saved, "errors": errors}), \
        (422 if errors and not saved else 200)


@bp.get("/mail")
@admin_required
def mail_status():
    """The mail queue, recent sends, failures, and withdrawal notices to send on request."""
    return render_template("admin/mail.html", **status.overview())


@bp.post("/mail/withdrawn/<public_id>")
@admin_required
def withdrawal_notice(public_id):
    release = Release.by_public_id(public_id[:16]) or abort(404)
    if release.status != "withdrawn":
        abort(400, description="철회된 보도자료만 철회 알림을 보낼 수 있습니다.")
    sent = status.send_withdrawal_notice(release, actor())
    flash(f"철회 알림을 {sent}명에게 보내도록 넣었습니다.", "success")
    return redirect(url_for("admin_mail.mail_status"))


@bp.get("/privacy")
@admin_required
def privacy():
    """개인정보: find an address, then export or erase everything about it."""
    query = request.args.get("address", "")[:254]
    row = addresses.find(query) if query else None
    return render_template("admin/privacy.html", query=query, row=row,
                           data=addresses.export(row) if row else None)


@bp.post("/privacy/export")
@admin_required
def privacy_export():
    row = addresses.find(request.form.get("address", "")) or abort(404)
    audit.record(actor(), "mail_address_export", f"mail_address:{row.id}", "")
    body = json.dumps(addresses.export(row), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="mail-address-{row.id}.json"'})


@bp.post("/privacy/erase")
@admin_required
def privacy_erase():
    row = addresses.find(request.form.get("address", "")) or abort(404)
    addresses.erase(row)
    # The log keeps that an address was erased and by whom, never the address.
    audit.record(actor(), "mail_address_erase", f"mail_address:{row.id}", "")
    flash("주소와 그 주소에 관한 기록을 모두 지웠습니다.", "success")
    return redirect(url_for("admin_mail.privacy"))


def init_app(app):
    """Offer the release editor who a release on each board would reach."""
    app.jinja_env.globals["mail_audience"] = recipients.audience_by_board
