"""Relying parties, pushed authorization requests, login requests the app approves, device keys, codes and
tokens of the OpenID Connect provider. Codes and tokens are stored as SHA-256 digests: a database leak
does not hand out working credentials."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from authlib.oauth2.rfc6749 import ClientMixin
from sqlalchemy.orm import Mapped, mapped_column

from backend.core import clock
from backend.database import Base

PRIVATE_KEY_JWT, CLIENT_SECRET_BASIC = "private_key_jwt", "client_secret_basic"
# Authlib's name for RFC 7523 client authentication (what OIDC calls private_key_jwt).
AUTHLIB_JWT_METHOD = "client_assertion_jwt"


class RelyingParty(Base, ClientMixin):
    """A service that uses congdan as its login (the portal, a provincial portal, a bank), registered by an
    administrator with what it may ask for and why."""

    __tablename__ = "relying_parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(sa.String(20), unique=True)  # also the consent recipient code
    name: Mapped[str] = mapped_column(sa.String(150))
    purpose: Mapped[str] = mapped_column(sa.String(200))
    legal_basis: Mapped[str] = mapped_column(sa.String(200))
    # Subjects are pairwise per sector: services of one sector (one organisation) share a `sub`.
    sector: Mapped[str] = mapped_column(sa.String(64))
    redirect_uris: Mapped[str] = mapped_column(sa.Text)  # JSON list, matched exactly
    post_logout_redirect_uris: Mapped[str] = mapped_column(sa.Text, default="[]")
    scopes: Mapped[str] = mapped_column(sa.String(200))  # space-separated, "openid" included
    level_required: Mapped[int] = mapped_column(default=1)
    auth_method: Mapped[str] = mapped_column(sa.String(24))  # private_key_jwt | client_secret_basic
    secret_hash: Mapped[str | None] = mapped_column(sa.String(200))
    jwks: Mapped[str | None] = mapped_column(sa.Text)  # the client's public keys (JSON JWK set)
    consent_days: Mapped[int] = mapped_column(default=90)
    status: Mapped[str] = mapped_column(sa.String(10), default="active")  # active | suspended
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))

    __table_args__ = (
        sa.CheckConstraint("status IN ('active', 'suspended')", name="status"),
        sa.CheckConstraint("auth_method IN ('private_key_jwt', 'client_secret_basic')", name="auth_method"),
        sa.CheckConstraint("level_required IN (1, 2)", name="level_required"),
    )

    # --- Authlib's ClientMixin -------------------------------------------------------------------------
    @property
    def redirect_uri_list(self) -> list[str]:
        return json.loads(self.redirect_uris)

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    @property
    def client_metadata(self) -> dict:
        return {"post_logout_redirect_uris": json.loads(self.post_logout_redirect_uris)}

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return None  # redirect_uri is always required and matched exactly

    def get_allowed_scope(self, scope: str) -> str:
        allowed = set(self.scope_list)
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uri_list

    def check_client_secret(self, client_secret: str) -> bool:
        from backend.auth import passwords

        return bool(self.secret_hash) and passwords.verify_password(self.secret_hash, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.status != "active":
            return False
        if self.auth_method == PRIVATE_KEY_JWT:
            return method == AUTHLIB_JWT_METHOD
        return method == CLIENT_SECRET_BASIC

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")

    # Authlib asks the client for its ID token algorithm (OIDC Registration's id_token_signed_response_alg).
    id_token_signed_response_alg = "Ed25519"


class PushedRequest(Base):
    """An authorization request pushed by the relying party over its authenticated back channel (RFC 9126);
    the browser carries only its request_uri."""

    __tablename__ = "oidc_pushed_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(64), unique=True)
    client_id: Mapped[str] = mapped_column(sa.String(20))
    parameters: Mapped[str] = mapped_column(sa.Text)  # JSON object of the validated request
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class DeviceKey(Base):
    """The Ed25519 public key of the app on one phone, registered when the account is activated there. An
    approval of a login is a signature with it; an unbound key (lost phone) approves nothing."""

    __tablename__ = "oidc_device_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    public_key: Mapped[str] = mapped_column(sa.String(64))  # raw 32 bytes, base64url
    label: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime]
    unbound_at: Mapped[datetime | None]
    unbound_by: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))


class LoginRequest(Base):
    """A pending login shown as a QR on the provider's page; the app approves or denies it by signing."""

    __tablename__ = "oidc_login_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    # The browser holds this secret in its signed session; the QR carries only the public id.
    browser_binding: Mapped[str] = mapped_column(sa.String(64))
    client_id: Mapped[str] = mapped_column(sa.String(20))
    # Set when a password session is stepped up: only that account's app may approve.
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")  # pending | approved | denied
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    device_key_id: Mapped[int | None] = mapped_column(sa.ForeignKey("oidc_device_keys.id"))

    __table_args__ = (sa.CheckConstraint("status IN ('pending', 'approved', 'denied', 'used')", name="status"),)

    @property
    def signing_input(self) -> str:
        return f"congdan-login-approval\n{self.public_id}\n{self.client_id}\n<decision>"


class AuthorizationCode(Base):
    __tablename__ = "oidc_authorization_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    client_id: Mapped[str] = mapped_column(sa.String(20))
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    redirect_uri: Mapped[str] = mapped_column(sa.String(500))
    scope: Mapped[str] = mapped_column(sa.String(200))
    nonce: Mapped[str | None] = mapped_column(sa.String(200))
    code_challenge: Mapped[str] = mapped_column(sa.String(128))
    code_challenge_method: Mapped[str] = mapped_column(sa.String(10))
    auth_time: Mapped[datetime]
    acr: Mapped[str] = mapped_column(sa.String(2))
    amr: Mapped[str] = mapped_column(sa.String(60))  # space-separated
    consent_id: Mapped[int] = mapped_column(sa.ForeignKey("consent_receipts.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    # --- Authlib's AuthorizationCodeMixin (OIDC flavour) ------------------------------------------------
    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return int(self.auth_time.timestamp())

    def get_acr(self) -> str:
        return self.acr

    def get_amr(self) -> list[str]:
        return self.amr.split()


class IssuedToken(Base):
    """One access token and its refresh token. Rotation revokes the row and issues a new one."""

    __tablename__ = "oidc_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    access_token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    refresh_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    client_id: Mapped[str] = mapped_column(sa.String(20), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    scope: Mapped[str] = mapped_column(sa.String(200))
    consent_id: Mapped[int] = mapped_column(sa.ForeignKey("consent_receipts.id"), index=True)
    code_id: Mapped[int | None] = mapped_column(sa.ForeignKey("oidc_authorization_codes.id"), index=True)
    acr: Mapped[str] = mapped_column(sa.String(2))
    amr: Mapped[str] = mapped_column(sa.String(60))
    auth_time: Mapped[datetime]
    issued_at: Mapped[datetime]
    access_expires_at: Mapped[datetime]
    refresh_expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(40))

    # --- Authlib's TokenMixin ------------------------------------------------------------------------------
    def check_client(self, client) -> bool:
        return self.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return int((self.access_expires_at - self.issued_at).total_seconds())

    def is_expired(self) -> bool:
        return self.access_expires_at <= clock.now()

    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class UsedClientAssertion(Base):
    """JWT IDs of client assertions already presented: an assertion authenticates once (RFC 7523 3, item 7)."""

    __tablename__ = "oidc_used_client_assertions"

    jti_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)  # sha256(client_id | jti)
    expires_at: Mapped[datetime] = mapped_column(index=True)
