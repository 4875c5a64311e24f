"""The "where is the rule" index of docs/architecture.md names files and functions that exist: a rule that moves
must move in the index too, or a newcomer is sent to the wrong place."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
PATH = re.compile(r"`((?:backend|shared_schemas|hardware|kiosk_app)/[\w/.]+?)(?::(\w+))?`")
NAMES_AFTER = re.compile(r"`((?:backend|shared_schemas|hardware)/[\w/]+\.py)` \(([^)]*)\)")


def _defined(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
            for target in node.targets:
                if isinstance(target, ast.Tuple):
                    names.update(e.id for e in target.elts if isinstance(e, ast.Name))
    return names


def _index() -> str:
    text = DOC.read_text(encoding="utf-8")
    return text[text.index("## Where is the rule") :]


def test_every_file_and_function_the_index_names_exists():
    missing = []
    for path, name in PATH.findall(_index()):
        target = ROOT / path
        if not target.exists():
            missing.append(path)
        elif name and name not in _defined(target):
            missing.append(f"{path}:{name}")
    for path, inner in NAMES_AFTER.findall(_index()):
        defined = _defined(ROOT / path)
        for name in re.findall(r"`(\w+)`", inner):
            if not name.islower() or "." in name:
                continue
            if name not in defined and not (ROOT / path).with_suffix("").joinpath(f"{name}.py").exists():
                missing.append(f"{path} ({name})")
    assert missing == []
