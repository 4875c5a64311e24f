"""The real backend for kiosk tests and the bench: create_app on a fresh migrated SQLite database with the
demo people, hospitals and kiosk, served over HTTP on 127.0.0.1. `stop()` drops the network (connections
are refused, as when the hospital's uplink fails); `start()` brings it back on the same port."""

from __future__ import annotations

import logging
import shutil
import threading
from datetime import time
from pathlib import Path

import sqlalchemy as sa
from werkzeug.serving import make_server

from backend import create_app, migrate
from backend.database import make_engine
from backend.demo import add_demo_people
from backend.extensions import db
from backend.health.demo import DEMO_KIOSK_USERNAME, add_demo_hospitals
from backend.health.models import Department
from backend.registry.reference import sync_administrative_units
from tests.chip_evidence import csca_dir

PASSWORD = "kiosk-test-password"
DEMO_PATIENT_ID = "001090012345"  # Nguyễn Văn An, level-2 account, insured, in the chip simulator
DEMO_CHILD_ID, DEMO_CHILD_DOB = "001215000123", "2015-08-20"  # Nguyễn Minh Khang, no chip card


def backend_config(url: str) -> dict:
    return {
        "CONGDAN_ENV": "testing",
        "ENV_NAME": "testing",
        "TESTING": True,
        "DATABASE_URL": url,
        "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
        "RATELIMIT_ENABLED": True,
        "LOGIN_LIMIT_PER_ADDRESS": "100000 per minute",
        "LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute",
        "SECRET_KEY": "kiosk-test-secret-" + "x" * 32,
        "JWT_SECRET_KEY": "kiosk-test-jwt-secret-" + "y" * 32,
        # The simulated cards of this process are signed under this CSCA (tests/chip_evidence.py).
        "CSCA_STORE_DIR": csca_dir(),
        "CHIP_CHALLENGE_LIMIT_PER_KIOSK": "100000 per minute",
    }


def demo_database(folder: Path) -> Path:
    """A migrated, demo-seeded SQLite file. Every clinic is open round the clock, so tests do not depend
    on the hour they run at."""
    path = folder / "demo-backend.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app(backend_config(f"sqlite:///{path}"))
    with app.app_context():
        session = db.session
        sync_administrative_units(session=session)
        add_demo_people(session=session, password=PASSWORD)
        add_demo_hospitals(session=session, password=PASSWORD)
        session.execute(sa.update(Department).values(opens_at=time(0), closes_at=time(0), open_weekdays="0123456"))
        session.commit()
    app.extensions["congdan.db"]["engine"].dispose()
    return path


def demo_backend(template: Path, folder: Path):
    """The app on a private copy of the demo database."""
    path = folder / "backend.db"
    shutil.copy(template, path)
    return create_app(backend_config(f"sqlite:///{path}"))


class LiveBackend:
    def __init__(self, app) -> None:
        self.app = app
        self.port = 0
        self._server = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> LiveBackend:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        self._server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.port = self._server.port
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="live-backend", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def close(self) -> None:
        self.stop()
        self.app.extensions["congdan.db"]["engine"].dispose()

    # --- looking inside, as staff would ---------------------------------------------------------------
    def query(self, statement):
        with self.app.app_context():
            return db.session.execute(statement).all()


__all__ = ["DEMO_KIOSK_USERNAME", "LiveBackend", "PASSWORD", "demo_backend"]
