"""The shape of the code, measured from the code: imports run one way, modules stay small.

The import graph is read from the AST of every module under src/goldenpath,
lazy imports inside functions included (they run too, just later), so a cycle
cannot hide behind a function-level import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from rendering import REPO_ROOT

SRC = REPO_ROOT / "src"
PACKAGE = SRC / "goldenpath"
MAX_LINES = 450
# The service clients, which capabilities use and which use no capability.
SERVICES = ("github", "databricks")
# Every other package is a capability, with its library and its command module (databricks is both).
CAPABILITIES = tuple(
    sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file() and p.name != "github")
)


def within(module: str, packages: tuple[str, ...]) -> bool:
    """Whether `module` is one of `packages` or inside one (`goldenpath.ab_config` is not in `goldenpath.ab`)."""
    return any(module == package or module.startswith(f"{package}.") for package in packages)


def module_name(path: Path, src: Path) -> str:
    parts = path.relative_to(src).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, src: Path, modules: set[str]) -> set[str]:
    """The goldenpath modules `path` imports, anywhere in the file."""
    name = module_name(path, src)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}  # `from pkg import module`
    return {module for module in found if module in modules and module != name}


def import_graph(src: Path = SRC) -> dict[str, set[str]]:
    paths = sorted((src / "goldenpath").rglob("*.py"))
    modules = {module_name(path, src) for path in paths}
    return {module_name(path, src): imports_of(path, src, modules) for path in paths}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first = last), or None."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for target in sorted(graph[node]):
            cycle = visit(target, [*path, node])
            if cycle:
                return cycle
        done.add(node)
        return None

    return next((cycle for node in sorted(graph) if (cycle := visit(node, []))), None)


def test_the_cycle_finder_sees_lazy_and_relative_imports(tmp_path: Path) -> None:
    """The measure itself: a function-level import counts, and so does `from . import module`."""
    package = tmp_path / "goldenpath" / "update"
    package.mkdir(parents=True)
    for init in (package.parent / "__init__.py", package / "__init__.py"):
        init.write_text("")
    (package / "apply.py").write_text("def run() -> None:\n    from goldenpath.update import pull_request\n")
    (package / "pull_request.py").write_text("from . import apply\n")
    graph = import_graph(tmp_path)
    assert graph["goldenpath.update.apply"] == {"goldenpath.update", "goldenpath.update.pull_request"}
    assert find_cycle(graph) == [
        "goldenpath.update.apply",
        "goldenpath.update.pull_request",
        "goldenpath.update.apply",
    ]
    (package / "apply.py").write_text("")
    assert find_cycle(import_graph(tmp_path)) is None


def test_no_import_cycle() -> None:
    graph = import_graph()
    assert graph["goldenpath.update.pull_request"] >= {"goldenpath.update.apply"}
    assert find_cycle(graph) is None, f"import cycle: {' -> '.join(find_cycle(graph) or [])}"


@pytest.mark.parametrize("service", SERVICES)
def test_service_clients_use_no_capability(service: str) -> None:
    """Imports run one way: core <- service clients <- capabilities <- cli."""
    graph = import_graph()
    capabilities = tuple(f"goldenpath.{name}" for name in CAPABILITIES if name != service)
    for module, targets in graph.items():
        if module.startswith(f"goldenpath.{service}"):
            wrong = sorted(t for t in targets if within(t, capabilities) or t == "goldenpath.cli")
            assert not wrong, f"{module} imports {wrong}"


def test_core_modules_use_no_capability_or_service() -> None:
    graph = import_graph()
    outer = tuple(f"goldenpath.{name}" for name in (*CAPABILITIES, *SERVICES, "cli", "__main__"))
    for module, targets in graph.items():
        if module.count(".") == 1 and not within(module, outer):
            wrong = sorted(t for t in targets if within(t, outer))
            assert not wrong, f"core module {module} imports {wrong}"


@pytest.mark.parametrize("capability", CAPABILITIES)
def test_each_capability_holds_its_library_and_its_commands(capability: str) -> None:
    package = PACKAGE / capability
    modules = {path.stem for path in package.glob("*.py")} - {"__init__"}
    assert "commands" in modules, f"{capability}/ has no commands.py"
    assert modules - {"commands"}, f"{capability}/ has no library module"


def test_every_capability_is_registered_in_the_cli() -> None:
    cli = import_graph()["goldenpath.cli"]
    assert {f"goldenpath.{name}.commands" for name in CAPABILITIES} <= cli


@pytest.mark.parametrize(
    "path",
    sorted(p for root in ("src", "tests", "benchmarks") for p in (REPO_ROOT / root).rglob("*.py")),
    ids=lambda p: p.relative_to(REPO_ROOT).as_posix(),
)
def test_no_module_is_over_450_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(REPO_ROOT)} has {lines} lines; split it by topic"
