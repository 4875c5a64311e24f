"""The buffering front for `make run` and production: nginx in front of gunicorn (backend/front/serve.py)."""
