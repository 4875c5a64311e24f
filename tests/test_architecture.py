"""The layers of docs/architecture.md, enforced over the import graph: a package may import only packages of
lower layers (and its own). A new package fails here until it is placed in LAYERS and in the document."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Lowest first. A module imports from its own package or from a package of a strictly lower layer.
LAYERS: list[set[str]] = [
    {"shared_schemas"},
    {"hardware"},
    {
        "backend.errors",
        "backend.database",
        "backend.api",
        "backend.extensions",
        "backend.config",
        "backend.instance_secrets",
        "backend.logs",
        "backend.access_log",
        "backend.json_guard",
        "backend.probes",
        "backend.gunicorn_conf",
        "backend.front",
    },
    {"backend.core"},
    {
        "backend.audit",
        "backend.notifications",
        "backend.identification",
        "backend.law",
        "backend.verification",
        "backend.consent",
    },
    {"backend.registry"},
    {"backend.auth", "backend.documents"},
    {"backend.payments"},
    {"backend.health", "backend.residence", "backend.judicial", "backend.traffic"},
    # The fleet (kiosks, their calls for help) and the linked life-event procedures stand on the domains above.
    {"backend.fleet", "backend.life_events"},
    # The national login: releases registry data under consent; uses the fleet's web settings.
    {"backend.identity_provider", "backend.updates"},
    # Account recovery: verified chip + face, then binds a device key of the national login and ends sessions.
    {"backend.recovery"},
    # The staff web consoles: pages over the services of every domain (their session is auth's).
    {"backend.consoles"},
    # The composition root: wires every domain together.
    {
        "backend.app",
        "backend.models",
        "backend.cli",
        "backend.demo",
        "backend.migrate",
        "backend.overload",
        "backend.migrations",
    },
    {"kiosk_app"},
]
# Within these two layers modules may import each other (the ground floor's small plumbing modules, and the
# composition root); within a domain layer, peers never import each other.
OPEN_LAYERS = {2, 13}
LAYER_OF = {package: rank for rank, layer in enumerate(LAYERS) for package in layer}
# kiosk_app talks to the backend over HTTP only; it shares the wire schemas, never backend code.
FORBIDDEN = {
    "kiosk_app": {"backend"},
    "hardware": {"backend", "kiosk_app"},
    "shared_schemas": {"backend", "kiosk_app", "hardware", "flask", "sqlalchemy", "kivy"},
}


def package_of(module: str) -> str | None:
    """The LAYERS entry a dotted module name belongs to (the longest matching prefix)."""
    if module == "backend":  # the package's __init__ re-exports create_app: part of the composition root
        return "backend.app"
    parts = module.split(".")
    for length in range(len(parts), 0, -1):
        candidate = ".".join(parts[:length])
        if candidate in LAYER_OF:
            return candidate
    return None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def sources() -> list[Path]:
    return sorted(
        path for top in ("backend", "hardware", "shared_schemas", "kiosk_app") for path in (ROOT / top).rglob("*.py")
    )


def test_every_package_has_a_layer():
    unplaced = {module_name(path) for path in sources() if package_of(module_name(path)) is None}
    assert not unplaced, f"place these in LAYERS (tests/test_architecture.py) and docs/architecture.md: {unplaced}"


def violations(path: Path, module: str) -> list[str]:
    source = package_of(module)
    top = module.split(".")[0]
    wrong = []
    for line, target in imports(path):
        if target.split(".")[0] in FORBIDDEN.get(top, ()):
            wrong.append(f"line {line}: {target} (forbidden for {top})")
            continue
        imported = package_of(target)
        if imported is None or imported == source:
            continue
        if LAYER_OF[imported] > LAYER_OF[source] or (
            LAYER_OF[imported] == LAYER_OF[source] and LAYER_OF[source] not in OPEN_LAYERS
        ):
            wrong.append(f"line {line}: {target} (layer {LAYER_OF[imported]} >= {source}'s {LAYER_OF[source]})")
    return wrong


@pytest.mark.parametrize("path", sources(), ids=lambda path: str(path.relative_to(ROOT)))
def test_imports_point_down(path):
    wrong = violations(path, module_name(path))
    assert not wrong, "imports that point up or sideways:\n" + "\n".join(wrong)


def test_the_checker_sees_upward_and_sideways_imports(tmp_path):
    """The check itself can fail: the kernel importing a domain, and a domain importing its peer."""
    module = tmp_path / "clock.py"
    module.write_text("from backend.auth.models import Account\nfrom backend.errors import NotFound\n")
    assert violations(module, "backend.core.clock") == [
        "line 1: backend.auth.models (layer 6 >= backend.core's 3)",
        "line 1: backend.auth.models.Account (layer 6 >= backend.core's 3)",
    ]
    module.write_text("import flask\nfrom backend.residence import service\n")
    assert len(violations(module, "backend.health.queue")) == 2
    assert violations(module, "shared_schemas.clock") == [
        "line 1: flask (forbidden for shared_schemas)",
        "line 2: backend.residence (forbidden for shared_schemas)",
        "line 2: backend.residence.service (forbidden for shared_schemas)",
    ]
