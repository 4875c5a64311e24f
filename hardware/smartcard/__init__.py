"""Chip-card (CCCD / eMRTD) reading: transports, secure messaging, BAC, LDS parsing, passive and active
authentication, and a software chip to test against.

    transport = open_transport("pcsc")           # or "pcsc:<reader name part>", "simulator"
    result = read_card(transport, access_key, trust_store=TrustStore.from_directory(path))
"""

from __future__ import annotations

from hardware.smartcard.errors import (
    AccessDenied,
    CardRemoved,
    DocumentExpired,
    HashMismatch,
    MalformedData,
    NoCard,
    NoReader,
    SecureMessagingError,
    SmartcardError,
    UntrustedSigner,
)
from hardware.smartcard.mrz import AccessKey, access_keys_from_qr, parse_mrz
from hardware.smartcard.passive_auth import PassiveAuthResult, TrustStore
from hardware.smartcard.reader import CardReadResult, EmrtdReader, read_card
from hardware.smartcard.transport import PcscTransport, SimulatedTransport, Transport, list_readers


def open_transport(spec: str) -> Transport:
    """``"pcsc"``: the first reader holding a card; ``"pcsc:<part of the reader name>"``; ``"simulator"``:
    an in-process software chip holding the demo citizen (see hardware.smartcard.simulator)."""
    kind, _, argument = spec.partition(":")
    if kind == "pcsc":
        return PcscTransport(argument or None)
    if kind == "simulator":
        from hardware.smartcard.simulator import build_chip

        return SimulatedTransport(build_chip())
    raise ValueError(f"unknown card transport {spec!r}: use 'pcsc', 'pcsc:<reader>' or 'simulator'")


__all__ = [
    "AccessDenied",
    "AccessKey",
    "CardReadResult",
    "CardRemoved",
    "DocumentExpired",
    "EmrtdReader",
    "HashMismatch",
    "MalformedData",
    "NoCard",
    "NoReader",
    "PassiveAuthResult",
    "PcscTransport",
    "SecureMessagingError",
    "SimulatedTransport",
    "SmartcardError",
    "Transport",
    "TrustStore",
    "UntrustedSigner",
    "access_keys_from_qr",
    "list_readers",
    "open_transport",
    "parse_mrz",
    "read_card",
]
