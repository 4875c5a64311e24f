"""Anyone who knows a kiosk id cannot stop it getting a token: challenges are not one slot per kiosk, a valid
signed answer wins, a challenge is single use, bound to its kiosk, and one address asking is bounded."""

from __future__ import annotations

from shared_schemas import fleet as contract
from shared_schemas.signed import b64url_encode
from tests.backend.fleet.fleet_data import add_hospital, enrolled_agent
from tests.backend.helpers import Factory, bearer, login

CHALLENGE, TOKEN = "/api/v1/fleet/device/challenge", "/api/v1/fleet/device/token"


def _answer(agent, challenge: str, kiosk_id: str | None = None) -> dict:
    kiosk_id = kiosk_id or agent.kiosk_id
    signature = agent._private.sign(contract.challenge_signing_input(kiosk_id=kiosk_id, challenge=challenge))
    return {"kiosk_id": kiosk_id, "challenge": challenge, "signature": b64url_encode(signature)}


def test_a_flood_of_challenges_does_not_stop_the_kiosk(client, agent):
    own = client.post(CHALLENGE, json={"kiosk_id": agent.kiosk_id}).json["challenge"]
    for _ in range(50):  # someone else asks for this kiosk's challenges, again and again
        assert client.post(CHALLENGE, json={"kiosk_id": agent.kiosk_id}).status_code == 200
    response = client.post(TOKEN, json=_answer(agent, own))
    assert response.status_code == 200
    assert client.get("/api/v1/health/kiosks/me", headers=bearer(response.json["access_token"])).status_code == 200


def test_a_challenge_is_single_use_and_bound_to_its_kiosk(client, agent):
    challenge = client.post(CHALLENGE, json={"kiosk_id": agent.kiosk_id}).json["challenge"]
    assert client.post(TOKEN, json=_answer(agent, challenge)).status_code == 200
    assert client.post(TOKEN, json=_answer(agent, challenge)).status_code == 401  # replayed
    other = client.post(CHALLENGE, json={"kiosk_id": "KSK-00000000"}).json["challenge"]
    assert client.post(TOKEN, json=_answer(agent, other)).status_code == 401  # issued for another id
    forged = challenge.rsplit(".", 1)[0] + "." + "A" * 22
    assert client.post(TOKEN, json=_answer(agent, forged)).status_code == 401  # not ours


def test_an_expired_challenge_is_refused(make_app, tmp_path):
    application = make_app(FLEET_CHALLENGE_TTL_S=-1)
    client = application.test_client()
    from backend.extensions import db

    with application.app_context():
        hospital = add_hospital(db.session)
        admin = Factory(db.session).staff("fleet_admin")
        db.session.commit()
        code, username = hospital.code, admin.username
    agent, _ = enrolled_agent(client, bearer(login(client, username)["access_token"]), code, tmp_path / "k")
    challenge = client.post(CHALLENGE, json={"kiosk_id": agent.kiosk_id}).json["challenge"]
    assert client.post(TOKEN, json=_answer(agent, challenge)).status_code == 401


def test_challenges_are_bounded_per_kiosk_and_address(make_app):
    application = make_app(FLEET_CHALLENGE_LIMIT="3 per minute")
    flooder = application.test_client()
    flooder.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    statuses = [flooder.post(CHALLENGE, json={"kiosk_id": "KSK-0A0B0C0D"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    kiosk = application.test_client()
    kiosk.environ_base["REMOTE_ADDR"] = "192.0.2.30"  # the kiosk itself, elsewhere, is not affected
    assert kiosk.post(CHALLENGE, json={"kiosk_id": "KSK-0A0B0C0D"}).status_code == 200
