"""Push delivery: the adapter interface a real push service implements, and the logging implementation
used until one is plugged in (config NOTIFICATION_PUSH_ADAPTER names a class "module:Class")."""

from __future__ import annotations

import abc
import importlib
import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)


class PushDeliveryError(Exception):
    """The push service refused or could not be reached; the outbox retries later."""


@dataclass(frozen=True)
class PushMessage:
    outbox_id: int
    citizen_id: int
    kind: str
    title: str
    body: str
    ref: str | None


class PushAdapter(abc.ABC):
    @abc.abstractmethod
    def send(self, message: PushMessage) -> None:
        """Deliver one message or raise PushDeliveryError. Must be safe to call again for the same
        outbox_id (delivery is at least once)."""


class LoggingPushAdapter(PushAdapter):
    """Writes each push to the log: development, tests, and deployments without a push service."""

    def send(self, message: PushMessage) -> None:
        log.info("push %s to citizen #%s: %s", message.kind, message.citizen_id, message.title)


def adapter_from_config(config: dict) -> PushAdapter:
    name = config.get("NOTIFICATION_PUSH_ADAPTER")
    if not name:
        return LoggingPushAdapter()
    module_name, _, class_name = name.partition(":")
    return getattr(importlib.import_module(module_name), class_name)()
