"""Issued signed documents (residence confirmations, approval notices, ...)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.database import Base


class SignedDocument(Base):
    """An issued e-document: its content, the PDF we rendered, the signed token its QR holds, and whether
    it has been revoked (e.g. a residence confirmation is void once the residence information changes)."""

    __tablename__ = "signed_documents"

    id: Mapped[str] = mapped_column(sa.String(36),
                                    primary_key=True)  # a random UUID: the id is shown publicly
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
