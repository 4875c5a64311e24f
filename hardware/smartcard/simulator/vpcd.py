"""Serve a software chip through Debian's vsmartcard-vpcd virtual reader, so the real pyscard / pcscd
path can be driven end to end. The card side connects to the driver's port; every message both ways
is a 2-byte big-endian length and its bytes; a 1-byte message from the reader is a control code."""

from __future__ import annotations

import argparse
import logging
import socket
import struct
import threading
from pathlib import Path
from typing import Callable

from hardware.smartcard.errors import CardRemoved

log = logging.getLogger(__name__)

DEFAULT_PORT = 35963
_POWER_OFF, _POWER_ON, _RESET, _ATR = 0, 1, 2, 4


class VpcdCardServer:
    """Keeps a chip "in" the virtual reader from a background thread until ``stop()``.
    ``remove_card()`` / ``insert_card()`` take it out of the field and back."""

    def __init__(
        self, chip_factory: Callable[[], object], *, host: str = "127.0.0.1", port: int = DEFAULT_PORT
    ) -> None:
        self.chip_factory = chip_factory
        self.chip = chip_factory()
        self.host, self.port = host, port
        self._stop = threading.Event()
        self._present = threading.Event()
        self._present.set()
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="vpcd-card", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._present.set()
        self._close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def remove_card(self) -> None:
        self._present.clear()
        self._close()

    def insert_card(self, chip: object | None = None) -> None:
        with self._lock:
            self.chip = chip if chip is not None else self.chip_factory()
        self._present.set()

    def _close(self) -> None:
        sock, self._socket = self._socket, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._present.wait()
            if self._stop.is_set():
                break
            try:
                sock = socket.create_connection((self.host, self.port), timeout=1.0)
            except OSError:
                self._stop.wait(0.1)  # the driver is not listening yet (pcscd still starting)
                continue
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._socket = sock
            log.debug("vpcd: card inserted on %s:%d", self.host, self.port)
            try:
                self._serve(sock)
            except (OSError, ConnectionError):
                pass
            finally:
                self._close()

    def _serve(self, sock: socket.socket) -> None:
        while not self._stop.is_set() and self._present.is_set():
            _quickack(sock)
            message = _receive(sock)
            if message is None:
                return
            with self._lock:
                chip = self.chip
            if len(message) == 1:
                code = message[0]
                if code in (_POWER_ON, _RESET, _POWER_OFF):
                    chip.reset()
                elif code == _ATR:
                    _send(sock, chip.atr)
                continue
            try:
                response = chip.process(message)
            except CardRemoved:
                log.debug("vpcd: the chip left the field")
                self._present.clear()
                return
            _send(sock, response)


def _quickack(sock: socket.socket) -> None:
    # Delayed ACKs otherwise stall every APDU by ~40 ms; Linux re-arms them, so set before each receive.
    quickack = getattr(socket, "TCP_QUICKACK", None)
    if quickack is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)
        except OSError:
            pass


def _receive_exact(sock: socket.socket, size: int) -> bytes | None:
    buffer = bytearray()
    while len(buffer) < size:
        chunk = sock.recv(size - len(buffer))
        if not chunk:
            return None
        buffer += chunk
    return bytes(buffer)


def _receive(sock: socket.socket) -> bytes | None:
    header = _receive_exact(sock, 2)
    if header is None:
        return None
    (length,) = struct.unpack(">H", header)
    return _receive_exact(sock, length) if length else b""


def _send(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(struct.pack(">H", len(payload)) + payload)


def main(argv: list[str] | None = None) -> None:
    """Serve the demo citizen's card until interrupted; writes the test CSCA so a reader can verify it."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from hardware.smartcard.simulator.lds_factory import DemoCitizen, build_chip, build_test_pki

    parser = argparse.ArgumentParser(description="Serve a simulated CCCD chip on the vpcd virtual reader")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--trust-store-out", type=Path, help="folder to write the test CSCA certificate into")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    pki = build_test_pki()
    citizen = DemoCitizen()
    if args.trust_store_out:
        args.trust_store_out.mkdir(parents=True, exist_ok=True)
        (args.trust_store_out / "test-csca.pem").write_bytes(pki.csca_certificate.public_bytes(Encoding.PEM))
    server = VpcdCardServer(lambda: build_chip(citizen, pki), port=args.port)
    server.start()
    log.info(
        "serving the demo card on port %d; MRZ key %s / %s / %s; Ctrl-C to stop",
        args.port,
        citizen.document_number,
        citizen.birth_date.strftime("%y%m%d"),
        citizen.mrz_expiry,
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
