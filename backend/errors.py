"""Domain errors and their rendering as RFC 9457 problem details (application/problem+json).

Every failure of the API - validation, auth, domain rules, unknown routes, crashes - leaves through
`problem_response`, so clients parse one format. No HTML error page and no stack trace ever leaves.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, json, request
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError

from shared_schemas.problem import PROBLEM_CONTENT_TYPE

log = logging.getLogger(__name__)

PROBLEM_BASE = "https://congdan.gov.vn/problems/"


class DomainError(Exception):
    """A business rule said no. Subclasses fix the status and a stable code."""

    status = 400
    code = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, errors: dict | None = None, **extra):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.extra = extra


class ValidationFailed(DomainError):
    status, code, title = 422, "validation-failed", "The request is not valid"


class NotFound(DomainError):
    status, code, title = 404, "not-found", "Not found"


class Conflict(DomainError):
    status, code, title = 409, "conflict", "Conflict"


class Unauthenticated(DomainError):
    status, code, title = 401, "unauthenticated", "Authentication required"


class Forbidden(DomainError):
    status, code, title = 403, "forbidden", "Not allowed"


class LevelRequired(Forbidden):
    code, title = "account-level-required", "A higher account level is needed"


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    code: str | None = None,
    errors: dict | None = None,
    headers: dict | None = None,
    **extra,
):
    body = {
        "type": PROBLEM_BASE + (code or str(status)),
        "title": title,
        "status": status,
        "detail": detail or title,
        "instance": request.path if request else None,
        "code": code or str(status),
    }
    if errors:
        body["errors"] = errors
    body.update({k: v for k, v in extra.items() if v is not None})
    response = current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


_HTTP_CODES = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-failed",
    429: "too-many-requests",
    500: "internal-error",
    503: "unavailable",
}


def http_exception_to_problem(error: HTTPException):
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    headers = dict(data.get("headers") or {})
    if status == 429:
        detail = "Too many attempts. Please wait a moment and try again."
        limit = getattr(getattr(error, "limit", None), "limit", None)  # flask-limiter's RateLimitExceeded
        if limit is not None and "Retry-After" not in headers:
            headers["Retry-After"] = str(limit.get_expiry())
    elif status == 422:
        detail = "Some fields are missing or not valid; see `errors`."
    elif status >= 500:
        detail = "Something went wrong on our side. The request was not completed; please try again."
    else:
        detail = data.get("message") or error.description
    if status == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    title = error.name if status < 500 else "Internal server error"
    return problem_response(status, title, detail, code=_HTTP_CODES.get(status), errors=errors, headers=headers)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError):
        return problem_response(
            error.status,
            error.title,
            error.detail,
            code=error.code,
            errors=error.errors,
            headers=getattr(error, "headers", None),
            **error.extra,
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        return http_exception_to_problem(error)

    @app.errorhandler(sa_exc.OperationalError)
    @app.errorhandler(sa_exc.InterfaceError)
    @app.errorhandler(sa_exc.DisconnectionError)
    @app.errorhandler(sa_exc.TimeoutError)
    def _database_unavailable(error: Exception):
        # The database restarted, failed over or is unreachable: the request did not complete and may be
        # retried (the pool's checkout check replaces dead connections, so the app recovers without a restart).
        log.warning("database unavailable on %s %s: %s", request.method, request.path, type(error).__name__)
        return problem_response(
            503,
            "Service temporarily unavailable",
            "The database is not reachable right now. The request was not completed; please try again shortly.",
            code="unavailable",
            headers={"Retry-After": "5"},
        )

    @app.errorhandler(sa_exc.DBAPIError)
    def _database_error(error: sa_exc.DBAPIError):
        # A connection that died mid-request can surface as another DBAPI error while the driver tidies up
        # (psycopg: "can't change 'autocommit' now" after "connection socket closed"): that is an outage too.
        if error.connection_invalidated or _lost_connection(error):
            return _database_unavailable(error)
        return _crash(error)

    @app.errorhandler(Exception)
    def _crash(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return http_exception_to_problem(InternalServerError())


class Deceased(Conflict):
    """The person is recorded as deceased in the population registry (a death registration)."""

    code, title = "deceased", "The person is recorded as deceased"


def _lost_connection(error: BaseException) -> bool:
    """Whether a driver-level lost connection (an OperationalError or InterfaceError of the DBAPI module) is
    among the causes of `error`."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if type(current).__name__ in ("OperationalError", "InterfaceError"):
            return True
        current = current.__cause__ or current.__context__
    return False
