"""Behaviour kept on purpose: the default data's plan and fiscal year, key for key and value for value.

The golden files in ``tests/golden/`` are the ``--json`` output of ``plan`` and ``fiscal`` on the two default
scenarios. A refactor must leave every key and value of them as it is (new keys may be added). Update a golden
file only on purpose, with the reason in the commit:

    .venv/bin/capacity plan --example --json > tests/golden/scenario.plan.json
"""

from __future__ import annotations

import json

import pytest

from capacity.apps.cli import main

from tests.conftest import DATA, ROOT

GOLDEN = ROOT / "tests" / "golden"
CASES = [(scenario, command) for scenario in ("scenario", "scenario-healthcare-pool") for command in ("plan", "fiscal")]


def missing_or_changed(golden, current, where: str = "") -> list[str]:
    """Every place where ``current`` lacks a key of ``golden`` or holds another value (exact, floats included)."""
    if isinstance(golden, dict):
        if not isinstance(current, dict):
            return [f"{where}: was a mapping, now {type(current).__name__}"]
        out = []
        for key, value in golden.items():
            if key not in current:
                out.append(f"{where}.{key}: missing")
            else:
                out += missing_or_changed(value, current[key], f"{where}.{key}")
        return out
    if isinstance(golden, list):
        if not isinstance(current, list) or len(current) != len(golden):
            return [f"{where}: was a list of {len(golden)}, now {current if not isinstance(current, list) else len(current)}"]
        return [line for i, (g, c) in enumerate(zip(golden, current)) for line in missing_or_changed(g, c, f"{where}[{i}]")]
    if type(golden) is not type(current) or golden != current:
        return [f"{where}: was {golden!r}, now {current!r}"]
    return []


def test_the_comparison_notices_a_changed_value_a_missing_key_and_a_float_in_the_last_digit():
    golden = {"a": [1, {"b": 0.1 + 0.2}], "c": "x"}
    assert missing_or_changed(golden, {"a": [1, {"b": 0.1 + 0.2}], "c": "x", "new": 1}) == []
    assert missing_or_changed(golden, {"a": [1, {"b": 0.3}], "c": "x"}) == [".a[1].b: was 0.30000000000000004, now 0.3"]
    assert missing_or_changed(golden, {"a": [1, {"b": 0.1 + 0.2}]}) == [".c: missing"]
    assert missing_or_changed({"n": 1}, {"n": 1.0}) == [".n: was 1, now 1.0"]


@pytest.mark.parametrize("scenario, command", CASES, ids=[f"{s}-{c}" for s, c in CASES])
def test_default_data_keeps_every_golden_key_and_value(scenario, command, capsys):
    assert main([command, str(DATA / f"{scenario}.yaml"), "--json"]) == 0
    current = json.loads(capsys.readouterr().out)
    golden = json.loads((GOLDEN / f"{scenario}.{command}.json").read_text(encoding="utf-8"))
    assert missing_or_changed(golden, current) == []
