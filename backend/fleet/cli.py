"""`flask --app backend fleet-maintain`: the fleet's housekeeping, run from cron or a systemd timer every few
minutes: roll 5-minute metrics older than the detail retention up into hours (dropping hours past theirs),
and open an offline alert for every kiosk silent too long. Alerts on paper and read success are raised as
heartbeats arrive; this catches the kiosks that stopped sending them."""

from __future__ import annotations

import logging

import click
from flask import Flask

from backend.core import clock
from backend.extensions import db
from backend.fleet import simulator, telemetry


def register(app: Flask) -> None:
    @app.cli.command("fleet-maintain")
    def fleet_maintain() -> None:
        """Roll up old kiosk telemetry and raise offline alerts."""
        session = db.new_session()
        now = clock.now()
        rolled = telemetry.rollup(session, now)
        offline = telemetry.sweep_offline(session, now)
        session.commit()
        click.echo(
            f"rolled up {rolled['rolled_up']} five-minute buckets into {rolled['hours_written']} hours, "
            f"dropped {rolled['hours_dropped']} expired hours; {offline} kiosks newly offline"
        )

    @app.cli.command("fleet-simulate")
    @click.option("--url", default="http://127.0.0.1:5000", help="where the kiosks send (the public address)")
    @click.option("--interval", default=15.0, help="seconds between a kiosk's heartbeats")
    def fleet_simulate(url: str, interval: float) -> None:
        """Demo data only: keep the demo kiosks beating (make run starts this beside the server)."""
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
        simulator.simulate(app, url, interval)
