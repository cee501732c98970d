"""Budget of ``capacity init``: a 1M-row Salesforce report export within 3x a bare ``pandas.read_csv`` plus the plan.

The export is shaped as Salesforce writes a report: every cell quoted, its own headers ("Account ID",
"Account Name", "Account Owner", "Industry", "ARR" as its CSV export writes amounts, "12345.00", "Contract End
Date" as 03/31/2027), 18-character ids in no order, and the report's footer (blank lines, "Grand Totals (1,000,000 records)", the
confidentiality and copyright lines). ``capacity init`` is run as the command line runs it (``main``:
header read and recognised, book loaded with the footer set aside, tiers proposed, scenario written, then
loaded and planned as ``capacity plan`` would, text rendered). Against it, in the same run, interleaved and
best of several: a bare ``pandas.read_csv`` of the same file plus :func:`capacity.plan` of the written
scenario on the book already loaded (the plan proper, without reading). The budget is
``init / (read_csv + plan)``, less the ids' repeat check as in ``bench_book`` (ids in no order are hashed
once, ``pyarrow.compute.unique``, which no reader can skip): it is timed on the same ids in the same run
and shown beside the figure, with the ratio that counts it.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from capacity import load_book, load_scenario, plan
from capacity.apps.cli import main

from .bench_book import unique_seconds
from .books import CACHE
from .harness import Measurement, budget

_ALPHABET = np.array(list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))


def salesforce_export(rows: int, seed: int = 25) -> Path:
    """A Salesforce report export of ``rows`` accounts with its footer, in ``.bench-cache/`` (written on first use)."""
    path = CACHE / f"salesforce-report-{rows}-{seed}-v2.csv"
    if path.exists():
        return path
    rng = np.random.default_rng(seed)
    numbers = rng.permutation(rows)
    digits = [_ALPHABET[(numbers // 62**k) % 62] for k in range(5, -1, -1)]
    ids = np.char.add("0015g0000", np.char.add(np.char.add(np.char.add(digits[0], digits[1]),
                                                           np.char.add(digits[2], digits[3])),
                                               np.char.add(np.char.add(digits[4], digits[5]), "AAQ")))
    arr = np.round(np.exp(rng.normal(np.log(9000), 1.35, rows)), 2)
    owners = np.array(["Dana Whitfield", "Luis Ortega", "Aiko Tanaka", "Ben Carter", "Integration User"])
    industries = np.array(["Technology", "Healthcare", "Retail", "Financial Services", "Manufacturing"])
    months, days = rng.integers(1, 13, rows), rng.integers(1, 29, rows)
    frame = pd.DataFrame({
        "Account ID": ids,
        "Account Name": np.char.add("Account ", np.arange(rows).astype(str)),
        "Account Owner": owners[rng.integers(0, len(owners), rows)],
        "Industry": industries[rng.integers(0, len(industries), rows)],
        "ARR": [f"{a:.2f}" for a in arr],
        "Contract End Date": [f"{m:02d}/{d:02d}/2027" for m, d in zip(months, days)],
    })
    CACHE.mkdir(exist_ok=True)
    partial = path.with_suffix(".partial")
    frame.to_csv(partial, index=False, quoting=1, lineterminator="\r\n")
    with partial.open("a", encoding="utf-8", newline="") as handle:
        handle.write(f'\r\n\r\n"Grand Totals ({rows:,} records)"\r\n\r\n\r\n'
                     '"Confidential Information - Do Not Distribute"\r\n'
                     '"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."\r\n')
    partial.rename(path)
    return path


def _init_seconds(export: Path, out: Path) -> float:
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
        code = main(["init", str(export), "--out", str(out), "--force"])
    seconds = time.perf_counter() - start
    assert code == 0, err.getvalue()
    return seconds


def _repeat_check_seconds(export: Path, runs: int) -> float:
    ids = pacsv.read_csv(export, parse_options=pacsv.ParseOptions(invalid_row_handler=lambda row: "skip"),
                         convert_options=pacsv.ConvertOptions(include_columns=["Account ID"],
                                                              column_types={"Account ID": pa.string()}))
    return unique_seconds(ids.column(0).drop_null().combine_chunks(), runs)


@budget("capacity init on a 1M-row Salesforce report export, as a multiple of bare pandas.read_csv plus the plan",
        limit=3.0, unit="x")
def init_ratio(smoke: bool) -> Measurement:
    rows = 20_000 if smoke else 1_000_000
    export = salesforce_export(rows)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "scenario.yaml"
        _init_seconds(export, out)  # writes the scenario the plan below reads
        scenario = load_scenario(out)
        book = load_book(export, columns=scenario.book_columns)
        assert len(book) == rows
        inits, bare, plans = [], [], []
        for _ in range(2 if smoke else 5):
            inits.append(_init_seconds(export, out))
            start = time.perf_counter()
            pd.read_csv(export)
            bare.append(time.perf_counter() - start)
            start = time.perf_counter()
            plan(scenario, book)
            plans.append(time.perf_counter() - start)
    ours, reference = min(inits), min(bare) + min(plans)
    check = _repeat_check_seconds(export, 3 if smoke else 5)
    return Measurement((ours - check) / reference,
                       f"{rows:,} rows: init {ours:.2f} s vs read_csv {min(bare):.2f} s + plan {min(plans):.2f} s; "
                       f"of it, the ids' repeat check (pyarrow unique) {check * 1000:.0f} ms, not counted; "
                       f"counted, {ours / reference:.2f} x")
