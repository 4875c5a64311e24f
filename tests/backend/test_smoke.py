from tests.backend.helpers import login


def test_citizen_reads_own_record(client, factory):
    citizen = factory.citizen()
    factory.account(citizen)
    tokens = login(client, citizen.personal_id)
    response = client.get("/api/v1/citizens/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert response.status_code == 200
    assert response.json["full_name"] == "Nguyễn Văn An"
