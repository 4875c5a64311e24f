"""Transports: the one primitive ``transmit(command bytes) -> response bytes``, over PC/SC (pyscard)
or straight into a software chip. Errors of the link become typed errors here."""

from __future__ import annotations

import abc
import logging
import time
from typing import Callable, Protocol

from hardware.smartcard.errors import CardRemoved, NoCard, NoReader, TransportError

log = logging.getLogger(__name__)

#: PC/SC results meaning the card is gone: SCARD_W_REMOVED_CARD, SCARD_E_NO_SMARTCARD, SCARD_W_RESET_CARD,
#: SCARD_W_UNPOWERED_CARD, SCARD_E_READER_UNAVAILABLE.
_CARD_GONE = {0x80100069, 0x8010000C, 0x80100068, 0x80100067, 0x80100017}


class Transport(abc.ABC):
    """A connection to one card. Counts what crosses it so a caller can report APDUs, bytes and time."""

    def __init__(self) -> None:
        self.apdu_count = 0
        self.bytes_sent = 0
        self.bytes_received = 0
        self.transmit_seconds = 0.0
        self.transmit_cpu_seconds = 0.0  # CPU of the calling thread inside transmit (an in-process chip)

    @property
    @abc.abstractmethod
    def atr(self) -> bytes:
        """The card's answer to reset (a contactless reader makes up a pseudo-ATR)."""

    @property
    def name(self) -> str:
        return type(self).__name__

    def transmit(self, command: bytes) -> bytes:
        started, started_cpu = time.perf_counter(), time.thread_time()
        try:
            response = self._transmit(command)
        finally:
            self.transmit_seconds += time.perf_counter() - started
            self.transmit_cpu_seconds += time.thread_time() - started_cpu
        self.apdu_count += 1
        self.bytes_sent += len(command)
        self.bytes_received += len(response)
        return response

    @abc.abstractmethod
    def _transmit(self, command: bytes) -> bytes: ...

    def close(self) -> None:  # noqa: B027 - most transports have nothing to release
        """Release the card; idempotent."""

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class ApduHandler(Protocol):
    """Anything that answers command APDUs: the simulator's chip."""

    atr: bytes

    def process(self, command: bytes) -> bytes: ...

    def reset(self) -> None: ...


class SimulatedTransport(Transport):
    """Hands each command straight to an in-process software chip. ``present`` lets a test take the
    card away; a chip may also raise CardRemoved itself (a fault it was told to produce)."""

    def __init__(self, chip: ApduHandler) -> None:
        super().__init__()
        self.chip = chip
        self.present = True
        chip.reset()

    @property
    def atr(self) -> bytes:
        return self.chip.atr

    def _transmit(self, command: bytes) -> bytes:
        if not self.present:
            raise CardRemoved("the simulated card was removed")
        return self.chip.process(bytes(command))


class PcscTransport(Transport):
    """A card on a PC/SC reader through pyscard. pyscard is imported here only, so the rest of the
    stack (and the simulator) works where it is not installed."""

    def __init__(self, reader_name: str | None = None, *, connect: Callable | None = None) -> None:
        super().__init__()
        self._connection = None
        self._reader_label = ""
        self._connection, self._reader_label = _connect(reader_name) if connect is None else connect(reader_name)

    @property
    def name(self) -> str:
        return f"PC/SC {self._reader_label}"

    @property
    def atr(self) -> bytes:
        return bytes(self._connection.getATR())

    def _transmit(self, command: bytes) -> bytes:
        from smartcard.Exceptions import CardConnectionException

        if self._connection is None:
            raise TransportError("the card connection is closed")
        try:
            data, sw1, sw2 = self._connection.transmit(list(command))
        except CardConnectionException as exc:
            hresult = (getattr(exc, "hresult", 0) or 0) & 0xFFFFFFFF
            if hresult in _CARD_GONE or not self._card_present():
                raise CardRemoved(f"card left reader {self._reader_label}") from exc
            raise TransportError(f"reader {self._reader_label} failed: {exc}") from exc
        return bytes(data) + bytes([sw1, sw2])

    def _card_present(self, wait: float = 1.5) -> bool:
        """After a failed exchange: did the card leave? pcscd notices a removal at its next poll,
        so watch the reader state for a moment before calling it a reader fault."""
        from smartcard import scard

        component = getattr(self._connection, "component", self._connection)
        context = getattr(component, "hcontext", None)
        if context is None:
            return True
        deadline = time.monotonic() + wait
        while True:
            hresult, states = scard.SCardGetStatusChange(context, 0, [(self._reader_label, scard.SCARD_STATE_UNAWARE)])
            if hresult == scard.SCARD_S_SUCCESS and states and states[0][1] & scard.SCARD_STATE_EMPTY:
                return False
            if hresult != scard.SCARD_S_SUCCESS and hresult & 0xFFFFFFFF in _CARD_GONE:
                return False
            if time.monotonic() >= deadline:
                return True
            time.sleep(0.05)

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            _release(connection)


def _release(connection) -> None:
    """Disconnect and free the PC/SC context now, not in pyscard's __del__ (which may run once pcscd
    is gone)."""
    component = getattr(connection, "component", connection)
    for step in (connection.disconnect, getattr(component, "release", None)):
        if step is None:
            continue
        try:
            step()
        except Exception:
            log.debug("releasing the PC/SC connection failed", exc_info=True)


def list_readers() -> list[str]:
    """Names of the PC/SC readers. NoReader if pyscard is missing or the PC/SC service is not running."""
    try:
        from smartcard.Exceptions import SmartcardException
        from smartcard.pcsc.PCSCExceptions import BaseSCardException
        from smartcard.System import readers
    except ImportError as exc:
        raise NoReader("pyscard is not installed (pip install congdan[pcsc])") from exc
    try:
        return [str(reader) for reader in readers()]
    except (BaseSCardException, SmartcardException) as exc:
        raise NoReader(f"the PC/SC service (pcscd) is not available: {exc}") from exc


def _connect(reader_name: str | None):
    """Connect to the first reader whose name contains ``reader_name`` and that holds a card."""
    from smartcard.Exceptions import CardConnectionException, NoCardException
    from smartcard.System import readers

    names = list_readers()
    matching = [r for r in readers() if reader_name is None or reader_name.lower() in str(r).lower()]
    if not matching:
        wanted = f" matching {reader_name!r}" if reader_name else ""
        raise NoReader(f"no PC/SC reader{wanted}; readers: {names or 'none'}")
    for reader in matching:
        connection = reader.createConnection()
        try:
            connection.connect()
        except (NoCardException, CardConnectionException):
            log.debug("no card on %s", reader)
            _release(connection)
            continue
        log.info("connected to card on %s", reader)
        return connection, str(reader)
    raise NoCard(f"no card on {', '.join(str(r) for r in matching)}")
