"""Authlib's authorization server and resource protector, wired to congdan's relying parties, codes, tokens,
signing keys and clock. FAPI 2.0 choices: pushed requests only, PKCE with S256 only, sender authentication by
private_key_jwt (client_secret_basic kept for simple parties), EdDSA ID tokens, short-lived codes."""

from __future__ import annotations

import json
import secrets

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import InvalidClientError, InvalidRequestError, grants
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator, BearerTokenValidator
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9207 import IssuerParameter
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.rpinitiated import EndSessionEndpoint
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from flask import Flask, current_app, request, url_for
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from backend.core import clock
from backend.core.keys import keyring
from backend.extensions import db
from backend.identity_provider import service, tokens
from backend.identity_provider.models import AUTHLIB_JWT_METHOD, CLIENT_SECRET_BASIC, PushedRequest
from shared_schemas.signed import b64url_encode

AUTH_METHODS = [CLIENT_SECRET_BASIC, AUTHLIB_JWT_METHOD]
ID_TOKEN_LIFETIME_S = 600
# RFC 9864's fully-specified name for EdDSA over Ed25519 (the key ring's keys); "EdDSA" is deprecated by it.
ID_TOKEN_ALG = "Ed25519"
# What a party may sign its client assertions with (FAPI 2.0 5.4: PS256, ES256 or EdDSA over Ed25519).
CLIENT_ASSERTION_ALGS = ["PS256", "ES256", "Ed25519"]

authorization = AuthorizationServer()
protected = ResourceProtector()


def issuer() -> str:
    return current_app.config.get("OIDC_ISSUER") or request.host_url.rstrip("/")


def public_jwks() -> dict:
    """Every key still trusted: after a rotation, ID tokens signed with an old key keep verifying."""
    document = keyring().jwks()
    for key in document["keys"]:
        key["use"], key["alg"] = "sig", ID_TOKEN_ALG  # the ring's keys, named as RFC 9864 names them
    return document


def signing_jwk() -> dict:
    key = keyring().current
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "kid": key.kid,
        "x": b64url_encode(key.public.public_bytes(Encoding.Raw, PublicFormat.Raw)),
        "d": b64url_encode(key.private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())),
    }


# --- grants ---------------------------------------------------------------------------------------------
class S256Only(CodeChallenge):
    """PKCE is required and `plain` is refused (FAPI 2.0, 5.3.1.2)."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        # Authlib enforces `required` only at the token endpoint; refuse the request itself.
        if not grant.request.payload.data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge with code_challenge_method=S256.")
        return super().validate_code_challenge(grant, redirect_uri)


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def save_authorization_code(self, code, request):
        tokens.save_code(
            session=db.session,
            code=code,
            client=request.client,
            payload=request.payload,
            approval=request.user,
            now=clock.now(),
        )

    def query_authorization_code(self, code, client):
        return tokens.find_code(session=db.session, code=code, client=client, now=clock.now())

    def delete_authorization_code(self, authorization_code):
        tokens.use_code(session=db.session, code=authorization_code, now=clock.now())

    def authenticate_user(self, authorization_code):
        return tokens.subject(session=db.session, client=self.request.client, account_id=authorization_code.account_id)


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        row = tokens.find_refresh_token(session=db.session, refresh_token=refresh_token, now=clock.now())
        return row

    def authenticate_user(self, refresh_token):
        return tokens.subject(session=db.session, client=self.request.client, account_id=refresh_token.account_id)

    def revoke_old_credential(self, refresh_token):
        tokens.rotate(session=db.session, row=refresh_token, now=clock.now())


class IdToken(OpenIDCode):
    DEFAULT_EXPIRES_IN = ID_TOKEN_LIFETIME_S

    def exists_nonce(self, nonce, request):
        return False  # nonces are the party's to check; codes themselves are single-use

    def resolve_client_private_key(self, client):
        return signing_jwk()

    def get_client_algorithm(self, client):
        return ID_TOKEN_ALG

    def get_encode_header(self, client):
        return {"alg": ID_TOKEN_ALG, "kid": keyring().current_kid, "typ": "JWT"}

    def get_client_claims(self, client):
        return {"iss": issuer(), "aud": [client.get_client_id()]}

    def generate_user_info(self, user, scope):
        return UserInfo(sub=user.sub)  # personal data goes through userinfo only, where it is audited


# --- client authentication by signed assertion (private_key_jwt) -------------------------------------------
class ClientAssertion(JWTBearerClientAssertion):
    def get_audiences(self):
        # The issuer (FAPI 2.0) and, for older clients, the endpoint they are calling.
        return [issuer(), issuer() + "/oidc/token", issuer() + "/oidc/par", request.base_url]

    def process_assertion_claims(self, assertion, resolve_key):
        try:
            token = jwt.decode(assertion, resolve_key, algorithms=CLIENT_ASSERTION_ALGS)
        except JoseError as error:
            raise InvalidClientError(description=error.description) from error
        self.verify_claims(token.claims)
        return token.claims

    def validate_jti(self, claims, jti):
        return tokens.remember_assertion(
            session=db.session, client_id=claims["sub"], jti=jti, expires_at=claims["exp"], now=clock.now()
        )

    def resolve_client_public_key(self, client):
        return KeySet.import_key_set(json.loads(client.jwks or '{"keys": []}'))


# --- the pushed request is the only way in ----------------------------------------------------------------
def use_pushed_request(server, oauth_request) -> None:
    """At the authorization endpoint the browser brings only client_id and request_uri; the parameters come
    from what the party pushed (RFC 9126 4). A request not pushed is refused."""
    if request.endpoint == "oidc.pushed_authorization_request":
        return
    data = oauth_request.payload.data
    row = service.pushed_request(
        session=db.session,
        client_id=data.get("client_id") or "",
        request_uri=data.get("request_uri") or "",
        now=clock.now(),
    )
    if row is None:
        raise InvalidRequestError("Unknown, used or expired 'request_uri'; start again from the service.")
    oauth_request.payload = BasicOAuth2Payload(json.loads(row.parameters))
    oauth_request.pushed_request = row


def pushed_row(grant) -> PushedRequest:
    return grant.request.pushed_request


# --- bearer tokens --------------------------------------------------------------------------------------
class AccessTokenValidator(BearerTokenValidator):
    def authenticate_token(self, token_string):
        return tokens.find_access_token(session=db.session, access_token=token_string, now=clock.now())


def _new_token(*args, **kwargs) -> str:
    return secrets.token_urlsafe(32)


def _expires_in(client, grant_type) -> int:
    return int(tokens.ACCESS_TOKEN_LIFETIME.total_seconds())


def _save_token(token: dict, oauth_request) -> None:
    tokens.save_token(
        session=db.session,
        token=token,
        client=oauth_request.client,
        user=oauth_request.user,
        code=getattr(oauth_request, "authorization_code", None),
        previous=getattr(oauth_request, "refresh_token", None),
        now=clock.now(),
    )


def _query_client(client_id):
    return service.find_client(session=db.session, client_id=client_id)


class ResponseIssuer(IssuerParameter):
    """RFC 9207: every authorization response names its issuer, so a party cannot be mixed up (FAPI 2.0)."""

    def get_issuer(self) -> str:
        return issuer()


class EndSession(EndSessionEndpoint):
    def get_server_jwks(self):
        return public_jwks()

    def get_algorithms(self):
        return [ID_TOKEN_ALG]

    def resolve_client_from_id_token_claims(self, id_token_claims):
        audience = id_token_claims.get("aud")
        if isinstance(audience, list) and len(audience) == 1:  # our ID tokens name exactly one party
            audience = audience[0]
        return self.server.query_client(audience) if isinstance(audience, str) else None

    def end_session(self, end_session_request):
        pass  # the route clears the login cookie on every answer


def init_app(app: Flask) -> None:
    authorization.init_app(app, query_client=_query_client, save_token=_save_token)
    authorization.register_token_generator(
        "default",
        BearerTokenGenerator(
            access_token_generator=_new_token, refresh_token_generator=_new_token, expires_generator=_expires_in
        ),
    )
    authorization.register_hook("before_get_authorization_grant", use_pushed_request)
    authorization.register_client_auth_method(AUTHLIB_JWT_METHOD, ClientAssertion(validate_jti=True))
    authorization.register_grant(CodeGrant, [S256Only(required=True), IdToken(require_nonce=False)])
    authorization.register_grant(RefreshGrant)
    authorization.register_endpoint(EndSession)
    authorization.register_extension(ResponseIssuer())
    protected.register_token_validator(AccessTokenValidator())


def metadata() -> dict:
    """The discovery document (OIDC Discovery 1.0, RFC 8414)."""
    base = issuer()
    return {
        "issuer": base,
        "authorization_endpoint": base + url_for("oidc.authorize"),
        "pushed_authorization_request_endpoint": base + url_for("oidc.pushed_authorization_request"),
        "require_pushed_authorization_requests": True,
        "token_endpoint": base + url_for("oidc.token"),
        "userinfo_endpoint": base + url_for("oidc.userinfo"),
        "jwks_uri": base + url_for("oidc.jwks"),
        "end_session_endpoint": base + url_for("oidc.end_session"),
        "scopes_supported": list(tokens.claims.SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": [ID_TOKEN_ALG],
        "token_endpoint_auth_methods_supported": ["private_key_jwt", CLIENT_SECRET_BASIC],
        "token_endpoint_auth_signing_alg_values_supported": CLIENT_ASSERTION_ALGS,
        "code_challenge_methods_supported": ["S256"],
        "acr_values_supported": ["1", "2"],
        "claims_supported": ["sub", "acr", "amr", "auth_time", *tokens.claims.FIELDS],
        "authorization_response_iss_parameter_supported": True,
        "ui_locales_supported": ["vi", "en"],
    }
