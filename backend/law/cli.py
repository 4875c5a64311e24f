"""`flask --app backend law list | history NAME | load FILE --by NAME`: see and load legal-parameter versions."""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
import tempfile

import click
import marshmallow as ma
from flask import Flask

from backend.core import clock
from backend.law import store

log = logging.getLogger(__name__)
MAX_FILE_BYTES = 1024 * 1024


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 70 else text[:67] + "..."


def load_file(path: str, loaded_by: str, now=None) -> list[store.Version]:
    """Validate FILE and add its versions to LAW_DIR; append who/when/what to the audit file."""
    folder = store.law_dir()
    if folder is None:
        raise click.ClickException("no LAW_DIR: set it (tests) or run outside the testing environment")
    with open(path, "rb") as handle:
        raw = handle.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise click.ClickException(f"{path} is larger than {MAX_FILE_BYTES} bytes")
    try:
        versions = store.parse(json.loads(raw.decode("utf-8")), origin="loaded")
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{path} is not JSON in UTF-8: {exc}") from exc
    except ma.ValidationError as exc:
        raise click.ClickException(f"{path} refused: {json.dumps(exc.messages, ensure_ascii=False)}") from exc
    moment = (now or clock.now()).astimezone(clock.VIETNAM_TZ).isoformat(timespec="seconds")
    try:
        os_user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        os_user = f"uid {os.getuid()}"
    who = f"{loaded_by} (os user {os_user})"
    digest = hashlib.sha256(raw).hexdigest()
    folder.mkdir(parents=True, exist_ok=True)
    rows = store.read_loaded(folder) + [
        {
            "name": v.name,
            "effective_from": v.effective_from.isoformat(),
            "value": v.value,
            "source": v.source,
            "loaded_at": moment,
            "loaded_by": who,
            "file_sha256": digest,
        }
        for v in versions
    ]
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(rows, out, ensure_ascii=False, indent=1)
    os.replace(temporary, folder / store.LOADED_FILE)  # readers see the old file or the new, never half
    entry = {
        "at": moment,
        "by": who,
        "file": os.path.basename(path),
        "sha256": digest,
        "versions": [[v.name, v.effective_from.isoformat(), v.source] for v in versions],
    }
    with open(folder / store.AUDIT_FILE, "a", encoding="utf-8") as audit:
        audit.write(json.dumps(entry, ensure_ascii=False) + "\n")
    store.forget()
    log.warning(
        "legal parameters loaded by %s from %s (sha256 %s): %s",
        who,
        path,
        digest,
        ", ".join(f"{v.name}@{v.effective_from}" for v in versions),
    )
    return versions


def register(app: Flask) -> None:
    group = click.Group("law", help="Legal parameters: dated values with their legal source.")

    @group.command("list")
    @click.option(
        "--on",
        "on",
        type=click.DateTime(["%Y-%m-%d"]),
        default=None,
        help="Show the versions in force on this day (default: every version)",
    )
    def list_(on) -> None:
        """Every parameter, with the version in force on --on, or its whole history."""
        book = store.book()
        for name in book.names():
            versions = book.history(name)
            if on:
                try:
                    versions = [book.version(name, on.date())]
                except store.NotInForce:
                    versions = []
            for v in versions:
                click.echo(f"{name}  from {v.effective_from}  {_short(v.value)}\n    {v.source}  [{v.origin}]")

    @group.command("load")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--by", "loaded_by", required=True, help="Who orders this change (name, title)")
    def load(path: str, loaded_by: str) -> None:
        """Validate FILE (same shape as backend/law/data/*.json) and add its versions."""
        versions = load_file(path, loaded_by)
        for v in versions:
            click.echo(f"loaded {v.name} from {v.effective_from} ({v.source})")

    @group.command("audit")
    def audit() -> None:
        """Who loaded which versions, when."""
        folder = store.law_dir()
        path = folder / store.AUDIT_FILE if folder else None
        if path is None or not path.exists():
            click.echo("no versions were ever loaded")
            return
        click.echo(path.read_text(encoding="utf-8"), nl=False)

    app.cli.add_command(group)
