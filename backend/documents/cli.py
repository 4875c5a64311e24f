"""`flask --app backend documents rotate-key | init-signing`: document signing keys and the PDF-signing certificate."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from backend.core.keys import keyring


def register(app: Flask) -> None:
    group = AppGroup("documents", help="Document signing keys.")

    @group.command("rotate-key")
    def rotate_key() -> None:
        """Make a new signing key current; older keys stay in the JWKS. Restart the workers afterwards."""
        key = keyring(current_app).rotate()
        click.echo(f"current signing key is now {key.kid}")

    @group.command("init-signing")
    def init_signing() -> None:
        """Load the PDF-signing certificate; without a configured one, create the TEST CA in the instance folder
        (once: later starts reuse it). `make run` calls this before starting the workers."""
        from backend.documents import pades

        signing = pades.material(current_app)
        click.echo(
            f"PDF signing certificate: {signing.signer_name}; CA: "
            f"{signing.ca_certs[0].subject.native.get('common_name')}; "
            f"timestamps: {signing.tsa_url or 'local test TSA'}"
        )

    app.cli.add_command(group)
