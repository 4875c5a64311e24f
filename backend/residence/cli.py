"""`flask --app backend residence remind`: tell citizens whose temporary residence ends soon (daily timer)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from backend.core import clock
from backend.extensions import db


def register(app: Flask) -> None:
    group = AppGroup("residence", help="Residence housekeeping (reminders).")

    @group.command("remind")
    def remind() -> None:
        """Notify citizens whose temporary residence ends within 15 days (once per residence)."""
        from backend.residence.registration import remind_ending

        session = db.new_session()
        now = clock.now()
        count = remind_ending(session=session, today=clock.local_date(now), now=now)
        session.commit()
        click.echo(f"{count} reminders queued")

    app.cli.add_command(group)
