"""The upload caps come from the configuration (environment variables in production)."""

from __future__ import annotations

from backend import config
from backend.verification.limits import Caps


def test_every_cap_can_be_set_from_the_environment():
    names = {f"VERIFICATION_{name.upper()}" for name in Caps.__dataclass_fields__}
    settings = config.from_environment({name: "7" for name in names})
    assert Caps.from_config(settings) == Caps(**{name: 7 for name in Caps.__dataclass_fields__})
    assert Caps.from_config({}) == Caps()
