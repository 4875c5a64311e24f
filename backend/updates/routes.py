"""Updates API: the TUF repository kiosks read (public: everything in it is signed), the signed update check of
a kiosk (its report in, its offer out), and the fleet admins' releases and rollouts."""

from __future__ import annotations

import functools
import re

from flask import Response, g, request
from flask.views import MethodView
from flask_smorest import Blueprint

from backend.core import clock
from backend.core.access import FLEET_ADMIN, access, current_principal, public
from backend.errors import NotFound, ValidationFailed
from backend.extensions import db
from backend.fleet.routes import device_signed
from backend.updates import service, tuf_repository
from backend.updates.settings import update_setting
from shared_schemas.updates import (
    ReleaseSchema,
    ReleaseUploadFileSchema,
    ReleaseUploadFormSchema,
    RolloutActionSchema,
    RolloutCreateSchema,
    RolloutSchema,
    UpdateCheckSchema,
    UpdateOfferSchema,
)

blp = Blueprint("updates", __name__, url_prefix="/fleet/updates", description="Kiosk software updates")

_METADATA_NAME = re.compile(r"^(?:(\d{1,9})\.)?(root|targets|snapshot|timestamp)\.json$")
_TARGET_NAME = re.compile(r"^([0-9a-f]{64})\.(kiosk_app-\d{1,4}\.\d{1,4}\.\d{1,6}\.tar\.gz)$")
MULTIPART = ("multipart/form-data",)


def present_release(release) -> dict:
    return {
        "id": release.id,
        "version": release.version,
        "target_name": release.target_name,
        "sha256": release.sha256,
        "length": release.length,
        "notes": release.notes,
        "created_at": release.created_at,
    }


def present_rollout(rollout) -> dict:
    progress = service.progress(db.session, rollout)
    return {
        "id": rollout.id,
        "release_id": rollout.release_id,
        "version": progress["release"].version,
        "state": rollout.state,
        "wave": rollout.wave,
        "canary_kiosk_ids": rollout.canary_kiosk_ids,
        "share_percent": rollout.share_percent,
        "outside_clinic_hours": rollout.outside_clinic_hours,
        "not_before": rollout.not_before,
        "halted_reason": rollout.halted_reason,
        "wave_members": progress["members"],
        "wave_states": progress["states"],
    }


# --- the TUF repository (kiosks) -------------------------------------------------------------------------
@blp.route("/tuf/<string:name>")
class TufMetadataFile(MethodView):
    @public
    def get(self, name):
        """TUF metadata: `N.root.json`, `timestamp.json`, `N.snapshot.json`, `N.targets.json` (signed JSON)"""
        match = _METADATA_NAME.fullmatch(name)
        if not match:
            raise NotFound("No such metadata file.")
        version, role = match.groups()
        if role == "timestamp" and version is None:
            tuf_repository.refresh(session=db.session, now=clock.now())
        row = tuf_repository.stored(db.session, role, int(version) if version else None)
        if row is None:
            raise NotFound("No such metadata file.")
        return Response(row.body, mimetype="application/json", headers={"Cache-Control": "no-store"})


@blp.route("/tuf/targets/<string:name>")
class TufTargetFile(MethodView):
    @public
    def get(self, name):
        """A release package, named `<sha256>.<target name>` (consistent snapshots)"""
        match = _TARGET_NAME.fullmatch(name)
        if not match:
            raise NotFound("No such release file.")
        release = service.release_by_target(db.session, match.group(2))
        if release.sha256 != match.group(1):
            raise NotFound("No such release file.")
        return Response(release.package, mimetype="application/gzip")


@blp.route("/device/check")
class UpdateCheck(MethodView):
    @device_signed
    @blp.arguments(UpdateCheckSchema)
    @blp.response(200, UpdateOfferSchema)
    def post(self, report):
        """The kiosk reports its version, slot and update state; the reply names the release to install, if any"""
        kiosk, now = g.fleet_kiosk, clock.now()
        service.record_report(session=db.session, kiosk=kiosk, report=report, now=now)
        offer = service.offer_for(session=db.session, kiosk=kiosk, running_version=report["running_version"], now=now)
        if offer is None:
            return {"rollout_id": None, "version": None, "target_name": None}
        rollout, release = offer
        return {"rollout_id": rollout.id, "version": release.version, "target_name": release.target_name}


# --- fleet admins ----------------------------------------------------------------------------------------
def capped_upload(view):
    """Raise the body limit for this route only (UPDATE_MAX_PACKAGE_BYTES plus room for the form)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        request.max_content_length = int(update_setting("UPDATE_MAX_PACKAGE_BYTES")) + 64 * 1024
        return view(*args, **kwargs)

    wrapper.accepts_content_types = MULTIPART
    return wrapper


@blp.route("/releases")
class Releases(MethodView):
    @access(FLEET_ADMIN)
    @blp.response(200, ReleaseSchema(many=True))
    def get(self):
        """Uploaded releases, newest first"""
        return [present_release(r) for r in service.list_releases(session=db.session, principal=current_principal())]

    @access(FLEET_ADMIN)
    @capped_upload
    @blp.arguments(ReleaseUploadFormSchema, location="form")
    @blp.arguments(ReleaseUploadFileSchema, location="files")
    @blp.response(201, ReleaseSchema)
    def post(self, form, files):
        """Upload a release (multipart: `version`, `notes`, `file` = kiosk_app tarball); it is signed at once"""
        upload = files["file"]
        if not hasattr(upload, "read"):
            raise ValidationFailed("Send the package as a file part.", errors={"file": ["not a file"]})
        release = service.upload_release(
            session=db.session,
            principal=current_principal(),
            version=form["version"],
            package=upload.read(int(update_setting("UPDATE_MAX_PACKAGE_BYTES")) + 1),
            notes=form["notes"],
            now=clock.now(),
        )
        return present_release(release)


@blp.route("/rollouts")
class Rollouts(MethodView):
    @access(FLEET_ADMIN)
    @blp.response(200, RolloutSchema(many=True))
    def get(self):
        """Rollouts with their wave and progress, newest first"""
        return [present_rollout(r) for r in service.list_rollouts(session=db.session, principal=current_principal())]

    @access(FLEET_ADMIN)
    @blp.arguments(RolloutCreateSchema)
    @blp.response(201, RolloutSchema)
    def post(self, data):
        """Start rolling a release out: the canaries first, then a share of each hospital, then every kiosk"""
        rollout = service.start_rollout(session=db.session, principal=current_principal(), now=clock.now(), **data)
        return present_rollout(rollout)


@blp.route("/rollouts/<int:rollout_id>")
class RolloutDetail(MethodView):
    @access(FLEET_ADMIN)
    @blp.response(200, RolloutSchema)
    def get(self, rollout_id):
        """One rollout"""
        return present_rollout(
            service.get_rollout(session=db.session, principal=current_principal(), rollout_id=rollout_id)
        )

    @access(FLEET_ADMIN)
    @blp.arguments(RolloutActionSchema)
    @blp.response(200, RolloutSchema)
    def post(self, data, rollout_id):
        """Emergency stop, resume a halted rollout, or advance to the next wave"""
        rollout = service.change_rollout(
            session=db.session,
            principal=current_principal(),
            rollout_id=rollout_id,
            action=data["action"],
            now=clock.now(),
        )
        return present_rollout(rollout)
