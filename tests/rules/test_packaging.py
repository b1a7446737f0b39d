"""A plain ``pip install .`` must bring every third-party module the six packages import.

Each import (module level or inside a function) of ``app``, ``ingest``, ``retrieval``, ``grounding``,
``guardrails`` and ``evaluation`` is mapped to the distribution that provides it
(``importlib.metadata.packages_distributions()``) and that distribution must be in pyproject's ``dependencies``,
not only in an extra. The torch pin of the
Makefile and the Dockerfile must be pyproject's.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Iterable
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "ingest", "retrieval", "grounding", "guardrails", "evaluation")


def canonical(name: str) -> str:
    """PEP 503 normalisation: ``Markdown_It.py`` and ``markdown-it-py`` are one project."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match is not None, requirement
    return canonical(match.group(1))


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def declared_runtime() -> set[str]:
    return {requirement_name(requirement) for requirement in pyproject()["project"]["dependencies"]}


def third_party_imports() -> dict[str, set[str]]:
    """Top-level module name -> the files importing it, for every non-stdlib, non-local import."""
    found: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.partition(".")[0]
                    if top not in sys.stdlib_module_names and top not in PACKAGES:
                        found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def undeclared(imports: dict[str, set[str]], declared: Iterable[str]) -> list[str]:
    """One line per imported module whose distribution is not declared (or not installed at all)."""
    providers = packages_distributions()
    wanted = set(declared)
    problems = []
    for module, files in sorted(imports.items()):
        distributions = {canonical(name) for name in providers.get(module, [])}
        if not distributions:
            problems.append(f"{module} (imported by {', '.join(sorted(files))}) is not installed")
        elif not distributions & wanted:
            problems.append(
                f"{module} (imported by {', '.join(sorted(files))}) comes from {', '.join(sorted(distributions))}, "
                "which pyproject's dependencies do not declare"
            )
    return problems


def test_every_third_party_import_is_a_declared_runtime_dependency() -> None:
    imports = third_party_imports()
    # The scan sees imports inside functions too (uvicorn is imported only when `ragkb serve` runs).
    assert {"botocore", "httpx", "markdown_it", "transformers", "tokenizers", "uvicorn"} <= imports.keys()
    assert undeclared(imports, declared_runtime()) == []


def test_the_check_names_a_dependency_left_only_in_an_extra() -> None:
    declared = declared_runtime() - {"botocore"}
    problems = undeclared(third_party_imports(), declared)
    assert len(problems) == 1
    assert problems[0].startswith("botocore (imported by app/http/bedrock/protocol.py, app/http/sigv4.py")
    assert "comes from botocore" in problems[0]


def test_dev_tools_are_not_runtime_dependencies() -> None:
    declared = declared_runtime()
    assert declared.isdisjoint({"pytest", "pytest-timeout", "mypy", "ruff", "schemathesis", "boto3"})


def test_makefile_and_dockerfile_install_pyprojects_torch() -> None:
    (pin,) = [r for r in pyproject()["project"]["dependencies"] if requirement_name(r) == "torch"]
    assert re.fullmatch(r"torch==[0-9.]+", pin)
    for name in ("Makefile", "Dockerfile"):
        text = (ROOT / name).read_text(encoding="utf-8")
        assert set(re.findall(r"torch==[0-9.]+", text)) == {pin}, name


def test_every_data_file_of_the_packages_is_package_data() -> None:
    """A file the code reads (the grounding models) must be in the wheel, not only in the checkout."""
    package_data: dict[str, list[str]] = pyproject()["tool"]["setuptools"].get("package-data", {})
    data_files = [
        path.relative_to(ROOT)
        for package in PACKAGES
        for path in (ROOT / package).rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
    ]
    assert data_files, "expected the grounding models at least"
    missing = [
        str(path)
        for path in data_files
        if not any(path.relative_to(path.parts[0]).match(glob) for glob in package_data.get(path.parts[0], []))
    ]
    assert missing == []


def test_every_package_is_built_type_checked_linted_and_shipped() -> None:
    """A new top-level package must reach the wheel, mypy, ruff, the Docker image and the plain-install check."""
    config = pyproject()
    assert set(config["tool"]["mypy"]["packages"]) == set(PACKAGES)
    assert {f"{package}*" for package in PACKAGES} <= set(config["tool"]["setuptools"]["packages"]["find"]["include"])
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    (lint,) = re.findall(r"ruff check ([^\n]+)", makefile)
    (plain,) = re.findall(r"cp -r pyproject.toml README.md ([^\n$]+)", makefile)
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for package in PACKAGES:
        assert package in lint.split(), package
        assert package in plain.split(), package
        assert f"COPY {package} ./{package}\n" in dockerfile, package
