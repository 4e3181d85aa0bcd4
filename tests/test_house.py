"""House rules of the library, measured on its source: modules a newcomer can read, no function
longer than a screenful and a half, no import cycle, and concrete backends reached only through the
backend registry (issue 17)."""

import ast
from pathlib import Path

import numpy as np

PACKAGE = Path(__file__).resolve().parents[1] / "compchem"
MAX_P90_MODULE_LINES = 400
MAX_FUNCTION_LINES = 100
CONCRETE_BACKENDS = ("compchem.backends.pyscf", "compchem.backends.xtb", "compchem.backends.gaussian")


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """compchem modules that ``name`` imports, at module level or inside functions (not those under
    ``if TYPE_CHECKING:``, which never run)."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text())
    typing_only = {
        id(n)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for stmt in block.body
        for n in ast.walk(stmt)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only:  # annotations only: never imported at run time
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("compchem"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + [base])
            if base.startswith("compchem"):
                # `from pkg import submodule` needs the submodule; `from pkg import name`, the package
                for a in node.names:
                    sub = f"{base}.{a.name}"
                    found.add(sub if sub in known else base.rstrip("."))
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {
        name: {m for m in imports(name, path, known) if m in known and m != name}
        for name, path in mods.items()
    }


def test_module_lengths():
    lengths = {str(p.relative_to(PACKAGE)): len(p.read_text().splitlines()) for p in PACKAGE.rglob("*.py")}
    lengths = {k: n for k, n in lengths.items() if not k.endswith("__init__.py")}
    p90 = float(np.percentile(list(lengths.values()), 90))
    longest = sorted(lengths.items(), key=lambda kv: -kv[1])[:5]
    assert p90 <= MAX_P90_MODULE_LINES, f"p90 module length {p90:.0f} lines; longest {longest}"


def test_no_function_over_100_lines():
    long = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(PACKAGE)}:{node.name} ({n} lines)")
    assert long == []


def test_no_import_cycle():
    """Tarjan's strongly connected components over every compchem import, lazy ones included."""
    g = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in g[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in g:
        if v not in index:
            visit(v)
    assert cycles == []


def test_concrete_backends_are_reached_through_the_registry():
    outside = {
        name: sorted(m for m in deps if m.startswith(CONCRETE_BACKENDS))
        for name, deps in graph().items()
        if not name.startswith("compchem.backends")
    }
    assert {k: v for k, v in outside.items() if v} == {}
