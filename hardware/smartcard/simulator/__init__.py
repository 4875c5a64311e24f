"""A software CCCD chip: enforces BAC or PACE (ECDH-GM, AES; announced in EF.CardAccess), speaks only secure
messaging afterwards, runs chip and active authentication, holds a demo citizen's LDS signed by a test PKI,
and can be told to misbehave, or to be a clone (CLONE_VARIANTS). Serve it in-process or on a vpcd socket."""

from hardware.smartcard.simulator.chip import ChipFaults, SimulatedChip
from hardware.smartcard.simulator.lds_factory import (
    CLONE_VARIANTS,
    DemoCitizen,
    TestPki,
    build_chip,
    build_test_pki,
    chip_ca_key,
)

__all__ = [
    "CLONE_VARIANTS",
    "ChipFaults",
    "DemoCitizen",
    "SimulatedChip",
    "TestPki",
    "build_chip",
    "build_test_pki",
    "chip_ca_key",
]
