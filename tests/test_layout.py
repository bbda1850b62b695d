"""The code's shape: dependencies declared exactly as imported, the pipeline without cycles."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def imported_distributions() -> set[str]:
    """The distributions whose modules sitegen's code imports."""
    modules: set[str] = set()
    for path in (REPO / "sitegen").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    third_party = modules - set(sys.stdlib_module_names) - {"sitegen"}
    owners = importlib.metadata.packages_distributions()
    return {_normal(owners[module][0]) for module in third_party}


def declared_distributions() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {
        _normal(re.split(r"[\s\[<>=!~;]", spec, maxsplit=1)[0]) for spec in project["dependencies"]
    }


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_dependencies_are_declared_exactly_as_imported() -> None:
    imported, declared = imported_distributions(), declared_distributions()
    assert imported - declared == set(), "imported but not declared in pyproject.toml"
    assert declared - imported == set(), "declared in pyproject.toml but never imported"


def test_the_package_has_no_import_cycle_and_no_import_up_the_pipeline() -> None:
    run = subprocess.run(
        [sys.executable, str(REPO / "tools" / "import_graph.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-2000:]
    assert run.stdout.rstrip().endswith("0 cycles, 0 upward imports")
