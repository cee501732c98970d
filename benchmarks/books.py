"""Books for the benchmarks: built in memory, or written once by the seeded generator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from capacity import Book
from capacity.inputs.synth import write_synthetic_book

DEFAULT_SCENARIO = "capacity/sample/scenario.yaml"
CACHE = Path(".bench-cache")


def in_memory_book(accounts: int) -> Book:
    """A long-tailed book of ``accounts`` accounts, built without touching the disk."""
    rng = np.random.default_rng(1)
    arr = np.round(np.exp(rng.normal(np.log(8000), 1.3, accounts)), -1)
    return Book.from_frame(pd.DataFrame({"account_id": np.arange(accounts).astype(str), "arr": arr}))


def cached_book(accounts: int, seed: int = 2027) -> Path:
    """A synthetic book CSV of ``accounts`` rows in ``.bench-cache/``, generated on first use."""
    path = CACHE / f"book-{accounts}-{seed}.csv"
    if not path.exists():
        write_synthetic_book(path, accounts, seed)
    return path
