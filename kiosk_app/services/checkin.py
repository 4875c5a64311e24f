"""Check-in and tickets, online through the API or, when the backend is unreachable, offline: the
identity was verified here (chip passive authentication or QR signature), the ticket gets a provisional
number from this kiosk's reserved range, and the outbox syncs it later."""

from __future__ import annotations

import base64
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime

from kiosk_app.flow import CheckinView, Coverage, Department, Identity, Message, TicketView
from kiosk_app.services.api import ApiClient, ApiRefused, ApiUnavailable
from kiosk_app.services.outbox import Outbox, RangeExhausted
from shared_schemas.clock import VIETNAM_TZ as VIETNAM
from shared_schemas.text import mask_name, mask_personal_id

log = logging.getLogger(__name__)

OFFLINE_INSURANCE = Message(
    "Chưa kiểm tra được thẻ BHYT (mất kết nối). Nhân viên sẽ kiểm tra khi gọi số.",
    "Insurance could not be checked (no connection). Staff will check it when they call you.",
)
OFFLINE_UNVERIFIED = Message(
    "Mất kết nối: ki-ốt chỉ nhận thẻ gắn chip hoặc mã QR của ứng dụng lúc này. Vui lòng đến quầy tiếp đón số 1.",
    "No connection: the kiosk accepts only the chip card or the app's QR right now. Please go to reception counter 1.",
)
REFUSED = {
    422: Message(
        "Thông tin không khớp với dữ liệu dân cư. Vui lòng đến quầy tiếp đón số 1.",
        "These details do not match the population registry. Please go to reception counter 1.",
    ),
    403: Message(
        "Từ 14 tuổi trở lên, vui lòng dùng thẻ căn cước gắn chip hoặc mã QR của ứng dụng.",
        "From 14 years of age, please use the chip ID card or the app's QR code.",
    ),
    409: Message(
        "Yêu cầu này không thực hiện được lúc này. Vui lòng thử lại hoặc đến quầy tiếp đón số 1.",
        "This cannot be done right now. Please try again or go to reception counter 1.",
    ),
}
GENERIC = Message(
    "Không thực hiện được. Vui lòng đến quầy tiếp đón số 1.",
    "This could not be completed. Please go to reception counter 1.",
)
RANGE_USED_UP = Message(
    "Ki-ốt đã hết số tạm. Vui lòng đến quầy tiếp đón số 1.",
    "This kiosk has no provisional numbers left. Please go to reception counter 1.",
)


class CheckinRefused(Exception):
    def __init__(self, message: Message) -> None:
        super().__init__(message.en)
        self.message = message


def _department(d: dict) -> Department:
    return Department(d["code"], d["name"], d["name_en"], d.get("location", ""), d.get("open_now", True))


class CheckinService:
    def __init__(
        self,
        api: ApiClient,
        outbox: Outbox,
        *,
        hospital_code: str,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.api, self.outbox, self.hospital_code, self.now = api, outbox, hospital_code, now
        self.online = True
        # Department codes the fleet configuration shows on this kiosk (empty: all of the hospital's).
        self.shown_departments: tuple[str, ...] = ()
        self._sync_lock = threading.Lock()  # the app's timer and a remote "flush outbox" may meet

    def _shown(self, departments: list[Department]) -> list[Department]:
        shown = self.shown_departments
        return [d for d in departments if d.code in shown] if shown else departments

    # --- reference data, cached for offline use -------------------------------------------------------
    def refresh(self) -> bool:
        """Fetch the kiosk profile, departments and JWKS into the cache; False when offline."""
        try:
            self.outbox.cache_put("profile", self.api.kiosk_profile())
            self.outbox.cache_put("departments", self.api.departments(self.hospital_code))
            try:
                self.outbox.cache_put("jwks", self.api.jwks())
            except ApiRefused:
                log.warning("the backend has no JWKS yet: the app's signed QR cannot be verified")
        except ApiUnavailable:
            self.online = False
            return False
        self.online = True
        return True

    def departments(self) -> list[Department]:
        return self._shown([_department(d) for d in self.outbox.cache_get("departments", [])])

    def jwks(self) -> dict:
        return self.outbox.cache_get("jwks", {"keys": []})

    def facility_name(self) -> str:
        return (self.outbox.cache_get("profile") or {}).get("hospital", {}).get("name", self.hospital_code)

    # --- check-in -------------------------------------------------------------------------------------
    def chip_challenge(self) -> tuple[str, bytes] | None:
        """A challenge from the backend for the chip to sign (proves the card genuine to the backend); None
        when offline (the read then proves its data only, and the check-in syncs at that level)."""
        try:
            body = self.api.chip_challenge()
            return body["challenge_id"], base64.b64decode(body["challenge"])
        except (ApiUnavailable, ApiRefused, KeyError, ValueError) as exc:
            log.info(
                "no chip challenge from the backend (%s): the read cannot prove the chip genuine", type(exc).__name__
            )
            return None

    @staticmethod
    def _payload(identity: Identity, identified_at: str) -> dict:
        """The identification as the backend verifies it: the evidence itself, not the kiosk's word."""
        proof = {"method": identity.method}
        if identity.method == "signed_qr":
            proof["identity_token"] = identity.identity_token
        else:
            proof.update(personal_id=identity.personal_id, date_of_birth=identity.date_of_birth)
        if identity.method == "chip":
            proof["chip"] = identity.chip_evidence
        if identity.method == "cccd_qr" and identity.full_name:
            proof["full_name"] = identity.full_name
        return {"identification": proof, "identified_at": identified_at}

    def check_in(self, identity: Identity) -> tuple[CheckinView, list[Department]]:
        key, identified_at = f"checkin-{uuid.uuid4().hex}", self.now().isoformat()
        try:
            body = self.api.check_in(self._payload(identity, identified_at), idempotency_key=key)
        except ApiRefused as exc:
            raise CheckinRefused(REFUSED.get(exc.status, GENERIC)) from exc
        except ApiUnavailable:
            self.online = False
            if not identity.verified_locally:
                raise CheckinRefused(OFFLINE_UNVERIFIED) from None
            return CheckinView(
                None,
                identity.full_name or "",
                mask_personal_id(identity.personal_id),
                OFFLINE_INSURANCE,
                None,
                offline=True,
                checkin_key=key,
                identified_at=identified_at,
            ), self.departments()
        self.online = True
        try:
            departments = [_department(d) for d in self.api.departments(self.hospital_code)]
            self.outbox.cache_put("departments", [asdict(d) for d in departments])
            departments = self._shown(departments)
        except (ApiUnavailable, ApiRefused):
            departments = self.departments()
        insurance = Message(body["insurance"]["message_vi"], body["insurance"]["message_en"])
        view = CheckinView(
            body["id"],
            body["patient"]["full_name"],
            body["patient"]["personal_id_masked"],
            insurance,
            body["insurance"]["coverage_percent"],
            checkin_key=key,
            identified_at=identified_at,
            trust_level=body.get("trust_level"),
            coverage=Coverage.from_wire(body["insurance"]),
        )
        return view, departments

    # --- tickets --------------------------------------------------------------------------------------
    def issue_ticket(
        self, identity: Identity, checkin: CheckinView, department: Department, payment: str | None = None
    ) -> TicketView:
        ticket_key = f"ticket-{uuid.uuid4().hex}"
        if checkin.checkin_id is not None:
            try:
                body = self.api.issue_ticket(
                    checkin.checkin_id,
                    department.code,
                    idempotency_key=ticket_key,
                    **({"payment": payment} if payment else {}),
                )
            except ApiRefused as exc:
                raise CheckinRefused(REFUSED.get(exc.status, GENERIC)) from exc
            except ApiUnavailable:
                self.online = False
                if not identity.verified_locally:
                    raise CheckinRefused(OFFLINE_UNVERIFIED) from None
            else:
                return TicketView(
                    body["id"],
                    body["number"],
                    department,
                    body["patient_name_masked"],
                    Message(body["insurance_message_vi"], body["insurance_message_en"]),
                    provisional=False,
                    existing=body["existing"],
                    waiting_ahead=body["waiting_ahead"],
                )
        return self._provisional(identity, checkin, department, ticket_key)

    def _provisional(
        self, identity: Identity, checkin: CheckinView, department: Department, ticket_key: str
    ) -> TicketView:
        """A number from this kiosk's block, and an outbox entry that replays the requests already tried
        (same idempotency keys, same bodies): if one of them reached the backend and only its answer was
        lost, the sync finds that check-in or ticket instead of making a second one, and the backend gives
        the patient's ticket the provisional number printed here."""
        profile = self.outbox.cache_get("profile")
        if not profile:
            raise CheckinRefused(RANGE_USED_UP)
        now = self.now()
        identified_at = checkin.identified_at or now.isoformat()
        try:
            entry = self.outbox.enqueue(
                checkin_payload=self._payload(identity, identified_at),
                department_code=department.code,
                service_date=datetime.fromisoformat(identified_at).astimezone(VIETNAM).date().isoformat(),
                created_at=now.isoformat(),
                number_range=(profile["provisional_range_start"], profile["provisional_range_end"]),
                checkin_key=checkin.checkin_key,
                checkin_id=checkin.checkin_id,
                ticket_key=ticket_key,
            )
        except RangeExhausted:
            raise CheckinRefused(RANGE_USED_UP) from None
        return TicketView(
            f"P-{entry.id[:12]}",
            entry.provisional_number,
            department,
            mask_name(identity.full_name or checkin.full_name),
            OFFLINE_INSURANCE,
            provisional=True,
        )

    def sync(self) -> int:
        with self._sync_lock:
            synced = self.outbox.sync(self.api)
        if synced:
            self.online = True
        return synced
