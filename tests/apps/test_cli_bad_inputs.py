"""The bad-input corpus: every malformed file a user may feed us, and the exact line they get back.

Each folder of ``tests/bad_inputs/`` holds the input files of one case and
``expected.txt``, the one line the command line must print on stderr. The command is
``python -m capacity plan SCENARIO [--book BOOK]``, where SCENARIO is the case's
``scenario.yaml`` (else the default scenario) and BOOK its ``book.*`` file if it has
one; ``args.txt`` replaces that command when a case needs another. Paths are relative to
the repository root, where the command runs, so the expected line is exact.

The .xlsx books are written by ``tests/bad_inputs/make_xlsx.py``.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import ROOT

CORPUS = ROOT / "tests" / "bad_inputs"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.txt").is_file())


def _arguments(case: str) -> list[str]:
    folder = CORPUS / case
    if (folder / "args.txt").is_file():
        return shlex.split((folder / "args.txt").read_text())
    relative = folder.relative_to(ROOT)
    scenario = relative / "scenario.yaml" if (folder / "scenario.yaml").is_file() else Path("capacity/sample/scenario.yaml")
    args = ["plan", str(scenario)]
    books = sorted(p.name for p in folder.glob("book.*"))
    if books:
        args += ["--book", str(relative / books[0])]
    return args


# Runs every case through the command line's entry point (what ``python -m capacity`` calls) in one
# fresh interpreter: a Python start-up per case was most of the corpus's time. A case that lets an
# exception out of ``main`` gets its traceback as its stderr, so the test below fails on it.
_DRIVER = """
import contextlib, io, json, sys, traceback
from capacity.apps.cli import main
out = {}
for case, args in json.loads(sys.stdin.read()):
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = main(args)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            traceback.print_exc()
            code = 1
    out[case] = [code, stdout.getvalue(), stderr.getvalue()]
print(json.dumps(out))
"""


def _run_all(cases: list[str]) -> dict[str, subprocess.CompletedProcess]:
    import json

    done = subprocess.run([sys.executable, "-c", _DRIVER],
                          input=json.dumps([[case, _arguments(case)] for case in cases]),
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout.splitlines()[-1])
    return {case: subprocess.CompletedProcess(_arguments(case), *results[case]) for case in cases}


@pytest.fixture(scope="module")
def outcomes() -> dict[str, subprocess.CompletedProcess]:
    """Every case once, half of them in each of two interpreters at once (the machine's two cores)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        halves = list(pool.map(_run_all, [CASES[0::2], CASES[1::2]]))
    return {case: outcome for half in halves for case, outcome in half.items()}


def test_the_corpus_covers_every_required_case():
    required = {
        "book_empty", "book_header_only", "book_missing_arr", "arr_suffix", "arr_parentheses", "arr_na",
        "arr_blank", "arr_negative", "arr_nan", "arr_inf", "duplicate_account_id", "yaml_syntax_error",
        "unknown_key", "wrong_type_number", "both_frequencies", "one_time_with_frequency", "duplicate_thresholds",
        "below_lowest_threshold", "split_zero", "split_above_one", "split_words", "pto_negative", "pto_beyond_year",
        "internal_beyond_hours", "book_not_found", "book_is_directory", "arr_absurd", "not_utf8",
        "xlsx_merged_header", "semicolon_separated",
    }
    assert required <= set(CASES)
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES)
def test_bad_input_gets_one_clear_line(case, outcomes):
    done = outcomes[case]
    expected = (CORPUS / case / "expected.txt").read_text(encoding="utf-8").rstrip("\n")
    assert "Traceback" not in done.stderr
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.splitlines() == [expected]

