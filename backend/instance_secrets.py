"""Secrets the operator did not configure: generated once into a folder of the instance (mode 0600) and read
back by every process, so no secret is ever written in the source or derived from another one.

Each secret is a file of its own. Two gunicorn workers starting together may both generate one; the file is
published with link(2), which refuses to replace an existing file, so exactly one value wins and both read it.
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

# Each is independent: a leak of one (say the dashboard cookie key) forges nothing signed with another.
GENERATED_SECRETS = ("SECRET_KEY", "JWT_SECRET_KEY", "PAYMENT_GATEWAY_SECRET", "OIDC_PAIRWISE_SECRET")
MIN_LENGTH = 32
DEFAULT_DIR_NAME = "secrets"


class SecretsError(RuntimeError):
    """A secret file is unusable (empty, too short, unreadable): refuse to start rather than guess."""


def secrets_dir(instance_path: str, configured: str | None) -> Path:
    return Path(configured) if configured else Path(instance_path) / DEFAULT_DIR_NAME


def load_or_create(folder: Path, name: str) -> str:
    """The secret in `folder/name`, generating it first when the file does not exist yet."""
    path = folder / name
    if not path.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.")  # mkstemp creates it 0600
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_urlsafe(48))
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(temporary, path)
                log.warning("generated %s into %s", name, path)
            except FileExistsError:
                pass  # another process published its value first: everyone uses that one
        finally:
            os.unlink(temporary)
    try:
        value = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretsError(f"cannot read the secret file {path}: {exc}") from None
    if len(value) < MIN_LENGTH:
        raise SecretsError(f"the secret file {path} holds fewer than {MIN_LENGTH} characters")
    return value


def fill_missing(config: dict, instance_path: str) -> list[str]:
    """Give every unconfigured secret a value; returns the names that came from files.

    Tests (TESTING) that name no secret get a fresh random one per app and write nothing to disk.
    """
    folder = secrets_dir(instance_path, config.get("SECRETS_DIR"))
    from_files = []
    for name in GENERATED_SECRETS:
        if config.get(name):
            continue
        if config.get("TESTING") and not config.get("SECRETS_DIR"):
            config[name] = secrets.token_urlsafe(48)
            continue
        config[name] = load_or_create(folder, name)
        from_files.append(name)
    return from_files
