"""Issuing, listing, revoking and verifying signed documents; minting identity QR tokens."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, defer

from backend.audit import service as audit
from backend.core import clock
from backend.core.access import CITIZEN, Principal
from backend.core.keys import KeyRing, keyring
from backend.documents import authorities, numbering, pades
from backend.documents.authorities import Authority
from backend.documents.models import SignedDocument
from backend.documents.pdf import Amounts, DocumentLayout, Line, render_pdf
from backend.documents.templates import template_for
from backend.errors import Forbidden, NotFound
from backend.registry.models import Citizen
from shared_schemas import signed as jws
from shared_schemas.text import mask_personal_id

log = logging.getLogger(__name__)

DEFAULT_ISSUER = "https://congdan.gov.vn"
IDENTITY_TOKEN_LIFETIME = timedelta(seconds=120)
VALID, EXPIRED, REVOKED, REPLACED, TAMPERED = "valid", "expired", "revoked", "replaced", "tampered"
SHORT_CODE_LENGTH = 8  # 40 bits each for the id and the key: short enough for a version-3 QR
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U to misread
_PDF_TOKEN = re.compile(rb"congdan-jws:([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")


_VERIFICATION_SHOWS = frozenset({"doc_type", "issued_at", "expires_at", "revoked_at", "kid", "number", "issuer_code"})


@dataclass(frozen=True)
class Verification:
    """What a verifier learns about a document; `reason` says why it is not valid."""

    status: str
    reason: str | None = None
    document: SignedDocument | None = None
    claims: dict | None = None

    def __getattr__(self, name: str):
        """What DocumentVerificationSchema shows of the document: nothing at all when no document was found
        (the keys are absent, not null), else its own fields and the holder's masked ID from the token."""
        document = self.__dict__.get("document")
        if document is not None:
            if name == "document_id":
                return document.id
            if name == "holder":
                return self.claims["hid"]
            if name in _VERIFICATION_SHOWS:
                return getattr(document, name)
        raise AttributeError(name)


def issuer() -> str:
    return current_app.config.get("DOCUMENT_ISSUER") or DEFAULT_ISSUER


def issue_document(
    *,
    session: Session,
    holder: Citizen,
    doc_type: str,
    lines: list[Line],
    content: dict,
    validity: timedelta,
    jurisdiction: str | None = None,
    authority: Authority | None = None,
    amounts: Amounts | None = None,
    source_ref: str | None = None,
    note_vi: str = "",
    note_en: str = "",
    title: tuple[str, str] | None = None,
    now: datetime | None = None,
    keys: KeyRing | None = None,
) -> SignedDocument:
    """Number `content` in the issuing agency's book, sign it (JWS for the QR, PAdES for the PDF), render
    it on its type's template and store it. `jurisdiction` (a ward or province code) names the issuing
    authority unless `authority` is given; `title` (Vietnamese, English) overrides the template's."""
    keys = keys or keyring()
    now = (now or clock.now()).replace(microsecond=0)
    template = template_for(doc_type)
    authority = authority or authorities.resolve(template.authority_kind, jurisdiction)
    year = clock.local_date(now).year
    number = numbering.format_number(
        numbering.allocate(session, authority.code, year), year, template.symbol, authority.code
    )
    document_id = str(uuid.uuid4())
    short_id, short_key = _new_short_id(session), _random_code(SHORT_CODE_LENGTH)
    expires_at = now + validity
    claims = {
        "iss": issuer(),
        "doc": doc_type,
        "did": document_id,
        "hid": mask_personal_id(holder.personal_id),
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "sha256": jws.content_sha256(content),
    }
    signing_key = keys.current
    token = jws.sign_compact(claims, signing_key.private, signing_key.kid, jws.DOCUMENT_TOKEN_TYPE)
    signing = pades.material()
    printed_link, qr_link = verification_link(short_id, short_key)
    title_vi, title_en = title or (template.title_vi, template.title_en)
    layout = DocumentLayout(
        title_vi=title_vi,
        title_en=title_en,
        authority=authority,
        number=number,
        lines=lines,
        issued_at=now,
        expires_at=expires_at,
        verify_url=printed_link,
        link_qr_text=qr_link,
        form_vi=template.form_vi,
        legal_basis=template.legal_basis,
        amounts=amounts,
        note_vi=note_vi,
        note_en=note_en,
        signed_by=signing.signer_name,
    )
    pdf = pades.sign_pdf(
        render_pdf(layout, token), reason=f"{title_vi} số {number}", location=authority.place, signing=signing
    )
    document = SignedDocument(
        id=document_id,
        doc_type=doc_type,
        holder_citizen_id=holder.id,
        source_ref=source_ref,
        content_json=jws.canonical_content(content).decode("utf-8"),
        content_sha256=claims["sha256"],
        pdf=pdf,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        token=token,
        kid=signing_key.kid,
        issued_at=now,
        expires_at=expires_at,
        number=number,
        issuer_code=authority.code,
        issuer_name=authority.full_name_vi,
        short_id=short_id,
        short_key_sha256=_key_hash(short_key),
    )
    session.add(document)
    session.flush()
    log.info("issued %s document %s no. %s (kid %s)", doc_type, document_id, number, signing_key.kid)
    return document


def verification_link(short_id: str, short_key: str) -> tuple[str, str]:
    """The printed link and the text its QR holds. The QR upper-cases a bare-host link: QR alphanumeric mode
    packs upper-case letters, digits and ':/.' tighter than bytes, so the code stays small (hosts and the
    /V/ route are case-insensitive)."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or DEFAULT_ISSUER).rstrip("/")
    printed = f"{base}/v/{short_id}.{short_key}"
    bare_host = urlsplit(base).path in ("", "/")
    return printed, (f"{base}/V/{short_id}.{short_key}".upper() if bare_host else printed)


def supersede(
    *, session: Session, holder_citizen_id: int, doc_type: str, new: SignedDocument, now: datetime | None = None
) -> int:
    """Mark the holder's earlier live documents of this type as replaced by `new` (e.g. an extension's
    notice replaces the registration's)."""
    now = now or clock.now()
    older = session.scalars(
        sa.select(SignedDocument).where(
            SignedDocument.holder_citizen_id == holder_citizen_id,
            SignedDocument.doc_type == doc_type,
            SignedDocument.id != new.id,
            SignedDocument.revoked_at.is_(None),
            SignedDocument.expires_at > now,
        )
    ).all()
    for document in older:
        document.revoked_at, document.revoked_reason, document.replaced_by_id = now, "replaced", new.id
    return len(older)


def _random_code(length: int) -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(length))


def _new_short_id(session: Session) -> str:
    for _ in range(8):
        candidate = _random_code(SHORT_CODE_LENGTH)
        if session.scalar(sa.select(SignedDocument.id).where(SignedDocument.short_id == candidate)) is None:
            return candidate
    raise RuntimeError("could not find a free short id")  # 32^8 ids: only a broken RNG gets here


def _key_hash(short_key: str) -> str:
    return hashlib.sha256(short_key.upper().encode("ascii")).hexdigest()


def revoke_for_holder(
    *, session: Session, citizen_id: int, doc_type: str, reason: str, now: datetime | None = None
) -> int:
    """Void the holder's unrevoked documents of this type (their facts changed)."""
    now = now or clock.now()
    documents = session.scalars(
        sa.select(SignedDocument).where(
            SignedDocument.holder_citizen_id == citizen_id,
            SignedDocument.doc_type == doc_type,
            SignedDocument.revoked_at.is_(None),
            SignedDocument.expires_at > now,
        )
    ).all()
    for document in documents:
        document.revoked_at, document.revoked_reason = now, reason
    return len(documents)


def list_own(*, session: Session, principal: Principal) -> list[SignedDocument]:
    if principal.role != CITIZEN or principal.citizen_id is None:
        raise Forbidden("Only a citizen account holds documents.")
    return list(
        session.scalars(
            sa.select(SignedDocument)
            .options(defer(SignedDocument.pdf))  # the list shows no PDF: do not read each one's bytes
            .where(SignedDocument.holder_citizen_id == principal.citizen_id)
            .order_by(SignedDocument.issued_at.desc(), SignedDocument.id)
        )
    )


def get_own(*, session: Session, principal: Principal, document_id: str) -> SignedDocument:
    document = session.get(SignedDocument, document_id)
    # Someone else's document answers like a missing one: its id alone reveals nothing.
    if document is None or not principal.is_citizen(document.holder_citizen_id):
        raise NotFound("No such document among yours.")
    return document


def verify(
    *,
    session: Session,
    token: str,
    content: dict | None = None,
    pdf: bytes | None = None,
    now: datetime | None = None,
    keys: KeyRing | None = None,
) -> Verification:
    """The online verdict: valid, expired, revoked, replaced or tampered (and why)."""
    keys = keys or keyring()
    now = now or clock.now()
    try:
        verified = jws.verify_document_token(token, keys.jwks(), now, content=content)
    except jws.TokenExpired:
        verified = jws.verify_signature(token, keys.jwks(), typ=jws.DOCUMENT_TOKEN_TYPE)
    except jws.ContentMismatch:
        return Verification(TAMPERED, "content-mismatch")
    except jws.UnknownKey:
        return Verification(TAMPERED, "unknown-key")
    except (jws.BadSignature, jws.MalformedToken, jws.WrongTokenType, jws.InvalidClaims, jws.TokenNotYetValid):
        return Verification(TAMPERED, "bad-signature")
    document = session.get(SignedDocument, verified.claims["did"])
    if document is None or document.token != token.strip():
        return Verification(TAMPERED, "unknown-document")
    if pdf is not None and hashlib.sha256(pdf).hexdigest() != document.pdf_sha256:
        return Verification(TAMPERED, "pdf-modified", document, verified.claims)
    return _standing(document, verified.claims, now)


def _standing(document: SignedDocument, claims: dict, now: datetime) -> Verification:
    ended_by_revocation = document.revoked_at is not None and document.revoked_at < document.expires_at
    if ended_by_revocation and document.revoked_at <= now:
        status = REPLACED if document.replaced_by_id else REVOKED
        return Verification(status, document.revoked_reason, document, claims)
    if now >= document.expires_at:
        return Verification(EXPIRED, "validity-period-ended", document, claims)
    return Verification(VALID, None, document, claims)


def verify_pdf(*, session: Session, pdf: bytes, now: datetime | None = None) -> Verification:
    """Verify a PDF as downloaded: its PAdES signature (intact, by our CA, covering the whole file), the
    token it carries, and every byte of the file against what was issued."""
    match = _PDF_TOKEN.search(pdf)
    if match is None:
        return Verification(TAMPERED, "no-signature")
    signature = pades.validate(pdf)
    result = verify(session=session, token=match.group(1).decode("ascii"), pdf=pdf, now=now)
    # Documents issued before PDFs were PAdES-signed (no agency number) still verify by their stored hash.
    legacy = result.document is not None and result.document.number is None and not signature.present
    if result.status != TAMPERED and not signature.ok and not legacy:
        return Verification(TAMPERED, "pdf-signature-invalid", result.document, result.claims)
    return result


def verify_link(
    *, session: Session, code: str, now: datetime | None = None, keys: KeyRing | None = None
) -> Verification:
    """The verdict for a printed link's `<short id>.<key>`. An unknown id and a wrong key answer alike
    (tampered), so the page tells nobody which ids exist."""
    short_id, _, short_key = code.strip().upper().partition(".")
    if not short_id or not short_key or len(code) > 40:
        return Verification(TAMPERED, "malformed-link")
    document = session.scalar(sa.select(SignedDocument).where(SignedDocument.short_id == short_id))
    if document is None or not hmac.compare_digest(document.short_key_sha256 or "", _key_hash(short_key)):
        return Verification(TAMPERED, "unknown-link")
    # The row itself must still carry our signature: a row edited in the database is not vouched for.
    return verify(session=session, token=document.token, now=now, keys=keys)


def record_verification(*, session: Session, result: Verification, channel: str) -> None:
    """Tell the holder their document was checked ("verified by someone"): who is not known, when and how is."""
    if result.document is not None:
        audit.record_public_read(
            session=session,
            subject_citizen_id=result.document.holder_citizen_id,
            record_type="signed_document",
            record_ref=result.document.number or result.document.id,
            purpose=f"Kiểm tra văn bản ({channel}) / document verified ({channel})",
        )


def identity_token(
    *, session: Session, principal: Principal, now: datetime | None = None, keys: KeyRing | None = None
) -> tuple[str, datetime]:
    """A short-lived signed identity token for the citizen's QR; kiosks verify it offline with the JWKS."""
    citizen = session.get(Citizen, principal.citizen_id) if principal.citizen_id else None
    if principal.role != CITIZEN or citizen is None:
        raise Forbidden("Only a citizen account has an identity QR.")
    keys = keys or keyring()
    now = (now or clock.now()).replace(microsecond=0)
    expires_at = now + IDENTITY_TOKEN_LIFETIME
    claims = {
        "iss": issuer(),
        "sub": citizen.personal_id,
        "name": citizen.full_name,
        "dob": citizen.date_of_birth.isoformat(),
        "lvl": principal.level,
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "jti": uuid.uuid4().hex,
    }
    token = jws.sign_compact(claims, keys.current.private, keys.current.kid, jws.IDENTITY_TOKEN_TYPE)
    return token, expires_at
