"""What an uploaded kiosk release may look like: a gzip tarball holding only the `kiosk_app/` folder (regular
files and folders, no links, no absolute or `..` paths), within caps on size and entries, with
`kiosk_app/VERSION` naming the version being uploaded. Checked before anything is stored or signed."""

from __future__ import annotations

import io
import re
import tarfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from backend.errors import ValidationFailed

VERSION_PATTERN = re.compile(r"^\d{1,4}\.\d{1,4}\.\d{1,6}$")
ROOT_FOLDER = "kiosk_app"


@dataclass(frozen=True)
class PackageCaps:
    max_bytes: int
    max_entries: int
    max_unpacked_bytes: int


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def check_package(data: bytes, *, version: str, caps: PackageCaps) -> None:
    if not VERSION_PATTERN.fullmatch(version):
        raise ValidationFailed("The version must look like 2.1.0 (three numbers).", errors={"version": ["pattern"]})
    if len(data) > caps.max_bytes:
        raise ValidationFailed(f"The package is larger than {caps.max_bytes} bytes.", errors={"file": ["too large"]})
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            declared = _check_members(archive, caps)
    except (tarfile.TarError, EOFError, OSError, UnicodeDecodeError) as exc:
        raise ValidationFailed(
            "The package is not a readable .tar.gz archive.", errors={"file": [str(exc)[:100]]}
        ) from None
    if declared != version:
        raise ValidationFailed(
            f"kiosk_app/VERSION says {declared!r}, not {version!r}.", errors={"version": ["does not match"]}
        )


def _check_members(archive: tarfile.TarFile, caps: PackageCaps) -> str | None:
    unpacked, declared, count = 0, None, 0
    for member in archive:
        count += 1
        if count > caps.max_entries:
            raise ValidationFailed(f"The package has more than {caps.max_entries} entries.", errors={"file": ["shape"]})
        path = PurePosixPath(member.name)
        if path.is_absolute() or ".." in path.parts or path.parts[:1] != (ROOT_FOLDER,):
            raise ValidationFailed(f"Unexpected path in the package: {member.name[:80]!r}", errors={"file": ["path"]})
        if not (member.isfile() or member.isdir()):
            raise ValidationFailed("Links and special files are not allowed in a package.", errors={"file": ["type"]})
        unpacked += member.size
        if unpacked > caps.max_unpacked_bytes:
            raise ValidationFailed("The package unpacks to more than allowed.", errors={"file": ["too large"]})
        if member.isfile() and member.name == f"{ROOT_FOLDER}/VERSION":
            if member.size > 64:
                raise ValidationFailed("kiosk_app/VERSION is too long.", errors={"file": ["VERSION"]})
            declared = archive.extractfile(member).read().decode("ascii").strip()
    if declared is None:
        raise ValidationFailed("The package has no kiosk_app/VERSION file.", errors={"file": ["VERSION"]})
    return declared
