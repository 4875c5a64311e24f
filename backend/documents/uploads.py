"""Uploaded files: the type is decided by the content (magic bytes), never by the name or the client's
Content-Type, and the size is limited."""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import FileStorage

from backend.errors import DomainError, ValidationFailed

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
_SIGNATURES = ((b"%PDF-", PDF), (b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG))


class PayloadTooLarge(DomainError):
    status, code, title = 413, "payload-too-large", "The file is too large"


@dataclass(frozen=True)
class Upload:
    filename: str
    media_type: str
    data: bytes


def sniff(data: bytes) -> str | None:
    for signature, media_type in _SIGNATURES:
        if data.startswith(signature):
            return media_type
    return None


def read_upload(file: FileStorage, *, field: str, allowed: tuple[str, ...], max_bytes: int) -> Upload:
    data = file.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"The file is larger than {max_bytes // 1024} KiB.", max_bytes=max_bytes)
    if not data:
        raise ValidationFailed("The file is empty.", errors={"files": {field: ["The file is empty."]}})
    media_type = sniff(data)
    if media_type not in allowed:
        names = ", ".join(kind.split("/")[1].upper() for kind in allowed)
        detail = f"The file's content is not {names}, whatever its name or declared type says."
        raise ValidationFailed(detail, errors={"files": {field: [detail]}})
    declared = (file.mimetype or "").lower()
    if declared not in ("", "application/octet-stream", media_type):
        detail = f"The file says it is {declared} but its content is {media_type}."
        raise ValidationFailed(detail, errors={"files": {field: [detail]}})
    filename = (file.filename or "upload").replace("/", "_").replace("\\", "_")[-120:]
    return Upload(filename=filename, media_type=media_type, data=data)
