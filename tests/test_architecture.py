"""The package's import graph is one-way (docs/ARCHITECTURE.md draws it).

Every ``import`` in ``ocitrace/`` counts, including the lazy ones inside functions and the
``TYPE_CHECKING`` ones: a unit (a top-level module or sub-package of ``ocitrace``) may
import only from its own layer or lower ones, and the units form no cycle.  A new unit
must be given a layer here and a place in the picture.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "ocitrace"

#: lowest first; a unit may import from its own layer and the layers before it
LAYERS: tuple[tuple[str, ...], ...] = (
    ("_version", "errors", "lazylog", "lazymod", "lazyre"),
    ("reference", "digest", "oci", "template", "textsafe"),
    ("source",),
    ("transport",),
    ("registry", "layout"),
    ("opener", "attest"),
    ("discover",),
    ("inspect", "resolve", "verify"),
    ("audit", "diff"),
    ("api",),
    ("cli",),
    ("__init__", "__main__"),
)
LAYER_OF = {unit: n for n, units in enumerate(LAYERS) for unit in units}


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path) -> set[str]:
    """Absolute ``ocitrace.*`` modules ``path`` imports anywhere in its body."""
    rel = path.relative_to(ROOT.parent).with_suffix("")
    module = ".".join(rel.parts)
    package = (
        module.removesuffix(".__init__") if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    )
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "ocitrace"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target.split(".")[0] != "ocitrace":
                continue
            if target == "ocitrace":  # from .. import errors: the names are modules
                out |= {f"ocitrace.{a.name}" for a in node.names}
            else:
                out.add(target)
    return out


def unit_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        importer = _unit(".".join(rel.parts))
        graph[importer]  # every unit appears, importing or not
        for target in _imports(path):
            if _unit(target) != importer:
                graph[importer].add(_unit(target))
    return dict(graph)


def test_every_unit_has_a_layer() -> None:
    unknown = sorted(set(unit_graph()) - set(LAYER_OF))
    assert not unknown, (
        f"give {unknown} a layer in tests/test_architecture.py and docs/ARCHITECTURE.md"
    )


def test_no_import_from_a_lower_layer_up() -> None:
    upward = sorted(
        f"{a} (layer {LAYER_OF[a]}) imports {b} (layer {LAYER_OF[b]})"
        for a, targets in unit_graph().items()
        for b in targets
        if a in LAYER_OF and b in LAYER_OF and LAYER_OF[b] > LAYER_OF[a]
    )
    assert not upward, "\n".join(upward)


def test_no_cycle_between_packages() -> None:
    graph = unit_graph()
    state: dict[str, int] = {}  # 1 visiting, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for unit in sorted(graph):
        if unit not in state and (cycle := visit(unit)):
            raise AssertionError("import cycle: " + " -> ".join(cycle))


def test_template_is_standalone_and_transport_skips_the_package_root() -> None:
    graph = unit_graph()
    assert graph["template"] <= {"errors"} or graph["template"] == set(), graph["template"]
    assert "__init__" not in graph["transport"]
    assert "inspect" not in graph.get("render", set())  # render/ is folded into inspect/
    assert "render" not in graph


def test_the_checker_sees_lazy_and_relative_imports() -> None:
    """Guard the guard: a lazy ``from ..inspect.format import`` inside api's methods counts."""
    assert "inspect" in unit_graph()["api"]
    assert "template" in unit_graph()["inspect"]
