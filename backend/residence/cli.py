"""`flask --app backend residence remind`: tell citizens whose temporary residence ends soon (daily timer)."""

from __future__ import annotations

import click
from flask_smorest import Blueprint

from backend.database import utcnow
from backend.extensions import db


def register(blp: Blueprint) -> None:
    @blp.cli.command("remind")
    def remind() -> None:
        """Notify citizens whose temporary residence ends within 15 days (once per residence)."""
        from backend.residence.registration import remind_ending
        from backend.residence.working_days import local_date

        session = db.new_session()
        now = utcnow()
        count = remind_ending(session=session, today=local_date(now), now=now)
        session.commit()
        click.echo(f"{count} reminders queued")
