"""congdan backend: the Flask API behind the citizen app, the kiosks and the officers' tools.

`flask --app backend ...` finds `create_app` here; nothing is configured at import time, and importing the
package stays cheap (the app is imported when it is built), so helper processes such as the XLSX converter
(backend/verification/convert.py) start in a fraction of a second.
"""

from __future__ import annotations


def create_app(config: dict | None = None):
    """Build the app (backend/app.py); `config` overrides what the environment says."""
    from backend.app import create_app as build

    return build(config)


__all__ = ["create_app"]
