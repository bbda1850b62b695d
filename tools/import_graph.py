"""sitegen's import graph, read with `ast`: cycles, and imports that point up the pipeline.

    python tools/import_graph.py [PACKAGE_DIR]

Prints each module with the sitegen modules it imports, the import cycles (strongly
connected components of more than one module) and every import from a later layer
(see LAYERS). Exits 1 if there is a cycle or an upward import.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

LAYERS = (
    (
        "sitegen",  # the package itself: its version
        "sitegen.errors",
        "sitegen.config",
        "sitegen.fsutil",
        "sitegen.fingerprint",
        "sitegen.theme",
        "sitegen.text",
        "sitegen.urls",
        "sitegen.progress",
    ),
    ("sitegen.workers",),
    ("sitegen.content",),
    ("sitegen.site",),
    ("sitegen.importers",),
    ("sitegen.render",),
    ("sitegen.search",),
    ("sitegen.output",),
    ("sitegen.build",),
    ("sitegen.serve",),
    ("sitegen.scaffold", "sitegen.terminal", "sitegen.cli", "sitegen.__main__"),
)
"""The pipeline from bottom to top: a module may import from its own layer or lower ones."""


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, name: str, package: bool, modules: set[str]) -> set[str]:
    """The sitegen modules `path` imports (including under `if TYPE_CHECKING:`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if package else 0)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            submodules = {f"{module}.{a.name}" for a in node.names} & modules
            found.update(submodules)
            if len(submodules) < len(node.names):  # names defined in the module itself
                found.add(module)
    return {m for m in found if m == "sitegen" or m.startswith("sitegen.")}


def graph(root: Path) -> dict[str, set[str]]:
    modules = {module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = imports_of(path, name, path.name == "__init__.py", set(modules))
        edges[name] = {t for t in targets if t in modules and t != name}
    return edges


def layer_of(module: str) -> int:
    for rank, layer in enumerate(LAYERS):
        if any(_within(module, prefix) for prefix in layer):
            return rank
    raise LookupError(f"{module} is in no layer: add it to LAYERS")


def _within(module: str, prefix: str) -> bool:
    """`module` is `prefix` or inside it (the bare package `sitegen` holds only itself)."""
    return module == prefix or (prefix != "sitegen" and module.startswith(prefix + "."))


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def upward(edges: dict[str, set[str]]) -> Iterator[tuple[str, str]]:
    """(importer, imported) pairs where the imported module is in a higher layer."""
    for name, targets in sorted(edges.items()):
        # A package's __init__ may name its own modules (it is their door).
        for target in sorted(targets):
            if layer_of(target) > layer_of(name) and not target.startswith(name + "."):
                yield name, target


def main() -> int:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "sitegen"
    edges = graph(root)
    for name, targets in sorted(edges.items()):
        print(f"{name} -> {', '.join(sorted(targets)) or '-'}")
    found = cycles(edges)
    for component in found:
        print("cycle: " + " <-> ".join(component))
    try:
        ups = list(upward(edges))
    except LookupError as err:
        print(err)
        return 1
    for name, target in ups:
        print(f"upward: {name} imports {target}")
    print(f"{len(edges)} modules, {len(found)} cycles, {len(ups)} upward imports")
    return 1 if found or ups else 0


if __name__ == "__main__":
    sys.exit(main())
