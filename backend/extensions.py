"""Flask extensions, created unbound and initialised in create_app."""

from __future__ import annotations

import time

import flask_limiter
from flask_jwt_extended import JWTManager
from flask_limiter.util import get_remote_address
from jwt import get_unverified_header

from backend.api import ProblemApi
from backend.database import Database


class VerifiedTokenCache(JWTManager):
    """flask-jwt-extended decodes every token three times (claims unverified, header, then verified) and PyJWT
    checks each base64 segment character by character: a fifth of a cheap request's CPU. A client sends the same
    access token for its whole life, so the claims (and header) of a token whose signature was verified are kept,
    keyed by the exact token string, until the token expires. Expiry, the revocation check and everything else
    still run on every request (a cached token past its `exp` goes through the full decode, which refuses it);
    `cached_bearer` lets the API's guard skip the library's header parsing and second, unverified decode."""

    max_entries = 50_000

    def __init__(self, *args, **kwargs) -> None:
        self._verified: dict[str, dict] = {}
        self._headers: dict[str, dict] = {}
        super().__init__(*args, **kwargs)

    def _decode_jwt_from_config(self, encoded_token: str, csrf_value=None, allow_expired: bool = False) -> dict:
        if csrf_value is None and not allow_expired:
            claims = self._verified.get(encoded_token)
            if claims is not None and time.time() < claims.get("exp", 0):
                return dict(claims)
        claims = super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        if csrf_value is None and not allow_expired and "exp" in claims:
            if len(self._verified) >= self.max_entries:
                self._verified, self._headers = {}, {}
            self._verified[encoded_token] = dict(claims)
            self._headers[encoded_token] = get_unverified_header(encoded_token)
        return claims

    def cached_bearer(self, authorization: str | None) -> tuple[dict, dict] | None:
        """(header, claims) of `Authorization: Bearer <token>` when this process verified exactly that token before
        and it has not expired; None for anything else (no header, another form, a token not seen yet), which then
        goes through flask-jwt-extended in full. The checks flask-jwt-extended runs after decoding (type,
        revocation, custom verification) are the caller's: backend/core/access.py."""
        if not authorization or not authorization.startswith("Bearer "):
            return None
        token = authorization[7:]
        claims = self._verified.get(token)
        header = self._headers.get(token)
        if claims is None or header is None or time.time() >= claims.get("exp", 0):
            return None
        return dict(header), dict(claims)


class Limiter(flask_limiter.Limiter):
    """flask-limiter, less its `before_request` check when that check has nothing to apply. The check only ever
    applies application, default and blueprint limits - a route's own limits are applied by its decorator, which
    stays as it is - and congdan declares none of those, yet on every request it resolved an empty list: a
    quarter of a trivial request's CPU (in process: `/healthz` 0.46 ms with it, 0.33 ms without). Should such a
    limit ever be configured, the check runs again."""

    def _check_request_limit(self, callable_name: str | None = None, in_middleware: bool = True) -> None:
        if in_middleware and not self._limits_beyond_routes():
            return
        super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)

    def _limits_beyond_routes(self) -> bool:
        manager = self.limit_manager
        return bool(manager.application_limits or manager.default_limits or manager._blueprint_limits)


db = Database()
api = ProblemApi()
jwt = VerifiedTokenCache()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
