"""Calls staff to the kiosk through the backend (POST /api/v1/health/help-requests): the screen, what went
wrong and the message the patient saw, never who the patient is. Answers True when the call reached the
hospital (the kiosk then says help is coming), False when it did not (it says where to go instead)."""

from __future__ import annotations

import logging

from kiosk_app.services.api import ApiRefused, ApiUnavailable

log = logging.getLogger(__name__)


class HelpDesk:
    def __init__(self, api) -> None:
        self.api = api

    def call(self, *, screen: str, reason: str, detail: str | None, language: str, assisted: bool) -> bool:
        body = {"screen": screen, "reason": reason, "language": language, "assisted": assisted}
        if detail:
            body["detail"] = detail[:200]
        try:
            self.api.request_help(body)
        except (ApiUnavailable, ApiRefused) as exc:
            log.warning("the call for staff did not reach the hospital: %s", exc)
            return False
        return True
