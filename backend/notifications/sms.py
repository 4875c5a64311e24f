"""SMS delivery for one-time codes: the adapter interface a real SMS gateway implements, and the logging
implementation used until one is plugged in (config SMS_ADAPTER names a class "module:Class").

Codes are never stored in clear, so there is no SMS outbox: a message is handed to the adapter after the
HTTP response has gone out (the response's time then says nothing about whether a message was sent)."""

from __future__ import annotations

import abc
import importlib
import logging
from dataclasses import dataclass

from flask import Flask, current_app

log = logging.getLogger(__name__)
_EXTENSION = "congdan.sms"


class SmsDeliveryError(Exception):
    """The gateway refused or could not be reached."""


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    text: str

    def __repr__(self) -> str:
        return f"SmsMessage(phone={mask_phone(self.phone)!r}, <text withheld>)"


def mask_phone(phone: str) -> str:
    return phone[:3] + "*" * max(len(phone) - 5, 0) + phone[-2:]


class SmsAdapter(abc.ABC):
    @abc.abstractmethod
    def send(self, message: SmsMessage) -> None:
        """Deliver one message or raise SmsDeliveryError."""


class LoggingSmsAdapter(SmsAdapter):
    """Writes each SMS to the log: development and the demo (the code is read from the server log). In
    production the text is withheld, so a forgotten adapter does not put live codes in the log."""

    def __init__(self, show_text: bool = True) -> None:
        self.show_text = show_text

    def send(self, message: SmsMessage) -> None:
        text = message.text if self.show_text else "<withheld: configure SMS_ADAPTER>"
        log.warning("SMS to %s: %s", mask_phone(message.phone), text)


def adapter(app: Flask | None = None) -> SmsAdapter:
    app = app or current_app
    if _EXTENSION not in app.extensions:
        name = app.config.get("SMS_ADAPTER")
        if name:
            module_name, _, class_name = name.partition(":")
            app.extensions[_EXTENSION] = getattr(importlib.import_module(module_name), class_name)()
        else:
            app.extensions[_EXTENSION] = LoggingSmsAdapter(show_text=app.config.get("ENV_NAME") != "production")
    return app.extensions[_EXTENSION]


def send_after_response(response, message: SmsMessage):
    """Deliver `message` once `response` has been sent; returns the response."""
    app = current_app._get_current_object()

    def deliver() -> None:
        try:
            adapter(app).send(message)
        except SmsDeliveryError as exc:
            log.warning("SMS to %s not delivered: %s", mask_phone(message.phone), exc)

    response.call_on_close(deliver)
    return response
