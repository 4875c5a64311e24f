"""`flask --app backend updates ...`: the root key ceremony and repository housekeeping.

The root key never lives on the server: `make-root-key` writes it to a file meant for offline storage (a USB
key in a safe), `root-sign` reads it once to sign the next root version (listing the server's online keys)
and can write the root.json that kiosk images ship with. `refresh` re-signs expiring online metadata (also
done on demand when kiosks ask for the timestamp)."""

from __future__ import annotations

import os
from pathlib import Path

import click
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask

from backend.core import clock
from backend.extensions import db
from backend.updates import events, tuf_repository


def load_root_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise click.ClickException(f"{path} does not hold an Ed25519 private key")
    return key


def register(app: Flask) -> None:
    @app.cli.group("updates")
    def updates() -> None:
        """Kiosk software updates (TUF repository)."""

    @updates.command("make-root-key")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    def make_root_key(path: Path) -> None:
        """Generate an offline root key into PATH (mode 0600; store it offline)."""
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        click.echo(f"root key written to {path}: move it offline after signing")

    @updates.command("root-sign")
    @click.option(
        "--root-key",
        "root_keys",
        multiple=True,
        required=True,
        type=click.Path(exists=True, path_type=Path),
        help="The (new) root key; repeat with the old key when rotating it",
    )
    @click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Also write root.json here")
    def root_sign(root_keys: tuple[Path, ...], out: Path | None) -> None:
        """Sign the next root version with the offline key(s) and re-sign the online roles."""
        session = db.new_session()
        now = clock.now()
        row = tuf_repository.sign_root(session=session, root_keys=[load_root_key(p) for p in root_keys], now=now)
        events.record(session, actor="cli", action="root_signed", now=now, detail=f"root version {row.version}")
        session.commit()
        if out:
            out.write_text(row.body, encoding="utf-8")
        click.echo(f"root version {row.version} signed, expires {row.expires_at:%Y-%m-%d}")

    @updates.command("refresh")
    def refresh() -> None:
        """Re-sign targets, snapshot or timestamp metadata that passed half its lifetime."""
        session = db.new_session()
        signed = tuf_repository.refresh(session=session, now=clock.now())
        session.commit()
        click.echo(f"re-signed: {', '.join(signed) or 'nothing'}")
