"""Issued signed documents (residence confirmations, approval notices, ...) and the per-agency number books."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.database import Base


class SignedDocument(Base):
    """An issued e-document: its content, the PDF we rendered, the signed token its QR holds, and whether
    it has been revoked (e.g. a residence confirmation is void once the residence information changes)."""

    __tablename__ = "signed_documents"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)  # a random UUID: the id is shown publicly
    doc_type: Mapped[str] = mapped_column(sa.String(40))
    holder_citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    source_ref: Mapped[str | None] = mapped_column(sa.String(60))
    content_json: Mapped[str] = mapped_column(sa.Text)
    content_sha256: Mapped[str] = mapped_column(sa.String(64))
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary)
    pdf_sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    token: Mapped[str] = mapped_column(sa.Text)
    kid: Mapped[str] = mapped_column(sa.String(64))
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(40))
    # The number the issuing agency gives it ("000125/2026/XNCT-CAX.00091"); null on documents issued before
    # numbering existed.
    number: Mapped[str | None] = mapped_column(sa.String(60), unique=True)
    issuer_code: Mapped[str | None] = mapped_column(sa.String(30))
    issuer_name: Mapped[str | None] = mapped_column(sa.String(200))
    # The printed link's /v/<short_id>.<key>: the id finds the row, the key (stored only as a hash) proves
    # the reader saw the paper, so ids cannot be walked.
    short_id: Mapped[str | None] = mapped_column(sa.String(16), unique=True)
    short_key_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    replaced_by_id: Mapped[str | None] = mapped_column(sa.String(36))

    @property
    def content(self) -> dict:
        """The document's fields (their canonical JSON is what the signed token's `sha256` claim covers)."""
        return json.loads(self.content_json)


class DocumentNumberSequence(Base):
    """One number book per issuing agency and calendar year (sổ đăng ký văn bản): numbers restart at 1 each
    year and are never given twice."""

    __tablename__ = "document_number_sequences"

    agency_code: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)

    __table_args__ = (sa.CheckConstraint("last_number >= 0", name="last_number"),)
