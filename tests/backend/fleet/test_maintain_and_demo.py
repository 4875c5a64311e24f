"""The demo data of every domain made through the services (what `make run` shows), and
`flask --app backend fleet-maintain` on it: old telemetry rolled up, a silent kiosk alerted."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from backend.database import utcnow
from backend.demo import add_demo_people, add_demo_services
from backend.extensions import db
from backend.fleet.demo import DEMO_CODE_FILE, ensure_demo_enrollment_code
from backend.fleet.enrollment import hash_code as _hash_code
from backend.fleet.models import Alert, EnrollmentCode, Kiosk, MetricBucket
from backend.health.demo import add_demo_hospitals
from backend.residence.models import ResidenceApplication
from backend.traffic.models import PenaltyDecision
from backend.traffic.service import amount_due
from backend.verification.models import Agency


def test_demo_data_covers_every_domain_and_fleet_maintain_sweeps_it(make_app):
    app = make_app(FLEET_DETAIL_RETENTION_HOURS=2)
    with app.app_context():
        session = db.session
        add_demo_people(session=session, password="demo-test-password")
        add_demo_hospitals(session=session, password="demo-test-password")
        add_demo_services(session=session)
        session.commit()

        kiosks = {k.serial_number: k for k in session.scalars(sa.select(Kiosk))}
        assert len(kiosks) == 3 and kiosks["SN-DEMO-0002"].paper_low
        offline = session.scalars(sa.select(Alert.kiosk_id).where(Alert.kind == "offline")).all()
        assert offline == [kiosks["SN-DEMO-0003"].id]
        application = session.scalar(sa.select(ResidenceApplication))
        assert application.status == "under_review" and application.ward_code == "00088"
        fines = session.scalars(sa.select(PenaltyDecision).where(PenaltyDecision.plate == "29B199999")).all()
        today = utcnow().date()
        assert [f.status for f in fines] == ["unpaid", "unpaid"]
        assert sorted(amount_due(f, today).days_late > 0 for f in fines) == [False, True]
        assert session.scalar(sa.select(Agency.daily_quota).where(Agency.code == "SGD-HANOI")) > 0

        kiosks["SN-DEMO-0001"].last_seen_at = utcnow() - timedelta(hours=1)  # it fell silent
        session.commit()
        healthy = kiosks["SN-DEMO-0001"].id

    result = app.test_cli_runner().invoke(args=["fleet-maintain"])
    assert result.exit_code == 0, result.output
    assert "1 kiosks newly offline" in result.output and "rolled up 0 " not in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(Alert.id).where(Alert.kiosk_id == healthy, Alert.kind == "offline"))
        hourly = db.session.scalar(sa.select(sa.func.count()).where(MetricBucket.resolution == "h1"))
        assert hourly > 0


def test_demo_enrollment_code_is_random_private_and_expires_within_a_day(make_app, tmp_path):
    import stat
    from datetime import timedelta

    from backend.demo import demo_principal

    app = make_app()
    with app.app_context():
        session = db.session
        add_demo_people(session=session, password="demo-test-password")
        add_demo_hospitals(session=session, password="demo-test-password")
        admin, now = demo_principal(session, "fleet.admin"), utcnow()
        code, expires, new = ensure_demo_enrollment_code(session=session, admin=admin, now=now, folder=tmp_path)
        assert new and expires <= now + timedelta(hours=24)
        path = tmp_path / DEMO_CODE_FILE
        assert path.read_text().strip() == code and stat.S_IMODE(path.stat().st_mode) == 0o600
        record = session.scalar(sa.select(EnrollmentCode).where(EnrollmentCode.code_hash == _hash_code(code)))
        assert record.used_at is None
        # Still valid: the same code. A day later: a new one, and the old one no longer enrolls anything.
        assert (
            ensure_demo_enrollment_code(session=session, admin=admin, now=now + timedelta(hours=1), folder=tmp_path)[0]
            == code
        )
        later, _, renewed = ensure_demo_enrollment_code(
            session=session, admin=admin, now=now + timedelta(hours=25), folder=tmp_path
        )
        assert renewed and later != code and path.read_text().strip() == later
