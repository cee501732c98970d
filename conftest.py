"""Hooks for every test of the project (tests/, the package's doctests and the walkthroughs' notebooks)."""

from __future__ import annotations

import pytest


def pytest_collection_finish(session):
    """Refuse to run a parallel suite whose groups pytest-xdist cannot see: it would spread a file's tests
    over both workers, build its module fixtures twice and drive two browsers at once, saying nothing."""
    config = session.config
    if not hasattr(config, "workerinput") or not config.getvalue("loadgroup"):
        return
    ungrouped = [item.nodeid for item in session.items
                 if item.get_closest_marker("xdist_group") is not None and "@" not in item.nodeid]
    if ungrouped:
        raise pytest.UsageError(f"pytest-xdist did not group {ungrouped[0]} (pytest {pytest.__version__}; see "
                                "pytest-xdist#1386 and the pin in requirements.txt)")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Keep a test file on one worker of a parallel run (``-n auto --dist loadgroup``): its module fixtures
    are built once, and a walkthrough's cells run in order in the one kernel that worker started. The
    browser tests share a group, so they run one at a time: two headless browsers driving JupyterLab or
    Voila at once on a two-core machine starve each other past their timeouts. The walkthroughs share
    one too, one notebook at a time: their charts are rendered by kaleido in chromium, whose page was
    once called before its script had loaded while notebooks and other tests crowded the two cores.

    Groups with browser tests, then groups with slow tests, go first (each group keeps its order): the
    workers take groups in order, and a long one started last would leave the other worker idle at the end.

    First of the hooks, so that pytest-xdist's worker, which reads the groups in a hook of its own, sees them.
    """
    weight: dict[str, int] = {}
    for item in items:
        mark = item.get_closest_marker("xdist_group")
        path = item.nodeid.split("::")[0]
        browser, notebook = item.get_closest_marker("browser") is not None, path.endswith(".ipynb")
        if mark is None:
            group = "browser" if browser else "walkthroughs" if notebook else path
            item.add_marker(pytest.mark.xdist_group(group))
        else:
            group = _group(item)
        heavy = 2 if browser or notebook else 1 if item.get_closest_marker("slow") else 0
        weight[group] = max(weight.get(group, 0), heavy)
    items.sort(key=lambda item: -weight[_group(item)])


def _group(item) -> str:
    mark = item.get_closest_marker("xdist_group")
    return mark.args[0] if mark.args else mark.kwargs.get("name", "default")
