"""The house rules (docs/architecture.md, "Rules"), checked on every module's imports.

Every ``import`` and ``from ... import`` of every module of the project's packages is read from the
source (imports inside functions included: a lazy import is still a dependency), resolved to the
project module it names, and checked against the rules below; the whole graph must also be free of
cycles. A rule names its layer by module prefix; the first failing import is reported with its file
and line.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "ingest", "retrieval", "grounding", "guardrails", "evaluation")
INDEPENDENT = "app.http.native and app.http.bedrock are independent"
WEB_AND_CLI = ("fastapi", "starlette", "fastapi_offline", "uvicorn", "typer", "click", "rich")


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name
    target: str  # dotted name as written (resolved when relative)
    file: Path
    line: int

    def __str__(self) -> str:
        return f"{self.file.relative_to(ROOT)}:{self.line}: {self.importer} imports {self.target}"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            modules[module_name(path)] = path
    return modules


def imports_of(name: str, path: Path) -> Iterator[Import]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, alias.name, path, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from pkg import module`` depends on the module; ``from module import name`` on the module.
            for alias in node.names:
                yield Import(name, f"{base}.{alias.name}", path, node.lineno)


def resolve(target: str, modules: dict[str, Path]) -> str | None:
    """The project module ``target`` names (the longest known prefix), or None for a third-party one."""
    parts = target.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def all_imports() -> list[Import]:
    modules = project_modules()
    return [imp for name, path in modules.items() for imp in imports_of(name, path)]


def violation(imp: Import, modules: dict[str, Path]) -> str | None:
    """Why ``imp`` breaks a rule, or None."""
    source, top = imp.importer, imp.target.split(".")[0]
    target = resolve(imp.target, modules)
    internal_top = target.split(".")[0] if target else None
    if internal_top == source.split(".")[0] and not within(source, "app"):
        return None  # a library using itself
    if within(source, "ingest") and internal_top is not None:
        return "ingest imports nothing internal"
    if within(source, "guardrails") and internal_top is not None:
        return "guardrails imports nothing internal"
    if (within(source, "retrieval") or within(source, "grounding")) and internal_top not in (None, "ingest"):
        return "retrieval and grounding import only ingest"
    if within(source, "evaluation") and internal_top == "app":
        return "evaluation imports the libraries, never app"
    if not within(source, "app") and internal_top == "app":
        return "nothing outside app imports app"
    if within(source, "app.core"):
        if top in WEB_AND_CLI:
            return "app.core imports no web or CLI framework"
        if target is not None and (within(target, "app.http") or within(target, "app.cli")):
            return "app.core imports neither app.http nor app.cli"
    if within(source, "app.http") and target is not None and within(target, "app.cli"):
        return "app.http never imports app.cli"
    for one, other in (("app.http.native", "app.http.bedrock"), ("app.http.bedrock", "app.http.native")):
        if within(source, one) and target is not None and within(target, other):
            return INDEPENDENT
    return None


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path that ends where it starts, or None (iterative DFS, three colours)."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for start in sorted(graph):
        if start in state:
            continue
        path, stack = [start], [iter(sorted(graph[start]))]
        state[start] = 1
        while stack:
            following = next(stack[-1], None)
            if following is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(following) == 1:
                return [*path[path.index(following) :], following]
            elif following not in state:
                state[following] = 1
                path.append(following)
                stack.append(iter(sorted(graph.get(following, ()))))
    return None


def import_graph(imports: list[Import], modules: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for imp in imports:
        target = resolve(imp.target, modules)
        if target is not None and target != imp.importer:
            graph[imp.importer].add(target)
    return graph


def test_every_import_follows_the_layering_rules() -> None:
    modules = project_modules()
    broken = [f"{imp}  ({why})" for imp in all_imports() if (why := violation(imp, modules)) is not None]
    assert not broken, "\n".join(broken)


def test_no_import_cycles() -> None:
    modules = project_modules()
    cycle = find_cycle(import_graph(all_imports(), modules))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_walk_sees_every_package_and_lazy_imports() -> None:
    """The checks above only mean something if the walk reads what they judge."""
    modules = project_modules()
    assert {"app.core.services", "app.http.app", "app.cli", "ingest", "retrieval", "grounding"} <= set(modules)
    lazy = [i for i in all_imports() if i.importer == "app.cli.serve" and i.target.startswith("app.http.app")]
    assert lazy, "the import of create_app inside `ragkb serve` was not seen"


@pytest.mark.parametrize(
    ("importer", "target", "rule"),
    [
        ("ingest.parsers", "retrieval.types.Hit", "ingest imports nothing internal"),
        ("guardrails.topics", "retrieval.embedding.Embedder", "guardrails imports nothing internal"),
        ("retrieval.sync", "grounding.Checker", "retrieval and grounding import only ingest"),
        ("grounding.checker", "app.settings.Settings", "retrieval and grounding import only ingest"),
        ("retrieval.home", "app.core.errors.AppError", "retrieval and grounding import only ingest"),
        ("app.core.services", "fastapi.Request", "app.core imports no web or CLI framework"),
        ("app.core.views", "rich.markup", "app.core imports no web or CLI framework"),
        ("app.core.jobs", "app.http.errors.RequestError", "app.core imports neither app.http nor app.cli"),
        ("app.http.deps", "app.cli.context.Run", "app.http never imports app.cli"),
        ("app.http.native.jobs", "app.http.bedrock.views.job_view", INDEPENDENT),
        ("app.http.bedrock.agent", "app.http.native.params.KbPath", INDEPENDENT),
    ],
)
def test_each_rule_catches_an_upward_import(importer: str, target: str, rule: str) -> None:
    modules = project_modules()
    assert violation(Import(importer, target, ROOT / "x.py", 1), modules) == rule


def test_a_cycle_is_reported_as_a_path() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
