"""A smoke run of `make bench`: every benchmark runs and prints its budget line."""

import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def test_bench_smoke_runs_every_budget():
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--smoke"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines, "no benchmark ran"
    for line in lines:
        assert line.split()[0] in {"PASS", "over"}, line
        assert "(budget " in line
