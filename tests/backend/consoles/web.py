"""Signing in to the consoles from the Flask test client, and reading a page's CSRF token and form keys."""

from __future__ import annotations

import re

from tests.backend.helpers import PASSWORD


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(app, account):
    """A fresh test client signed in to the consoles as `account`."""
    client = app.test_client()
    form = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login", data={"username": account.username, "password": PASSWORD, "csrf_token": csrf(form)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def post_form(client, page_url: str, action: str, **fields):
    """Submit the form of `page_url` whose action is `action`, with the hidden fields the page rendered."""
    html = client.get(page_url).get_data(as_text=True)
    match = re.search(r'<form method="post"[^>]*action="' + re.escape(action) + r'"[^>]*>(.*?)</form>', html, re.S)
    assert match, f"no form posting to {action} on {page_url}"
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', match.group(1)))
    return client.post(action, data={**hidden, **fields}), hidden
