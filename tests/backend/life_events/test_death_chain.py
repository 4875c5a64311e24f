"""The death chain through the API, its effects in the registration's one transaction, and the revocation of a
wrong registration restoring all of them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from backend.audit.models import AuditEvent
from backend.auth.models import Account
from backend.consent.models import ConsentReceipt
from backend.health.models import Hospital
from backend.life_events.models import WelfareEnrolment
from backend.payments.disbursements import PaymentDisbursement
from backend.registry.models import HealthInsuranceCard
from backend.residence.models import TemporaryResidence
from tests.backend.health.hospital_data import add_kiosk, proof
from tests.backend.helpers import bearer, login
from tests.backend.life_events.steps import decide, show, step


def _prepare(session, factory, family):
    grandfather = family.grandfather
    factory.holdings(grandfather)  # a GD card valid to 31/12/2026
    session.add(WelfareEnrolment(citizen_id=grandfather.id, regime="social_insurance", since=date(2010, 1, 1)))
    now = datetime(2026, 11, 20, 1, 0).astimezone()
    session.add(
        ConsentReceipt(
            public_id="c" * 16,
            citizen_id=grandfather.id,
            recipient_code="BV-TEST",
            recipient_name="Bệnh viện",
            data_categories="identity",
            purpose="test",
            collected_via="kiosk",
            granted_at=now,
            valid_until=now + timedelta(days=30),
        )
    )
    session.add(
        TemporaryResidence(
            citizen_id=grandfather.id,
            ward_code="26740",
            street="Số 9",
            status="active",
            start_date=date(2026, 1, 1),
            end_date=date(2027, 1, 1),
        )
    )
    grandfather.temporary_ward_code, grandfather.temporary_street = "26740", "Số 9"
    session.flush()


def death_notice(client, as_, deceased, informant, died_at="2026-11-21T22:00:00+07:00"):
    return client.post(
        "/api/v1/life-events/death-notices",
        headers=as_("hospital"),
        json={
            "deceased_personal_id": deceased.personal_id,
            "informant_personal_id": informant.personal_id,
            "died_at": died_at,
            "cause": "Tuổi già",
        },
    )


def test_death_chain_effects_and_revocation(client, session, factory, family, as_):
    _prepare(session, factory, family)
    grandfather_headers = as_("grandfather")  # a live session, ended by the registration
    notice = death_notice(client, as_, family.grandfather, family.father)
    assert notice.status_code == 201, notice.json
    declared = client.post(
        "/api/v1/life-events/deaths",
        headers=as_("father"),
        json={"certificate_ref": notice.json["ref"], "relationship": "Con"},
    )
    assert declared.status_code == 201, declared.json
    application = declared.json
    assert [s["agency"] for s in application["steps"]] == ["civil_status", "police", "social_insurance"]

    registered = decide(client, as_, "civil_status", step(application, "death_registration")["id"])
    assert registered.status_code == 200, registered.json
    session.expire_all()
    grandfather = family.grandfather
    assert grandfather.deceased_on == date(2026, 11, 21)
    assert session.scalar(sa.select(Account.status).where(Account.citizen_id == grandfather.id)) == "disabled"
    assert client.get("/api/v1/life-events/applications", headers=grandfather_headers).status_code == 401
    card = session.scalar(sa.select(HealthInsuranceCard).where(HealthInsuranceCard.citizen_id == grandfather.id))
    assert card.valid_to == date(2026, 11, 21)
    assert family.household.head_citizen_id == family.father.id  # the eldest living member
    assert session.scalar(sa.select(ConsentReceipt.revoked_at).where(ConsentReceipt.citizen_id == grandfather.id))
    assert grandfather.temporary_ward_code is None
    kiosk = add_kiosk(session, factory, session.scalar(sa.select(Hospital)))
    checkin = client.post(
        "/api/v1/health/checkins",
        headers=bearer(login(client, kiosk.username)["access_token"]),
        json={"identification": proof(grandfather, method="cccd_qr")},
    )
    assert checkin.status_code == 409 and checkin.json["code"] == "deceased", checkin.json

    deregistered = decide(
        client, as_, "police", step(show(client, as_, "father", application["ref"]), "residence_deregistration")["id"]
    )
    assert deregistered.status_code == 200
    allowance = decide(
        client, as_, "social_insurance", step(show(client, as_, "father", application["ref"]), "burial_allowance")["id"]
    )
    assert allowance.status_code == 200, allowance.json
    payment = session.scalar(
        sa.select(PaymentDisbursement).where(PaymentDisbursement.purpose_ref == application["ref"])
    )
    assert (payment.amount, payment.payee_citizen_id) == (10 * 2_340_000, family.father.id)
    assert show(client, as_, "father", application["ref"])["status"] == "completed"
    session.expire_all()
    assert grandfather.household_id is None

    registration_id = int(step(show(client, as_, "father", application["ref"]), "death_registration")["result_ref"])
    assert (
        client.post(
            f"/api/v1/life-events/death-registrations/{registration_id}/revoke",
            headers=as_("police"),
            json={"reason": "Nhầm người"},
        ).status_code
        == 403
    )
    revoked = client.post(
        f"/api/v1/life-events/death-registrations/{registration_id}/revoke",
        headers=as_("civil_status"),
        json={"reason": "Khai tử nhầm người / wrong person"},
    )
    assert revoked.status_code == 200, revoked.json
    session.expire_all()
    assert grandfather.deceased_on is None and grandfather.household_id == family.household.id
    assert grandfather.relation_to_head == "Chủ hộ" and family.household.head_citizen_id == grandfather.id
    assert family.father.relation_to_head == "Con"
    assert session.scalar(sa.select(Account.status).where(Account.citizen_id == grandfather.id)) == "active"
    assert session.get(HealthInsuranceCard, card.id).valid_to == date(2026, 12, 31)
    assert (
        session.scalar(sa.select(ConsentReceipt.revoked_at).where(ConsentReceipt.citizen_id == grandfather.id)) is None
    )
    assert grandfather.temporary_ward_code == "26740"
    assert session.get(PaymentDisbursement, payment.id).status == "cancelled"
    assert show(client, as_, "father", application["ref"])["status"] == "revoked"
    login(client, family.accounts["grandfather"].username)  # can log in again
    purposes = session.scalars(sa.select(AuditEvent.purpose).where(AuditEvent.subject_citizen_id == grandfather.id))
    assert any("wrong death registration revoked" in p for p in purposes)
    again = client.post(
        f"/api/v1/life-events/death-registrations/{registration_id}/revoke",
        headers=as_("civil_status"),
        json={"reason": "Lần hai / twice"},
    )
    assert again.status_code == 409


def test_death_notice_for_someone_already_dead_is_refused(client, session, family, as_):
    family.grandfather.deceased_on = date(2026, 1, 1)
    session.flush()
    response = death_notice(client, as_, family.grandfather, family.father)
    assert response.status_code == 409 and response.json["code"] == "already-deceased"


def test_a_stranger_cannot_declare_a_death(client, session, factory, family, as_):
    stranger = factory.citizen(full_name="Người Lạ", date_of_birth=date(1980, 1, 1))
    family.accounts["stranger"] = factory.account(stranger, level=2)
    notice = death_notice(client, as_, family.grandfather, stranger)
    assert notice.status_code == 201
    response = client.post(
        "/api/v1/life-events/deaths",
        headers=as_("stranger"),
        json={"certificate_ref": notice.json["ref"], "relationship": "Bạn"},
    )
    assert response.status_code == 403 and response.json["code"] == "not-a-relative"
    assert client.get("/api/v1/life-events/applications", headers=as_("stranger")).json == []


def test_allowance_without_a_regime_is_not_half_applied(client, session, family, as_):
    notice = death_notice(client, as_, family.grandfather, family.father).json
    application = client.post(
        "/api/v1/life-events/deaths",
        headers=as_("father"),
        json={"certificate_ref": notice["ref"], "relationship": "Con"},
    ).json
    assert step(application, "burial_allowance")["agency"] == "labour"
    decide(client, as_, "civil_status", step(application, "death_registration")["id"])
    deregistration = step(show(client, as_, "father", application["ref"]), "residence_deregistration")
    decide(client, as_, "police", deregistration["id"])
    allowance = step(show(client, as_, "father", application["ref"]), "burial_allowance")
    response = decide(client, as_, "labour", allowance["id"])
    assert response.status_code == 422
    assert step(show(client, as_, "father", application["ref"]), "burial_allowance")["status"] == "ready"
    assert session.scalar(sa.select(sa.func.count()).select_from(PaymentDisbursement)) == 0
    refused = decide(
        client,
        as_,
        "labour",
        allowance["id"],
        decision="refuse",
        reason="Người mất không thuộc diện hưởng / no regime recorded",
        action="Nộp quyết định hưởng lương hưu hoặc trợ cấp / bring the pension decision",
    )
    assert refused.status_code == 200
    final = show(client, as_, "father", application["ref"])
    assert final["status"] == "refused" and "pension decision" in step(final, "burial_allowance")["refusal_action"]


def test_bulk_verification_reports_the_registered_death_and_its_revocation(client, session, family, as_):
    from backend.verification import bulk, records

    def outcome() -> str:
        connection = session.connection()
        row = bulk.lookup_citizens(
            connection.dialect.name, bulk.raw_connection(connection), [family.grandfather.personal_id]
        )[family.grandfather.personal_id]
        record = (
            family.grandfather.personal_id,
            family.grandfather.full_name,
            family.grandfather.date_of_birth.isoformat(),
            "male",
            None,
            None,
        )
        return records.compare(record, row[1:])[0]

    assert outcome() == "match"
    notice = death_notice(client, as_, family.grandfather, family.father).json
    application = client.post(
        "/api/v1/life-events/deaths",
        headers=as_("father"),
        json={"certificate_ref": notice["ref"], "relationship": "Con"},
    ).json
    registered = decide(client, as_, "civil_status", step(application, "death_registration")["id"]).json
    assert outcome() == "deceased"
    client.post(
        f"/api/v1/life-events/death-registrations/{registered['result_ref']}/revoke",
        headers=as_("civil_status"),
        json={"reason": "Nhầm người / wrong person"},
    )
    assert outcome() == "match"
