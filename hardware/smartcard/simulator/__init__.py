"""A software CCCD chip: enforces BAC or PACE (ECDH-GM, AES; announced in EF.CardAccess), speaks only secure
messaging afterwards, holds a demo citizen's LDS signed by a test PKI, and can be told to misbehave.
Serve it in-process or on a vpcd socket."""

from hardware.smartcard.simulator.chip import ChipFaults, SimulatedChip
from hardware.smartcard.simulator.lds_factory import DemoCitizen, TestPki, build_chip, build_test_pki

__all__ = ["ChipFaults", "DemoCitizen", "SimulatedChip", "TestPki", "build_chip", "build_test_pki"]
