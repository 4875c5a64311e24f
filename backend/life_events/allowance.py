"""The burial allowance (trợ cấp mai táng / hỗ trợ chi phí mai táng): the deceased person's regime decides the
rule, the law in force on the day of death decides the amount, the payments domain pays the declaring relative."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.core import clock
from backend.core.access import Principal
from backend.errors import ValidationFailed
from backend.law import store as law
from backend.life_events import chain
from backend.life_events.death import regime_of, registration_of
from backend.life_events.models import BURIAL_ALLOWANCE, BurialAllowance, LifeEventApplication, LifeEventStep
from backend.payments import disbursements
from backend.registry.models import Citizen

BASES = {"base_salary": "health.base_salary", "social_assistance_standard": "welfare.social_assistance_standard"}


@dataclass(frozen=True)
class Entitlement:
    regime: str
    amount: int
    source: str


def entitlement(regime: str, died_on: date) -> Entitlement:
    """multiple × base, both as in force on the day of death."""
    rule_version = law.version("welfare.burial_allowance", died_on)
    rule = rule_version.value[regime]
    base_version = law.version(BASES[rule["base"]], died_on)
    return Entitlement(
        regime, rule["multiple"] * base_version.value, f"{rule_version.source}; {base_version.source}"[:300]
    )


@chain.handles(BURIAL_ALLOWANCE)
def grant(
    *, session: Session, principal: Principal, step: LifeEventStep, application: LifeEventApplication
) -> tuple[str, None]:
    deceased = session.get(Citizen, application.subject_citizen_id)
    regime = regime_of(session, deceased)
    if regime is None:
        raise ValidationFailed(
            "No regime that pays a burial allowance is recorded for this person: refuse the step "
            "with the reason and what the family can do (e.g. bring the pension decision)."
        )
    died_on = registration_of(session, application).died_on
    due = entitlement(regime, died_on)
    payment = disbursements.order(
        session=session,
        payee_citizen_id=application.applicant_citizen_id,
        amount=due.amount,
        purpose_kind="burial-allowance",
        purpose_ref=application.public_id,
        description=f"Trợ cấp mai táng / burial allowance: {deceased.full_name}",
        actor_account_id=principal.account_id,
        now=clock.now(),
    )
    session.add(
        BurialAllowance(
            application_id=application.id,
            deceased_citizen_id=deceased.id,
            payee_citizen_id=application.applicant_citizen_id,
            regime=regime,
            amount=due.amount,
            legal_source=due.source,
            disbursement_id=payment.id,
        )
    )
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[deceased.id, application.applicant_citizen_id],
        action="create",
        record_type="burial-allowance",
        record_ref=payment.public_id,
        purpose="trợ cấp mai táng / burial allowance",
    )
    return f"{due.amount} VND ({payment.public_id})", None
