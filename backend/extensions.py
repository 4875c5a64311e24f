"""Flask extensions, created unbound and initialised in create_app."""

from __future__ import annotations

from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from backend.api import ProblemApi
from backend.database import Database

db = Database()
api = ProblemApi()
jwt = JWTManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
