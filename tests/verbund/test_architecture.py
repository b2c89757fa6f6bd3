"""Architecture rule 1: interfaces never fetch records or call guardian themselves.

Every record fetch goes through ``verbund.access``; writes through ``verbund.services``. The
interfaces — API, browser views and forms, admin, tasks, selectors and the audit app apart from
its own services and models — must not touch ``Record.objects`` or guardian's shortcuts.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Folders and modules that must stay behind the choke point.
WATCHED = [
    "verbund/api",
    "verbund/views",
    "verbund/forms",
    "verbund/selectors",
    "verbund/tasks.py",
    "verbund/admin.py",
    "agencies/admin.py",
    "audit",
    # Issue 17: the supervision console and the subject-access interfaces.
    "verbund/console",
    "subjects/api.py",
    "subjects/views.py",
    "subjects/forms.py",
    "subjects/tasks.py",
    "subjects/selectors.py",
]
# The audit app's own services and models write the log; migrations are generated.
EXEMPT = {"audit/services.py", "audit/models.py"}
FORBIDDEN_TEXT = ("Record.objects", "guardian.shortcuts")
FORBIDDEN_NAMES = {"get_objects_for_user", "get_perms", "assign_perm", "remove_perm"}


def watched_modules() -> list[Path]:
    """Return every Python module under the watched paths (migrations and exemptions left out)."""
    out: list[Path] = []
    for entry in WATCHED:
        path = ROOT / entry
        if path.is_file():
            out.append(path)
        elif path.is_dir():
            out.extend(p for p in sorted(path.rglob("*.py")) if "migrations" not in p.parts)
    return [p for p in out if p.relative_to(ROOT).as_posix() not in EXEMPT]


MODULES = watched_modules()


def test_architecture_walk_covers_the_interfaces() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in MODULES}
    # Guard against a walk that silently checks nothing.
    assert "verbund/api/records.py" in names
    assert "verbund/api/reference.py" in names
    assert not names & EXEMPT
    assert all(not n.startswith("verbund/access/") for n in names)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_architecture_rule_1_no_record_manager_or_guardian_shortcuts(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for needle in FORBIDDEN_TEXT:
        assert needle not in text, (
            f"{path.relative_to(ROOT)} uses {needle}: go through verbund.access"
        )
    tree = ast.parse(text, filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "guardian":
            assert all(a.name != "shortcuts" for a in node.names), path
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("guardian"):
            assert not {a.name for a in node.names} & FORBIDDEN_NAMES, path
        if isinstance(node, ast.Attribute) and node.attr in ("objects", "_default_manager"):
            base = node.value
            assert not (isinstance(base, ast.Name) and base.id == "Record"), (
                f"{path.relative_to(ROOT)}:{node.lineno} touches Record.{node.attr}"
            )
