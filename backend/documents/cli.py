"""`flask --app backend documents rotate-key`: make a new document signing key current."""

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

    app.cli.add_command(group)
