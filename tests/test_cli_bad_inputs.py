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

import os
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .conftest import ROOT

CORPUS = ROOT / "tests" / "bad_inputs"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.txt").is_file())


def _arguments(case: str) -> list[str]:
    folder = CORPUS / case
    if (folder / "args.txt").is_file():
        return shlex.split((folder / "args.txt").read_text())
    relative = folder.relative_to(ROOT)
    scenario = relative / "scenario.yaml" if (folder / "scenario.yaml").is_file() else Path("data/scenario.yaml")
    args = ["plan", str(scenario)]
    books = sorted(p.name for p in folder.glob("book.*"))
    if books:
        args += ["--book", str(relative / books[0])]
    return args


def _run(case: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "capacity", *_arguments(case)], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


@pytest.fixture(scope="module")
def outcomes() -> dict[str, subprocess.CompletedProcess]:
    """Every case run once, a few at a time: one Python start-up per case is most of the cost."""
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        return dict(zip(CASES, pool.map(_run, CASES)))


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

