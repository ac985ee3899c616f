"""Dependencies are explicit: every import is declared in pyproject.toml, and requirements.lock satisfies it."""
from __future__ import annotations

import ast
import importlib
import importlib.metadata
import pkgutil
import re
import sys
import tomllib

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

import lms
from lms.config import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
DEPENDENCIES = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
TEST_DEPENDENCIES = [Requirement(r) for r in PYPROJECT["project"]["optional-dependencies"]["test"]]


def _imported_top_names(paths) -> dict[str, str]:
    """Top-level module names imported (absolutely) by the files, each with one file that imports it."""
    found = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path))
    return found


def _undeclared(paths, declared: list[Requirement], own: set[str]) -> list[str]:
    declared_names = {canonicalize_name(r.name) for r in declared}
    providers = importlib.metadata.packages_distributions()
    problems = []
    for name, where in sorted(_imported_top_names(paths).items()):
        if name in sys.stdlib_module_names or name in own:
            continue
        distributions = {canonicalize_name(d) for d in providers.get(name, [])}
        if not distributions:
            problems.append(f"{where}: imports {name}, which no installed distribution provides")
        elif not distributions & declared_names:
            problems.append(f"{where}: imports {name} from {', '.join(sorted(distributions))}, not declared")
    return problems


def test_the_application_imports_only_declared_dependencies():
    paths = [*(ROOT / "lms").rglob("*.py"), *(ROOT / "migrations").rglob("*.py"), ROOT / "wsgi.py",
             *(ROOT / "deploy").rglob("*.py")]
    assert _undeclared(paths, DEPENDENCIES, {"lms", "wsgi"}) == []


def test_the_tests_import_only_declared_dependencies():
    paths = list((ROOT / "tests").rglob("*.py"))
    assert _undeclared(paths, DEPENDENCIES + TEST_DEPENDENCIES, {"lms", "tests", "wsgi"}) == []


def test_the_check_sees_an_undeclared_import(tmp_path):
    module = tmp_path / "example.py"
    module.write_text("import yaml\nimport markupsafe\nfrom os import path\n")
    assert _undeclared([module], [Requirement("MarkupSafe")], set()) == [
        f"{module}: imports yaml from pyyaml, not declared"]


@pytest.mark.parametrize("module", sorted(m.name for m in pkgutil.walk_packages(lms.__path__, "lms.")))
def test_every_module_imports(module):
    importlib.import_module(module)


def _locked() -> dict[str, Version]:
    """The pinned version of each package for this platform and Python (the lock covers them all)."""
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pins = {}
    for name, version, marker in re.findall(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)(?:\s*;\s*([^\\\n]+?))?\s*\\?$", text,
                                            re.MULTILINE):
        if not marker or Marker(marker).evaluate():
            pins[canonicalize_name(name)] = Version(version)
    return pins


def test_the_lock_file_pins_every_dependency_within_pyproject_ranges():
    locked = _locked()
    for requirement in DEPENDENCIES + TEST_DEPENDENCIES:
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is missing from requirements.lock: run make lock"
        assert locked[name] in requirement.specifier, f"{name} {locked[name]} is outside {requirement.specifier}"
    assert "--hash=sha256:" in (ROOT / "requirements.lock").read_text(encoding="utf-8")


def test_the_installed_versions_are_the_locked_ones():
    for name, version in _locked().items():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue  # platform-specific (Windows only)
        assert Version(installed) == version, f"{name} {installed} installed, {version} locked: run make install"


def test_the_licence_is_stated():
    assert PYPROJECT["project"]["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    bleach = next(r for r in DEPENDENCIES if r.name == "bleach")
    assert Version("6.4.0") in bleach.specifier
    assert Version("7.0") not in bleach.specifier
    provinces = next(r for r in DEPENDENCIES if r.name == "vietnam-provinces")
    assert Version("2026.1") not in provinces.specifier
