"""Naming an owner by ID number tells the applicant nothing about that person; the owner's notification quotes
the applicant's text bounded and cleaned; naming owners is throttled and in the owner's access log."""

from __future__ import annotations

POST = "/api/v1/residence/applications"
UNKNOWN_PID = "079170999999"


def _shape(response):
    """What an applicant can observe of the answer, with the parts that differ per request taken out."""
    body = dict(response.json)
    for key in ("id", "submitted_at", "events", "address", "approval_document_id"):
        body.pop(key, None)
    return response.status_code, body


def test_the_applicant_learns_no_name_and_no_existence(api, people, application_body):
    known = api("applicant", "POST", POST, json=application_body)
    unknown = api(
        "applicant",
        "POST",
        POST,
        json={**application_body, "street": "Số 46 Đường Lê Lợi", "owner_personal_id": UNKNOWN_PID},
    )
    assert known.status_code == unknown.status_code == 201
    assert known.json["owner"] == {"personal_id": people["owner"].personal_id, "full_name": None}
    assert people["owner"].full_name not in known.get_data(as_text=True)
    assert known.json["status"] == unknown.json["status"] == "awaiting_owner_consent"
    known_shape, unknown_shape = _shape(known), _shape(unknown)
    known_shape[1].pop("owner"), unknown_shape[1].pop("owner")
    known_shape[1].pop("street", None), unknown_shape[1].pop("street", None)
    assert known_shape == unknown_shape
    # Reading it back later shows no more.
    again = api("applicant", "GET", f"{POST}/{known.json['id']}")
    assert again.json["owner"]["full_name"] is None
    # The owner and a covering officer still see who is who.
    assert api("owner", "GET", f"{POST}/{known.json['id']}").json["owner"]["full_name"] == people["owner"].full_name


def test_the_owner_notification_quotes_the_applicants_text_bounded_and_clean(api, people, application_body):
    hostile = "Số 45\u202e Lê Lợi\nNGÂN HÀNG: chuyển tiền ngay tới 0123456789 " + "x" * 300
    response = api("applicant", "POST", POST, json={**application_body, "street": hostile[:200]})
    assert response.status_code in (201, 422)
    if response.status_code == 422:  # the schema refuses control characters outright: also fine
        response = api(
            "applicant",
            "POST",
            POST,
            json={**application_body, "street": "Số 45 Lê Lợi NGÂN HÀNG: chuyển tiền " + "x" * 150},
        )
        assert response.status_code == 201
    notes = api("owner", "GET", "/api/v1/notifications").json
    items = notes["items"] if isinstance(notes, dict) else notes
    note = next(n for n in items if n["kind"] == "owner-consent-needed")
    assert people["applicant"].full_name in note["body"]  # who asks: from the registry
    quoted = note["body"].split("“", 1)[1].split("”", 1)[0]
    assert len(quoted) <= 120 and "\n" not in quoted and "\u202e" not in quoted


def test_naming_owners_is_throttled_per_applicant(api, application_body):
    statuses = []
    for n in range(6):
        body = {**application_body, "street": f"Số {n + 1} Ngõ Thử", "owner_personal_id": f"0791709999{n:02d}"}
        statuses.append(api("applicant", "POST", POST, json=body))
    assert [r.status_code for r in statuses] == [201] * 5 + [429]
    assert int(statuses[-1].headers["Retry-After"]) > 0
    assert statuses[-1].content_type == "application/problem+json"


def test_the_owner_sees_the_lookup_in_their_access_log(api, application_body):
    created = api("applicant", "POST", POST, json=application_body).json
    log = api("owner", "GET", "/api/v1/me/access-log").json["items"]
    entry = next(e for e in log if f"#{created['id']}" in e["purpose"])
    assert entry["actor_role"] == "citizen" and "owner" in entry["purpose"]
