"""Liveness and readiness probes for load balancers and the kiosk fleet."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify

from backend.errors import problem_response
from backend.extensions import db, limiter

blp = Blueprint("probes", __name__)


@blp.get("/healthz")
@limiter.exempt
def healthz():
    """The process is up."""
    return jsonify(status="ok")


@blp.get("/readyz")
@limiter.exempt
def readyz():
    """The process can reach its database."""
    try:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return problem_response(
            503,
            "Service Unavailable",
            "The database is not reachable.",
            code="unavailable",
            headers={"Retry-After": "5"},
        )
    return jsonify(status="ready", database="ok")
