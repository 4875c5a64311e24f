"""congdan backend: the Flask API behind the citizen app, the kiosks and the officers' tools.

`flask --app backend ...` finds `create_app` here; nothing is configured at import time.
"""

from backend.app import create_app

__all__ = ["create_app"]
