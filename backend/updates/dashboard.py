"""The fleet dashboard's software page (/fleet/updates): releases, rollouts with their wave, progress and
health, each kiosk's version, the audit trail; upload, start, stop, resume, advance. Signed in through the
one console session (backend/auth/console.py)."""

from __future__ import annotations

import functools

from flask import Blueprint, abort, redirect, render_template, request, url_for

from backend.auth.console import CONSOLE
from backend.core import clock
from backend.errors import DomainError
from backend.extensions import db
from backend.fleet.dashboard import signed_in
from backend.updates import events, service
from backend.updates.settings import update_setting

bp = Blueprint("updates_dashboard", __name__, url_prefix="/fleet/updates", template_folder="templates")


def _page(**context):
    return render_template("updates/software.html", principal=CONSOLE.principal(), **context)


def _overview(error: str | None = None, status: int = 200):
    session, principal = db.session, CONSOLE.principal()
    rollouts = [
        (r, service.progress(session, r)) for r in service.list_rollouts(session=session, principal=principal)[:10]
    ]
    page = _page(
        releases=service.list_releases(session=session, principal=principal),
        rollouts=rollouts,
        kiosks=service.kiosk_versions(session=session, principal=principal),
        trail=events.recent(session, limit=40),
        error=error,
    )
    return page, status


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    return render_template(
        "fleet/error.html", principal=CONSOLE.principal(), status=error.status, detail=error.detail
    ), error.status


@bp.route("/")
@signed_in
def software():
    return _overview()


def _multipart_capped(view):
    """The upload form is multipart; its body is bounded by the package cap before the form is parsed."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        request.max_content_length = int(update_setting("UPDATE_MAX_PACKAGE_BYTES")) + 64 * 1024
        return view(*args, **kwargs)

    wrapper.accepts_content_types = ("multipart/form-data",)
    return wrapper


@bp.route("/releases", methods=["POST"])
@_multipart_capped
@signed_in
def upload_release():
    upload = request.files.get("file")
    if upload is None:
        abort(400, "Chọn tệp gói phần mềm. / Choose a package file.")
    service.upload_release(
        session=db.session,
        principal=CONSOLE.principal(),
        version=(request.form.get("version") or "").strip()[:32],
        package=upload.read(int(update_setting("UPDATE_MAX_PACKAGE_BYTES")) + 1),
        notes=(request.form.get("notes") or "")[:500],
        now=clock.now(),
    )
    return redirect(url_for("updates_dashboard.software"), 303)


@bp.route("/rollouts", methods=["POST"])
@signed_in
def start_rollout():
    try:
        release_id = int(request.form.get("release_id") or 0)
        share = max(1, min(100, int(request.form.get("share_percent") or 20)))
    except ValueError:
        abort(400, "Chỉ nhập số. / Numbers only, please.")
    canaries = [k.strip().upper() for k in (request.form.get("canaries") or "").split(",") if k.strip()][:50]
    service.start_rollout(
        session=db.session,
        principal=CONSOLE.principal(),
        release_id=release_id,
        canary_kiosk_ids=canaries,
        share_percent=share,
        outside_clinic_hours=not request.form.get("during_clinic_hours"),
        not_before=None,
        now=clock.now(),
    )
    return redirect(url_for("updates_dashboard.software"), 303)


@bp.route("/rollouts/<int:rollout_id>", methods=["POST"])
@signed_in
def change_rollout(rollout_id: int):
    action = request.form.get("action", "")
    if action not in ("stop", "resume", "advance"):
        abort(400, "Thao tác không hợp lệ. / Unknown action.")
    service.change_rollout(
        session=db.session, principal=CONSOLE.principal(), rollout_id=rollout_id, action=action, now=clock.now()
    )
    return redirect(url_for("updates_dashboard.software"), 303)
