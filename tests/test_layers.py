"""The house rules of p5knn's layout (issue 11), read from the source with ``ast``:

* layers, bottom to top: ``_base`` → ``live`` → ``features`` → ``knn`` → ``training`` →
  ``tools``, then the top-level modules (``p5knn/__init__.py``, ``__main__.py``,
  ``knn_classifier.py``, ``knn_regressor.py``); a module imports only its own layer and the
  ones below — imports inside functions count, relative imports too;
* no import cycles among p5knn's modules, counting imports inside functions;
* heavy third-party packages (py5, TensorFlow, Keras, usearch) are imported only inside
  functions, so ``import p5knn`` stays fast and works without a display;
* and, end to end, the core runs without importing py5 or TensorFlow.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


PACKAGE = Path(__file__).resolve().parent.parent / "p5knn"
LAYERS = {"_base": 0, "live": 1, "features": 2, "knn": 3, "training": 4, "gestures": 4,
          "tools": 5}
TOP = len(LAYERS)   #: p5knn/__init__.py, __main__.py, knn_classifier.py, knn_regressor.py
LAYER_NAMES = {**{v: k for k, v in LAYERS.items()}, TOP: "top level"}
LAZY = ("py5", "tensorflow", "keras", "usearch")
#: application modules that may import py5 at module level (imported lazily by the CLI)
APPLICATIONS = ("p5knn.tools._demo_app",)


@dataclass(frozen=True)
class Import:
    source: str        #: importing module, e.g. "p5knn.knn._files"
    target: str        #: imported module (p5knn's) or top-level package name (third party)
    file: str          #: path relative to the repository
    line: int
    in_function: bool  #: inside a function (runs when called, not at import)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules_of(root: Path) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def layer_of(module: str) -> int:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in LAYERS:
        return LAYERS[parts[1]]
    return TOP


def _resolve(base: str, name: str | None, modules: dict[str, Path]) -> str:
    """The module ``from base import name`` loads: ``base.name`` when that is a module,
    else ``base`` itself (a name defined in it)."""
    if name and f"{base}.{name}" in modules:
        return f"{base}.{name}"
    return base


def imports_of(path: Path, root: Path, modules: dict[str, Path]) -> list[Import]:
    """Every import statement in ``path``, at any depth, resolved to modules."""
    source = module_name(path, root)
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    rel = str(path.relative_to(root.parent))
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool, type_checking: bool) -> None:
        for child in ast.iter_child_nodes(node):
            lazy = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                     ast.Lambda))
            checking = type_checking or (
                isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    found.append(Import(source, _resolve_absolute(alias.name, modules), rel,
                                        child.lineno, in_function or type_checking))
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    package = source.split(".") if is_package else source.split(".")[:-1]
                    package = package[: len(package) - (child.level - 1)]
                    base = ".".join(package + ([child.module] if child.module else []))
                else:
                    base = child.module or ""
                for alias in child.names:
                    target = _resolve(base, alias.name, modules) if base.split(".")[0] == \
                        "p5knn" else base.split(".")[0]
                    found.append(Import(source, target, rel, child.lineno,
                                        in_function or type_checking))
            visit(child, lazy, checking)

    visit(tree, False, False)
    return found


def _resolve_absolute(name: str, modules: dict[str, Path]) -> str:
    """``import a.b.c``: p5knn's deepest existing module, or a third-party top-level name."""
    if name.split(".")[0] != "p5knn":
        return name.split(".")[0]
    parts = name.split(".")
    while parts and ".".join(parts) not in modules:
        parts.pop()
    return ".".join(parts) or "p5knn"


def all_imports(root: Path) -> list[Import]:
    modules = modules_of(root)
    return [imp for path in modules.values() for imp in imports_of(path, root, modules)]


# ------------------------------------------------------------------------------ the checks

def layer_violations(root: Path) -> list[str]:
    modules = modules_of(root)
    bad = []
    for imp in all_imports(root):
        if imp.target not in modules:
            continue                                       # third party or the standard library
        src, dst = layer_of(imp.source), layer_of(imp.target)
        if dst > src:
            bad.append(f"{imp.where}: {imp.source} ({LAYER_NAMES[src]}) imports {imp.target} "
                       f"({LAYER_NAMES[dst]}){' inside a function' if imp.in_function else ''}")
    return bad


def import_cycles(root: Path) -> list[str]:
    """Each cycle among p5knn's modules (strongly connected components), with one path
    around it and the file:line of each step."""
    modules = modules_of(root)
    edges: dict[str, dict[str, Import]] = {m: {} for m in modules}
    for imp in all_imports(root):
        if imp.target in modules and imp.target != imp.source:
            edges[imp.source].setdefault(imp.target, imp)
    index, low, stack, on_stack, components = {}, {}, [], set(), []

    def strongconnect(v: str) -> None:                    # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                strongconnect(w)
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
                components.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(modules):
        if v not in index:
            strongconnect(v)
    described = []
    for component in components:
        members = set(component)
        path, seen = [component[0]], {component[0]}
        while True:                                        # walk inside the component
            nxt = sorted(w for w in edges[path[-1]] if w in members)
            step = next((w for w in nxt if w not in seen), nxt[0] if nxt else None)
            if step is None or step in seen:
                if step is not None:
                    path.append(step)
                break
            path.append(step)
            seen.add(step)
        start = path.index(path[-1])
        loop = path[start:]
        steps = [f"{a} → {b} ({edges[a][b].where})" for a, b in zip(loop, loop[1:])]
        described.append(f"cycle among {len(component)} modules {component}: "
                         + "; ".join(steps))
    return described


def eager_heavy_imports(root: Path) -> list[str]:
    """Heavy packages imported at module level. Allowed only in a leaf application module
    (today: the demo sketch, a ``py5.Sketch`` subclass) that p5knn itself imports only inside
    functions, so importing p5knn never runs it."""
    imports = all_imports(root)
    bad = []
    for imp in imports:
        if imp.target not in LAZY or imp.in_function:
            continue
        eager_users = [i.where for i in imports if i.target == imp.source and not i.in_function]
        if eager_users or imp.source not in APPLICATIONS:
            bad.append(f"{imp.where}: {imp.source} imports {imp.target} at module level"
                       + (f" and is imported eagerly at {', '.join(eager_users)}"
                          if eager_users else ""))
    return bad


# ------------------------------------------------------------------------------ the tests

def test_no_layer_imports_a_higher_one():
    bad = layer_violations(PACKAGE)
    assert not bad, "layer rule broken (a layer imports only the ones below it):\n" + \
        "\n".join(bad)


def test_no_import_cycles():
    cycles = import_cycles(PACKAGE)
    assert not cycles, "import cycles (imports inside functions count):\n" + "\n".join(cycles)


def test_heavy_packages_are_imported_inside_functions():
    bad = eager_heavy_imports(PACKAGE)
    assert not bad, f"{', '.join(LAZY)} must be imported lazily:\n" + "\n".join(bad)


def test_the_checks_see_what_they_should(tmp_path):
    """The checker itself, on a small made-up package with one of each problem."""
    pkg = tmp_path / "p5knn"
    for folder in ("_base", "live", "knn", "tools"):
        (pkg / folder).mkdir(parents=True)
        (pkg / folder / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("from p5knn.knn import _a\n")
    (pkg / "_base" / "util.py").write_text("import os\n\ndef f():\n    from .. import tools\n")
    (pkg / "live" / "cam.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import py5\n"
        "class C:\n    import usearch\n")
    (pkg / "knn" / "_a.py").write_text("from . import _b\nimport numpy\n")
    (pkg / "knn" / "_b.py").write_text("def g():\n    from p5knn.knn._a import x\n"
                                       "    import tensorflow as tf\n")
    layers = layer_violations(pkg)
    assert layers == ["p5knn/_base/util.py:4: p5knn._base.util (_base) imports p5knn.tools "
                      "(tools) inside a function"]
    cycles = import_cycles(pkg)
    assert len(cycles) == 1 and "p5knn.knn._a → p5knn.knn._b (p5knn/knn/_a.py:1)" in cycles[0]
    assert "p5knn.knn._b → p5knn.knn._a (p5knn/knn/_b.py:2)" in cycles[0]
    assert eager_heavy_imports(pkg) == ["p5knn/live/cam.py:5: p5knn.live.cam imports usearch "
                                        "at module level"]


def test_core_imports_neither_py5_nor_tensorflow(mobilenet):
    # the ``mobilenet`` fixture has filled the model cache; only a cold cache needs TensorFlow
    code = ("import sys, p5knn, numpy as np\n"
            "knn = p5knn.knn_classifier.create()\n"
            "knn.add_example([1, 2], 'a'); knn.predict_class([1, 2])\n"
            "knn.predict_class([1, 2], callback=print).result(60)\n"
            "ex = p5knn.feature_extractor()\n"
            "ex.infer(np.zeros((10, 10, 3), np.uint8))\n"
            "print('py5' in sys.modules, 'tensorflow' in sys.modules)\n")
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False False"
