"""`flask --app backend notifications deliver`: drain the push outbox (run it from a timer)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from backend.extensions import db


def register(app: Flask) -> None:
    group = AppGroup("notifications", help="The push outbox.")

    @group.command("deliver")
    @click.option("--limit", default=100, show_default=True)
    def deliver(limit: int) -> None:
        """Send due pushes; failures are retried with exponential backoff."""
        from backend.notifications.push import adapter_from_config
        from backend.notifications.service import deliver_pending

        session = db.new_session()
        counts = deliver_pending(session=session, adapter=adapter_from_config(current_app.config), limit=limit)
        session.commit()
        click.echo(f"sent {counts['sent']}, retry later {counts['retry']}, failed {counts['failed']}")

    app.cli.add_command(group)
