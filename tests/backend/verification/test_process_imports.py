"""What a verifying process loads: it is spawned (it imports what it uses), so SQLAlchemy and Flask
(~0.4 s of CPU) stay in the app process, which also works out the connection target for it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from backend.verification import bulk

ROOT = Path(__file__).resolve().parents[3]


def test_the_verifying_side_imports_neither_sqlalchemy_nor_flask():
    code = (
        "import sys, backend.verification.processing\n"
        "print(sorted(m for m in ('sqlalchemy', 'flask', 'marshmallow', 'backend.errors') if m in sys.modules))"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_connection_target_and_connect_raw(tmp_path):
    target = bulk.connection_target(f"sqlite:///{tmp_path / 'registry.db'}")
    assert target == ("sqlite", str(tmp_path / "registry.db"))
    dialect, raw = bulk.connect_raw(target)
    assert dialect == "sqlite" and raw.execute("SELECT 1").fetchone() == (1,)
    raw.close()
    assert bulk.connection_target("postgresql+psycopg://u:p%40ss@db:5433/congdan") == (
        "postgresql",
        "postgresql://u:p%40ss@db:5433/congdan",
    )
