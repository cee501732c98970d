"""What pyproject.toml declares covers what each module imports, by the extra of the part it belongs to.

Every import of a library in ``capacity/`` (at the top of a module or inside a function) is found in the source
and mapped to the distribution that provides it. A module of the base package may import only the runtime
dependencies; a module that serves an extra (a database book, the integer programs, the report, the app,
the notebook) may also import what that extra declares, and a module shared by two extras must be covered by
each of them alone. `tests/test_install.py` installs the wheel with `all`; this checks the narrower installs
that test cannot see.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from functools import cache
from importlib.metadata import packages_distributions

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

#: Modules that serve an extra: each tuple of extras is one install that must be enough on its own.
SERVES = {
    "capacity/inputs/sources.py": [("db",)],
    "capacity/analysis/fit.py": [("optimize",)],
    "capacity/analysis/rebalance.py": [("optimize",)],
    "capacity/analysis/assignment.py": [("optimize",)],
    "capacity/analysis/book_program.py": [("optimize",)],
    "capacity/analysis/book_rules.py": [("optimize",)],
    "capacity/apps/report.py": [("report",)],
    "capacity/apps/app.py": [("app",)],
    "capacity/views/widgets.py": [("notebook",), ("app",)],
    "capacity/views/start_page.py": [("app",)],
    "capacity/views/file_widgets.py": [("app",)],
}


def declared(extras: tuple[str, ...] = ()) -> set[str]:
    """The distributions a ``pip install capacity[extras]`` asks for, the extras' own ``capacity[...]`` expanded."""
    names: set[str] = set()
    todo = [Requirement(r) for r in PROJECT["dependencies"]]
    todo += [Requirement(r) for extra in extras for r in PROJECT["optional-dependencies"][extra]]
    seen: set[str] = set()
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        if name == "capacity":
            for extra in requirement.extras - seen:
                seen.add(extra)
                todo += [Requirement(r) for r in PROJECT["optional-dependencies"][extra]]
        else:
            names.add(name)
    return names


@cache
def _providers() -> dict[str, list[str]]:
    return packages_distributions()


def imported(path) -> set[str]:
    """The distributions whose modules ``path`` imports (the standard library and capacity left out)."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules |= {alias.name.partition(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.partition(".")[0])
    modules -= set(sys.stdlib_module_names) | {"capacity", "__future__"}
    providers = _providers()
    unknown = sorted(m for m in modules if m not in providers)
    assert not unknown, f"{path}: imports {unknown}, which no installed distribution provides"
    return {canonicalize_name(dist) for m in modules for dist in providers[m]}


def test_every_import_of_every_module_is_declared_for_the_install_that_runs_it():
    missing = []
    modules = sorted((ROOT / "capacity").rglob("*.py"))
    assert len(modules) > 40
    for path in modules:
        name = path.relative_to(ROOT).as_posix()
        for extras in SERVES.get(name, [()]):
            lacking = imported(path) - declared(extras)
            if lacking:
                missing.append(f"{name} with {list(extras) or 'no extra'}: {sorted(lacking)}")
    assert not missing, "\n".join(missing)


def test_the_base_install_is_the_model_only():
    assert declared() == {"numpy", "pandas", "pyarrow", "pydantic", "pyyaml", "openpyxl"}


def test_every_requirement_has_a_lower_bound():
    every = PROJECT["dependencies"] + [r for rs in PROJECT["optional-dependencies"].values() for r in rs]
    for text in every:
        requirement = Requirement(text)
        if requirement.name != "capacity":
            assert any(spec.operator in (">=", "==", "~=") for spec in requirement.specifier), text


def test_all_is_every_user_extra_and_the_development_set_installs_all_test_and_docs():
    extras = PROJECT["optional-dependencies"]
    users = set(extras) - {"all", "test", "docs"}
    assert declared(("all",)) == declared(tuple(sorted(users)))
    assert declared(("all",)) <= declared(("test",))
    lines = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    assert lines == ["-e .[all,test,docs]"], lines


def test_the_console_script_is_the_command_line():
    assert PROJECT["scripts"] == {"capacity": "capacity.apps.cli:main"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", PROJECT["version"])
