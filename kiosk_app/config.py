"""Kiosk configuration from the environment (read once, in main). Devices default to the simulators.

CONGDAN_API_URL            backend base URL (default http://127.0.0.1:5000)
CONGDAN_KIOSK_USERNAME     kiosk account (default the demo kiosk of Bạch Mai)
CONGDAN_KIOSK_PASSWORD
CONGDAN_HOSPITAL_CODE      default BV-BACHMAI
CONGDAN_KIOSK_DATA         folder for the outbox database and, once enrolled (`python -m kiosk_app
                           --enroll CODE`), the fleet identity: then the kiosk signs in with its
                           device key instead of the username and password (default ~/.congdan-kiosk)
CONGDAN_KIOSK_IDLE_S       idle seconds before the kiosk forgets the patient (default 60)
CONGDAN_KIOSK_SIZE         window size, e.g. 1080x1920 (portrait) or 1920x1080
CONGDAN_CSCA_DIR           CSCA certificates for passive authentication (real cards)
CONGDAN_SIMULATOR_PKI_DIR  the simulated card's test PKI, shared with the demo backend (make kiosk sets
                           instance/simulator-pki); unset: a throwaway PKI the backend does not trust
CONGDAN_KIOSK_MODEL        the kiosk's physical model (kiosk_app/assets/kiosk_models.json; default k1-floor):
                           the reading screen's picture of where the QR and the card go
CONGDAN_KIOSK_STAFF_PIN_HASH   scrypt hash of the staff PIN for assisted mode (python -m
                           kiosk_app.services.staff_pin); unset: no assisted mode
CONGDAN_KIOSK_MINUTES_PER_PATIENT   for the ticket's estimated wait (default 7)
CONGDAN_CAMERA / CONGDAN_CARD_READER / CONGDAN_PRINTER   see hardware.config (default simulator / dummy)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from hardware.config import ENV_CAMERA, ENV_CARD_READER, ENV_PRINTER, HardwareConfig

DEVICE_DEFAULTS = {ENV_CAMERA: "simulator", ENV_CARD_READER: "simulator", ENV_PRINTER: "dummy"}


@dataclass(frozen=True)
class KioskConfig:
    api_url: str = "http://127.0.0.1:5000"
    username: str = "kiosk.bachmai.1"
    password: str = "congdan-demo"
    hospital_code: str = "BV-BACHMAI"
    data_dir: Path = Path.home() / ".congdan-kiosk"
    idle_timeout_s: float = 60.0
    window_size: tuple[int, int] = (1080, 1920)
    csca_dir: str | None = None
    simulator_pki_dir: str | None = None
    kiosk_model: str = "k1-floor"
    staff_pin_hash: str | None = None
    minutes_per_patient: int = 7
    hardware: HardwareConfig = field(default_factory=lambda: HardwareConfig.from_mapping(DEVICE_DEFAULTS))

    @classmethod
    def from_environment(cls, environ=None) -> KioskConfig:
        env = os.environ if environ is None else environ
        width, _, height = env.get("CONGDAN_KIOSK_SIZE", "1080x1920").partition("x")
        devices = {**DEVICE_DEFAULTS, **{k: env[k] for k in DEVICE_DEFAULTS if env.get(k)}}
        devices.update({k: v for k, v in env.items() if k.startswith("CONGDAN_PRINTER_")})
        return cls(
            api_url=env.get("CONGDAN_API_URL", cls.api_url),
            username=env.get("CONGDAN_KIOSK_USERNAME", cls.username),
            password=env.get("CONGDAN_KIOSK_PASSWORD", cls.password),
            hospital_code=env.get("CONGDAN_HOSPITAL_CODE", cls.hospital_code),
            data_dir=Path(env.get("CONGDAN_KIOSK_DATA", str(Path.home() / ".congdan-kiosk"))),
            idle_timeout_s=float(env.get("CONGDAN_KIOSK_IDLE_S", "60")),
            window_size=(int(width), int(height)),
            csca_dir=env.get("CONGDAN_CSCA_DIR"),
            simulator_pki_dir=env.get("CONGDAN_SIMULATOR_PKI_DIR"),
            kiosk_model=env.get("CONGDAN_KIOSK_MODEL", cls.kiosk_model),
            staff_pin_hash=env.get("CONGDAN_KIOSK_STAFF_PIN_HASH") or None,
            minutes_per_patient=int(env.get("CONGDAN_KIOSK_MINUTES_PER_PATIENT", "7")),
            hardware=HardwareConfig.from_mapping(devices),
        )
