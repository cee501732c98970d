"""Books of the shapes CRMs export, for the loading budget: one seeded generator, cached.

Each shape is a variation of one base book (``account_id`` "ACC-0000001"..., ``name``
"Customer 1"..., ``arr`` lognormal with two decimals, ``vertical`` of four values), so a
slower shape points at the one thing it changes: more columns, other ids (integers, a long prefix,
Salesforce's), another row order, other line ends, quoting.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from .books import CACHE

__all__ = ["SHAPES", "FORMATTED_SHAPES", "shape_book", "shape_frame"]

_VERTICALS = np.array(["Healthcare", "Retail", "Financial services", "Manufacturing"])


def _base(rows: int, rng: np.random.Generator) -> pd.DataFrame:
    numbers = np.arange(1, rows + 1)
    return pd.DataFrame({
        "account_id": np.char.add("ACC-", np.char.zfill(numbers.astype(str), 7)),
        "name": np.char.add("Customer ", numbers.astype(str)),
        "arr": np.round(np.exp(rng.normal(np.log(9000), 1.4, rows)), 2),
        "vertical": _VERTICALS[rng.integers(0, len(_VERTICALS), rows)],
    })


def _wide(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    words = np.array(["north", "south", "east", "west", "enterprise", "growth", "partner", "direct"])
    for k in range(10):
        frame[f"note_{k + 1}"] = np.char.add(words[rng.integers(0, len(words), len(frame))],
                                             rng.integers(0, 100_000, len(frame)).astype(str))
    return frame


def _integer_ids(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    frame["account_id"] = 100_000_000 + rng.permutation(len(frame))
    return frame


def _salesforce_ids(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    # Salesforce's 18-character ids ("0015g00000AbCdEAAB"): a key prefix, the row number in base 62 and a
    # three-letter checksum. Not a prefix and digits: the loader hashes them.
    alphabet = np.array(list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))
    numbers = rng.permutation(len(frame))
    digits = [alphabet[(numbers // 62**k) % 62] for k in range(5, -1, -1)]
    checksum = [alphabet[10 + rng.integers(0, 26, len(frame))] for _ in range(3)]
    frame["account_id"] = ["0015g0000" + "".join(chars) for chars in zip(*digits, *checksum)]
    return frame


def _long_prefix(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    frame["account_id"] = np.char.add("salesforce-emea-enterprise-account-", frame["account_id"].to_numpy(dtype=str))
    return frame


def _sorted_by_arr(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    return frame.sort_values("arr", kind="stable", ignore_index=True)


def _shuffled(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    return frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)


def _quoted_names(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    frame["name"] = frame["name"] + ", Inc."
    return frame


def _currency_amounts(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    frame["arr"] = [f"${value:,.2f}" for value in frame["arr"]]
    return frame


#: shape -> (transform of the base frame, CSV line terminator)
SHAPES: dict[str, tuple[Callable[[pd.DataFrame, np.random.Generator], pd.DataFrame], str]] = {
    "base": (lambda frame, rng: frame, "\n"),
    "10 extra text columns": (_wide, "\n"),
    "integer ids": (_integer_ids, "\n"),
    "long id prefix": (_long_prefix, "\n"),
    "Salesforce ids": (_salesforce_ids, "\n"),
    "sorted by arr": (_sorted_by_arr, "\n"),
    "shuffled": (_shuffled, "\n"),
    "CRLF line ends": (lambda frame, rng: frame, "\r\n"),
    "quoted names with commas": (_quoted_names, "\n"),
}
#: Shapes of books that CRMs export, outside the 3x budget of those above: ARR as a spreadsheet shows it (5x).
FORMATTED_SHAPES = {
    "ARR with a currency sign and thousands separators": (_currency_amounts, "\n"),
}


def shape_frame(shape: str, rows: int, seed: int = 18) -> pd.DataFrame:
    """The book of ``shape`` with ``rows`` accounts, as a frame (seeded: the same every run)."""
    transform, _ = {**SHAPES, **FORMATTED_SHAPES}[shape]
    rng = np.random.default_rng(seed)
    return transform(_base(rows, rng), rng)


def shape_book(shape: str, rows: int, seed: int = 18) -> Path:
    """The CSV of :func:`shape_frame` in ``.bench-cache/``, written on first use."""
    _, line_end = {**SHAPES, **FORMATTED_SHAPES}[shape]
    slug = "".join(c if c.isalnum() else "-" for c in shape.lower())
    path = CACHE / "shapes" / f"{slug}-{rows}-{seed}.csv"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        shape_frame(shape, rows, seed).to_csv(partial, index=False, lineterminator=line_end)
        partial.replace(path)
    return path
