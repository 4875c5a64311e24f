"""Every domain's commands are registered one way (backend/cli.py calls each domain's cli.register) and keep
their names."""

from __future__ import annotations


def test_every_domain_command_is_registered_under_its_name(make_app):
    app = make_app()
    runner = app.test_cli_runner()
    for args in (
        ["residence", "--help"],
        ["notifications", "--help"],
        ["documents", "--help"],
        ["law", "--help"],
        ["audit", "--help"],
        ["verify-file", "--help"],
        ["verify-worker", "--help"],
        ["fleet-maintain", "--help"],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output)


def test_documents_rotate_key_makes_a_new_key_current(make_app):
    from backend.core.keys import keyring

    app = make_app()
    before = keyring(app).current_kid
    result = app.test_cli_runner().invoke(args=["documents", "rotate-key"])
    assert result.exit_code == 0, result.output
    assert keyring(app).current_kid != before and keyring(app).current_kid in result.output
    assert any(key["kid"] == before for key in keyring(app).jwks()["keys"])  # the old one still verifies


def test_residence_remind_runs(make_app):
    result = make_app().test_cli_runner().invoke(args=["residence", "remind"])
    assert result.exit_code == 0 and "reminders queued" in result.output, result.output
