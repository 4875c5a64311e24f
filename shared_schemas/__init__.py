"""The wire contract between the congdan backend and its clients (kiosk, CLI, tests).

Marshmallow schemas and the small pure helpers they need; no Flask, SQLAlchemy or Kivy here.
"""
