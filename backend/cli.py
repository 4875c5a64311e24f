"""Flask commands: `flask --app backend db-upgrade | seed-demo | create-staff | fleet-maintain | auth-maintain |
payment-gateway-secret`."""

from __future__ import annotations

import click
from flask import Flask, current_app

from backend import migrate
from backend.core import clock
from backend.extensions import db


def register(app: Flask) -> None:
    """The one way commands are registered: every domain's cli.py has `register(app)`, called from here."""
    from backend.audit import cli as audit_cli
    from backend.documents import cli as documents_cli
    from backend.fleet import cli as fleet_cli
    from backend.law import cli as law_cli
    from backend.notifications import cli as notifications_cli
    from backend.residence import cli as residence_cli
    from backend.updates import cli as updates_cli
    from backend.verification import cli as verification_cli

    for domain_cli in (
        audit_cli,
        documents_cli,
        fleet_cli,
        law_cli,
        notifications_cli,
        residence_cli,
        updates_cli,
        verification_cli,
    ):
        domain_cli.register(app)

    @app.cli.command("db-upgrade")
    @click.option("--revision", default="heads")
    def db_upgrade(revision: str) -> None:
        """Apply Alembic migrations, then sync the shipped reference data."""
        from backend.registry.reference import sync_administrative_units

        migrate.upgrade(db.engine, revision)
        session = db.new_session()
        changed = sync_administrative_units(session=session)
        session.commit()
        click.echo(f"database at {revision}; {changed} administrative units updated")

    @app.cli.command("seed-demo")
    @click.option("--citizens", default=10_000, show_default=True, help="Generated citizens besides the demo ones")
    @click.option("--seed", default=2024, show_default=True, help="Random seed (same seed, same population)")
    @click.option("--if-empty", is_flag=True, help="Do nothing when the demo data is already there")
    def seed_demo(citizens: int, seed: int, if_empty: bool) -> None:
        """Build a reproducible demo population and the demo accounts."""
        from backend.demo import is_seeded
        from backend.demo import seed_demo as run_seed

        if current_app.config["ENV_NAME"] == "production":
            raise click.ClickException("seed-demo refuses to run in production")
        session = db.new_session()
        seeded = is_seeded(session)
        session.rollback()  # end the read snapshot before the bulk load writes on another connection
        if seeded and not if_empty:
            raise click.ClickException("the database already holds demo data")
        if seeded:
            click.echo("demo data already present")
        else:
            report = run_seed(
                db.engine, session, citizens=citizens, seed=seed, password=current_app.config["DEMO_PASSWORD"]
            )
            session.commit()
            click.echo(
                f"seeded {report.citizens} citizens, {report.households} households, {report.vehicles} "
                f"vehicles, {report.driving_licences} licences, {report.health_insurance_cards} insurance "
                f"cards in {report.seconds:.1f} s"
            )
        click.echo(_demo_banner(session))
        session.commit()

    @app.cli.command("demo-banner")
    def demo_banner() -> None:
        """Print the demo logins again (`make run` shows them once the server is up)."""
        if current_app.config["ENV_NAME"] == "production":
            raise click.ClickException("demo-banner refuses to run in production")
        from backend.demo import is_seeded

        session = db.new_session()
        try:
            if not is_seeded(session):
                raise click.ClickException("no demo data: run `flask seed-demo` first")
            click.echo(_demo_banner(session))
            session.commit()  # a fresh kiosk enrollment code when the last one expired
        finally:
            session.close()

    @app.cli.command("auth-maintain")
    def auth_maintain() -> None:
        """Forget login back-off entries whose failures are old and whose wait is over (run it from cron)."""
        from backend.auth import throttle

        session = db.new_session()
        dropped = throttle.forget_old(session, clock.now())
        session.commit()
        click.echo(f"forgot {dropped} login back-off entries")

    @app.cli.command("payment-gateway-secret")
    def payment_gateway_secret() -> None:
        """Print the HMAC secret of payment callbacks (configured, or generated in the instance's secrets
        folder), e.g. for a gateway simulator posting callbacks to this server."""
        click.echo(current_app.config["PAYMENT_GATEWAY_SECRET"])

    @app.cli.command("create-staff")
    @click.argument("username")
    @click.option(
        "--role", required=True, type=click.Choice(["officer", "hospital_staff", "fleet_admin", "agency", "admin"])
    )
    @click.option("--scope", default=None, help="Officer: province (2 digits) or ward (5 digits) code")
    @click.option("--name", "display_name", required=True)
    @click.password_option()
    def create_staff(username: str, role: str, scope: str | None, display_name: str, password: str) -> None:
        """Create a staff account."""
        from backend.auth.service import create_staff_account

        session = db.new_session()
        create_staff_account(
            session=session,
            username=username,
            password=password,
            role=role,
            scope_code=scope,
            display_name=display_name,
        )
        session.commit()
        click.echo(f"created {role} account {username}")


def _demo_banner(session) -> str:
    """Says plainly that this is a demo with known credentials, and gives today's kiosk enrollment code."""
    from pathlib import Path

    from backend.demo import DEMO_STAFF, demo_principal
    from backend.fleet.demo import ensure_demo_enrollment_code
    from backend.life_events.demo import DEMO_OFFICERS

    code, expires, _new = ensure_demo_enrollment_code(
        session=session,
        admin=demo_principal(session, "fleet.admin"),
        now=clock.now(),
        folder=Path(current_app.instance_path),
    )
    line = "=" * 78
    staff = ", ".join(username for username, *_ in DEMO_STAFF + DEMO_OFFICERS)
    return "\n".join(
        [
            line,
            "  BẢN DEMO — DEMO ONLY. Dữ liệu giả, tài khoản demo có mật khẩu công khai. / Fake data; the demo",
            "  accounts have a published password. Never expose this server to real users.",
            f"  Demo password / Mật khẩu demo: {current_app.config['DEMO_PASSWORD']}",
            "  Citizens / Công dân: 001090012345 (level 2), 001185006789 (level 1), 079301004321 (level 2)",
            f"  Staff / Cán bộ: {staff}",
            f"  Kiosk enrollment code (until {expires:%Y-%m-%d %H:%M} UTC): {code}",
            line,
        ]
    )
