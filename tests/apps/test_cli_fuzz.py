"""Fuzzing the command line with corrupted books and scenarios.

Hundreds of seeded corruptions of the default CSV and YAML (byte flips, truncation,
deleted, duplicated and swapped lines, swapped columns, stray unicode and punctuation,
huge and odd numbers) go through ``capacity.apps.cli.main`` in-process. The only acceptable
outcomes are a valid plan (exit 0, JSON with totals) or one ``error:`` line and exit 2:
any exception, traceback, warning or second line fails, and the message names the seed
so that the case can be replayed and added to ``tests/bad_inputs/``.
"""

from __future__ import annotations

import gc
import json
import random
import re
import warnings

import pytest

from capacity.apps.cli import main

from tests.conftest import DEFAULT_BOOK, DEFAULT_SCENARIO

CASES_PER_KIND = 25
BOOK_ROWS = 40
ODD_TEXT = ["", " ", "\t", '"', "'", ",", ";", ":", "-", "#", "{", "}", "[", "]", "\\", "\x00", "\ufeff", "\u00a0",
            "\u2028", "\r", "\n", "é", "€", "日本", "🙂", "\udcff", "NaN", "inf", "-1", "1e308", "9" * 40, "0x1F",
            "true", "null", "~", "&a", "*a", "!!python/object:os.system", "%", "$", "(500)", "1.2k"]
HUGE = ["1e308", "-1e308", "1e400", "9" * 30, "-0", "nan", ".inf", "-.inf", "1e-320", "0.000001", "12,50", "1_000"]


def _flip_bytes(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data))]


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _delete_line(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    del lines[rng.randrange(len(lines))]
    return b"\n".join(lines)


def _duplicate_line(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    lines.insert(rng.randrange(len(lines)), lines[i])
    return b"\n".join(lines)


def _swap_lines(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


def _swap_columns(rng: random.Random, data: bytes) -> bytes:
    """Swap two comma-separated fields on every line (the header too, or not: a coin toss)."""
    keep_header = rng.random() < 0.5
    out = []
    i, j = rng.randrange(5), rng.randrange(5)
    for n, line in enumerate(_lines(data)):
        cells = line.split(b",")
        if max(i, j) < len(cells) and not (keep_header and n == 0):
            cells[i], cells[j] = cells[j], cells[i]
        out.append(b",".join(cells))
    return b"\n".join(out)


def _insert_text(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8")
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(text) + 1)
        text = text[:at] + rng.choice(ODD_TEXT) + text[at:]
    return text.encode("utf-8", errors="surrogateescape")


def _odd_numbers(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8")
    numbers = list(re.finditer(r"(?<![\w.])\d+(\.\d+)?(?![\w.])", text))
    for match in rng.sample(numbers, k=min(len(numbers), rng.randint(1, 3))):
        text = text[: match.start()] + rng.choice(HUGE) + text[match.end():]
    return text.encode("utf-8")


def _random_unicode(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8")
    at = rng.randrange(len(text) + 1)
    ranges = [(32, 127), (0x80, 0x3000), (0x1F300, 0x1F600)]  # ASCII, accents to CJK, emoji
    noise = "".join(chr(rng.randrange(*rng.choice(ranges))) for _ in range(rng.randint(1, 20)))
    return (text[:at] + noise + text[at:]).encode("utf-8")


CORRUPTIONS = {
    "flip_bytes": _flip_bytes,
    "truncate": _truncate,
    "delete_line": _delete_line,
    "duplicate_line": _duplicate_line,
    "swap_lines": _swap_lines,
    "swap_columns": _swap_columns,
    "insert_text": _insert_text,
    "odd_numbers": _odd_numbers,
    "random_unicode": _random_unicode,
}


@pytest.fixture(autouse=True)
def _earlier_garbage_collected():
    """Collect what earlier tests in this worker left in reference cycles (a notebook kernel's client and
    its sockets) before the commands run: its ResourceWarnings, raised whenever the collector next runs,
    are not the command's."""
    gc.collect()


def _small_book() -> bytes:
    return b"\n".join(DEFAULT_BOOK.read_bytes().split(b"\n")[: BOOK_ROWS + 1]) + b"\n"


def _assert_clean_outcome(code: int, out: str, err: str, caught: list, replay: str) -> None:
    noisy = [w for w in caught if not issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning))]
    assert not noisy, f"{replay}: a warning would reach the user's terminal: {noisy[0].message}"
    if code == 0:
        result = json.loads(out)
        # Only the book's notes (lines set aside, amounts converted), one line each.
        assert all(line.startswith("note: ") for line in err.splitlines()), f"{replay}: stderr {err!r}"
        headcount = result["totals"]["headcount"] if "totals" in result else result["summary"]["year_end_headcount"]
        assert isinstance(headcount, int) and headcount >= 0, replay
    else:
        assert code == 2, f"{replay}: exit {code}, stderr {err!r}"
        assert out == "", replay
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), f"{replay}: stderr {err!r}"


def _run(argv: list[str], capsys) -> tuple[int, str, str, list]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err, caught


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_corrupted_books_give_a_plan_or_one_error_line(kind, tmp_path, capsys):
    original = _small_book()
    corrupt = CORRUPTIONS[kind]
    outcomes = set()
    for seed in range(CASES_PER_KIND):
        rng = random.Random(f"book-{kind}-{seed}")
        path = tmp_path / f"book-{seed}.csv"
        path.write_bytes(corrupt(rng, original))
        code, out, err, caught = _run(["plan", str(DEFAULT_SCENARIO), "--book", str(path), "--json"], capsys)
        _assert_clean_outcome(code, out, err, caught, f"book corruption {kind!r}, seed {seed} ({path})")
        outcomes.add(code)
    assert outcomes <= {0, 2}


@pytest.mark.parametrize("kind", sorted(set(CORRUPTIONS) - {"swap_columns"}))
def test_corrupted_scenarios_give_a_plan_or_one_error_line(kind, tmp_path, capsys):
    original = DEFAULT_SCENARIO.read_bytes()
    (tmp_path / "book.csv").write_bytes(_small_book())
    corrupt = CORRUPTIONS[kind]
    for seed in range(CASES_PER_KIND):
        rng = random.Random(f"scenario-{kind}-{seed}")
        path = tmp_path / f"scenario-{seed}.yaml"
        path.write_bytes(corrupt(rng, original))
        for command in ("plan", "fiscal"):  # the default scenario has a fiscal_year block to corrupt too
            code, out, err, caught = _run([command, str(path), "--json"], capsys)
            replay = f"{command}: scenario corruption {kind!r}, seed {seed} ({path})"
            _assert_clean_outcome(code, out, err, caught, replay)


def test_the_fuzzer_reaches_both_outcomes(tmp_path, capsys):
    """The corruptions are neither all harmless nor all fatal: both outcomes occur."""
    original = _small_book()
    codes = []
    for seed in range(CASES_PER_KIND):
        path = tmp_path / f"b{seed}.csv"
        path.write_bytes(_odd_numbers(random.Random(f"book-odd_numbers-{seed}"), original))
        codes.append(main(["plan", str(DEFAULT_SCENARIO), "--book", str(path), "--json"]))
    capsys.readouterr()
    assert set(codes) == {0, 2}
