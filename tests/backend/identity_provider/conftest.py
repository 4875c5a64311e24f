"""A live provider on loopback (werkzeug, threaded, its own committed database) and a relying party's key."""

from __future__ import annotations

import threading

import pytest
from joserfc.jwk import ECKey

from backend.extensions import db
from tests.backend.helpers import Factory
from tests.backend.identity_provider.oidc_kit import Provider


@pytest.fixture()
def provider(make_app):
    from werkzeug.serving import make_server

    app = make_app(CONSOLE_COOKIE_SECURE=False)
    with app.app_context():
        factory = Factory(db.session)
        citizen = factory.citizen(full_name="Phạm Thị Hoa", personal_id="001190012345")
        factory.holdings(citizen)
        account = factory.account(citizen, level=2)
        db.session.commit()
        ids = (citizen.personal_id, citizen.id, account.id)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Provider(app, f"http://127.0.0.1:{server.server_port}", *ids)
    server.shutdown()
    thread.join(5)


@pytest.fixture()
def rp_key():
    return ECKey.generate_key("P-256", parameters={"kid": "rp-1"})
