"""The package's layer map (docs/ARCHITECTURE.md, "Layers"), checked on the source.

Every import inside ``infrai_mcp`` (top level, function level and ``TYPE_CHECKING`` alike) must
go from a layer to one it may use, and no chain of imports may lead back to where it started.
The checker itself is tested on a small tree with a planted violation and a planted cycle.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "infrai_mcp"

# The store contract (and the SQL files both dialects share): what services and runtime see.
STORE_CONTRACT = ("base", "jobs", "queues", "keys", "webhooks", "sql")

# layer -> layers (or single modules, "infrai_mcp.x.y") it may import. A layer may always
# import itself and the package root (``__version__``).
MAP: dict[str, frozenset[str]] = {
    "when": frozenset(),
    "config": frozenset(),
    "core": frozenset({"when"}),
    "models": frozenset({"core"}),
    "store": frozenset({"core"}),
    "store.sqlite": frozenset({"core", "store"}),
    "store.postgres": frozenset({"core", "store"}),
    "store.open": frozenset({"config", "store", "store.sqlite", "store.postgres"}),  # picks one by settings
    "outbound": frozenset({"core"}),
    "services": frozenset({"core", "when", "models", "store", "outbound", "config"}),
    "runtime": frozenset({"core", "when", "models", "store", "store.open", "services", "outbound", "config"}),
    "backends": frozenset({"core", "models", "services", "runtime", "config"}),
    # Surfaces reach the engine through a Backend; the serving entry points also start the
    # engine (runtime.engine) and check API keys (the store contract).
    "surfaces.mcp": frozenset({"core", "when", "models", "backends", "config", "infrai_mcp.services.upcoming"}),
    "surfaces.ui": frozenset({"core", "when", "models", "backends", "config", "store",
                              "infrai_mcp.services.upcoming", "infrai_mcp.surfaces.rest.keys"}),
    "surfaces.rest": frozenset({"core", "when", "models", "backends", "config", "store",
                                "infrai_mcp.runtime.engine", "surfaces.mcp", "surfaces.ui"}),
    # The Python SDK (docs/SDK.md): seed 000's calls over a Backend, with the REST routes' body
    # rules and views, on the backend the MCP server would choose (make_backend).
    "sdk": frozenset({"core", "models", "backends", "config", "surfaces.rest", "infrai_mcp.surfaces.cli.mcp_cmd"}),
    # ``python -m infrai_mcp``: the CLI under a stable name.
    "__main__": frozenset({"surfaces.cli"}),
    # The CLI also runs and controls the (background) engine.
    "surfaces.cli": frozenset({"core", "when", "models", "backends", "config", "store", "store.open", "runtime",
                               "surfaces.mcp", "surfaces.rest", "surfaces.ui"}),
}


@dataclass(frozen=True)
class Import:
    source: str  # importing module, dotted
    target: str  # imported module, dotted
    line: int

    def __str__(self) -> str:
        return f"{self.source}:{self.line} imports {self.target}"


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(root: Path) -> list[Import]:
    """Every import of a module of the package ``root`` from another one, resolved to modules."""
    modules = {module_name(root, p): p for p in root.rglob("*.py")}
    found: set[Import] = set()
    for name, path in sorted(modules.items()):
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = name.split(".") if is_pkg else name.split(".")[:-1]
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            else:
                continue
            for target in targets:
                while target and target not in modules:  # infrai_mcp.x.Name -> infrai_mcp.x
                    target = target.rpartition(".")[0]
                if target and target != name:
                    found.add(Import(name, target, node.lineno))
    return sorted(found, key=lambda i: (i.source, i.line, i.target))


def layer_of(module: str) -> str:
    parts = module.split(".")[1:]
    if not parts or parts == ["surfaces"]:
        return ""  # the package root and the surfaces' folder (a docstring)
    if parts[0] == "store" and len(parts) > 1 and parts[1] not in STORE_CONTRACT:
        return f"store.{parts[1]}"
    if parts[0] == "surfaces" and len(parts) > 1:
        return f"surfaces.{parts[1]}"
    return parts[0]


def violations(found: list[Import]) -> list[str]:
    out = []
    for imp in found:
        src, dst = layer_of(imp.source), layer_of(imp.target)
        if dst in ("", src):
            continue
        allowed = MAP.get(src)
        if allowed is None:
            out.append(f"{imp}: layer {src!r} is not in the map (add it to MAP and docs/ARCHITECTURE.md)")
        elif dst not in allowed and imp.target not in allowed:
            out.append(f"{imp}: {src} may import only {sorted(allowed)}")
    return out


def cycles(found: list[Import]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    graph: dict[str, set[str]] = {}
    for imp in found:
        graph.setdefault(imp.source, set()).add(imp.target)
        graph.setdefault(imp.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(groups)


# Imports that break the map today and the cycles they make, each to be removed (and then
# deleted here: the tests below fail when an entry no longer happens, so this list stays true).
KNOWN_VIOLATIONS: frozenset[tuple[str, str]] = frozenset({
})
KNOWN_CYCLES: list[list[str]] = [
    ["infrai_mcp.runtime.background", "infrai_mcp.runtime.service"],
    ["infrai_mcp.when.describe", "infrai_mcp.when.rulewords"],
    ["infrai_mcp.when.kinds", "infrai_mcp.when.model"],
]


def test_every_import_follows_the_layer_map() -> None:
    found = imports_of(PACKAGE)
    assert len(found) > 300  # the walk really read the package
    bad = [v for v in violations(found)
           if not any(v.startswith(f"{s}:") and f" imports {t}:" in v for s, t in KNOWN_VIOLATIONS)]
    assert bad == [], "\n".join(bad)
    still = {(i.source, i.target) for i in found} & KNOWN_VIOLATIONS
    assert still == KNOWN_VIOLATIONS, f"fixed, delete from KNOWN_VIOLATIONS: {sorted(KNOWN_VIOLATIONS - still)}"


def test_no_import_cycles_in_the_package() -> None:
    found = cycles(imports_of(PACKAGE))
    assert [c for c in found if c not in KNOWN_CYCLES] == [], "new import cycle(s)"
    assert [c for c in KNOWN_CYCLES if c not in found] == [], "cycle(s) gone: delete them from KNOWN_CYCLES"


def test_every_layer_of_the_package_is_in_the_map() -> None:
    layers = {layer_of(module_name(PACKAGE, p)) for p in PACKAGE.rglob("*.py")} - {"", "surfaces"}
    assert layers <= set(MAP), sorted(layers - set(MAP))
    assert {"core", "store", "store.sqlite", "store.postgres", "store.open", "services", "runtime", "outbound",
            "surfaces.mcp", "surfaces.rest"} <= layers


def _tree(root: Path, files: dict[str, str]) -> Path:
    pkg = root / "infrai_mcp"
    for rel, text in files.items():
        path = pkg / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return pkg


def test_the_checker_finds_a_planted_violation_and_cycle(tmp_path: Path) -> None:
    pkg = _tree(tmp_path, {
        "__init__.py": "",
        "core/__init__.py": "",
        "core/ids.py": "from infrai_mcp.store.sqlite.db import SqliteDB\n",  # core -> store.sqlite: wrong
        "store/__init__.py": "",
        "store/base.py": "from infrai_mcp.core import ids\n",
        "store/sqlite/__init__.py": "",
        "store/sqlite/db.py": "from ..base import x\nSqliteDB = 1\n",  # relative import, allowed
        "surfaces/__init__.py": "",
        "surfaces/mcp/__init__.py": "",
        "surfaces/mcp/tools.py": "def f():\n    import infrai_mcp.runtime.scheduler\n",  # lazy, still wrong
        "runtime/__init__.py": "",
        "runtime/scheduler.py": "",
    })
    found = imports_of(pkg)
    assert Import("infrai_mcp.store.sqlite.db", "infrai_mcp.store.base", 1) in found
    bad = violations(found)
    assert len(bad) == 2, bad
    assert bad[0].startswith("infrai_mcp.core.ids:1 imports infrai_mcp.store.sqlite.db: core may import only")
    assert bad[1].startswith("infrai_mcp.surfaces.mcp.tools:2 imports infrai_mcp.runtime.scheduler")
    assert cycles(found) == [["infrai_mcp.core.ids", "infrai_mcp.store.base", "infrai_mcp.store.sqlite.db"]]


def test_only_config_reads_the_environment() -> None:
    readers = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv") \
                    and isinstance(node.value, ast.Name) and node.value.id == "os":
                readers.add(path.relative_to(PACKAGE).as_posix())
    # when/ is a leaf used without settings (its default zone: INFRAI_TIMEZONE, then TZ); the
    # background engine passes the environment on to the process it starts, and the service
    # installer writes its unit where the platform looks (XDG_CONFIG_HOME).
    assert readers == {"config.py", "when/zones.py", "runtime/background.py", "runtime/service.py"}
