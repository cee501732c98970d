"""Seeded synthetic books of accounts: the embedded sample and benchmark books.

ARR is long-tailed, as in SaaS books: lognormal around a median of a few thousand a
year, a floor for the cheapest plan and a cap for the largest contracts, so a few
percent of accounts carry about half of the ARR.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from .files import atomic_path

__all__ = ["VERTICALS", "synthetic_book", "write_synthetic_book"]

#: Verticals and their share of accounts.
VERTICALS = {
    "Technology": 0.25,
    "Financial Services": 0.20,
    "Healthcare": 0.18,
    "Retail": 0.15,
    "Manufacturing": 0.14,
    "Public Sector": 0.08,
}
_FIRST = np.array(
    "Acme Apex Atlas Beacon Blue Bright Cedar Clear Crest Delta Echo Falcon Granite Harbor Iron Juniper "
    "Keystone Lumen Maple Meridian Nimbus North Oak Orbit Pine Prairie Quantum Redwood Ridge River Sage "
    "Silver Summit Terra Vertex Willow".split()
)
_SECOND = np.array(
    "Analytics Bank Biotech Brands Capital Care Clinics Systems Foods Freight Health Holdings Insurance "
    "Labs Logistics Manufacturing Media Medical Networks Partners Retail Robotics Software Solutions "
    "Studios Supply Works".split()
)
_SUFFIX = np.array(["Inc", "LLC", "Ltd", "Group", "Co", "GmbH", "plc"])


_CHUNK = 1_000_000


def synthetic_book(accounts: int, seed: int = 2027, **params) -> pd.DataFrame:
    """A reproducible book of ``accounts`` rows.

    Parameters
    ----------
    accounts : int
        Number of accounts.
    seed : int
        Seed of the random generator: the same seed gives the same book.
    **params
        ``median_arr`` and ``sigma``: lognormal ARR, median [USD/year] (8,000) and shape
        (1.3, a long tail); ``floor_arr`` and ``cap_arr``: ARR is clipped to this range
        [USD/year] (600 to 2,500,000); ``first_renewal``: renewal dates fall in the year
        from this date ("2027-02-01").

    Returns
    -------
    pandas.DataFrame
        Columns ``account_id`` (zero-padded text), ``name``, ``arr``, ``vertical``, ``renewal_date``.
    """
    return pd.concat(list(_chunks(accounts, seed, **params)), ignore_index=True)


def _chunks(accounts: int, seed: int, **params) -> Iterator[pd.DataFrame]:
    """The book in pieces of at most a million rows, drawn from one seeded generator."""
    rng = np.random.default_rng(seed)
    width = max(7, len(str(accounts)))
    for start in range(0, accounts, _CHUNK):
        yield _draw(rng, start, min(_CHUNK, accounts - start), width, **params)


def _draw(
    rng: np.random.Generator,
    start: int,
    count: int,
    width: int,
    median_arr: float = 8_000.0,
    sigma: float = 1.3,
    floor_arr: float = 600.0,
    cap_arr: float = 2_500_000.0,
    first_renewal: str = "2027-02-01",
) -> pd.DataFrame:
    arr = np.exp(rng.normal(np.log(median_arr), sigma, count))
    # Contracts are priced in round numbers: tens of dollars below $10k, hundreds above.
    arr = np.where(arr < 10_000, np.round(arr, -1), np.round(arr, -2))
    arr = np.clip(arr, floor_arr, cap_arr)
    ids = pd.Series(np.arange(start + 1, start + count + 1)).astype(str).str.zfill(width)
    names = (
        pd.Series(_FIRST[rng.integers(0, len(_FIRST), count)])
        + " "
        + _SECOND[rng.integers(0, len(_SECOND), count)]
        + " "
        + _SUFFIX[rng.integers(0, len(_SUFFIX), count)]
    )
    labels = np.array(list(VERTICALS))
    vertical = labels[rng.choice(len(labels), size=count, p=np.array(list(VERTICALS.values())))]
    renewal = pd.Timestamp(first_renewal) + pd.to_timedelta(rng.integers(0, 365, count), unit="D")
    return pd.DataFrame(
        {
            "account_id": ids.to_numpy(),
            "name": names.to_numpy(),
            "arr": arr,
            "vertical": vertical,
            "renewal_date": renewal.strftime("%Y-%m-%d"),
        }
    )


def write_synthetic_book(path: str | Path, accounts: int, seed: int = 2027) -> Path:
    """Write :func:`synthetic_book` as CSV, atomically, a million rows at a time. Returns the path."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    options = pacsv.WriteOptions(quoting_style="needed")
    with atomic_path(path) as temporary:
        writer = None
        for chunk in _chunks(accounts, seed):
            table = pa.Table.from_pandas(chunk, preserve_index=False)
            if writer is None:
                writer = pacsv.CSVWriter(temporary, table.schema, write_options=options)
            writer.write_table(table)
        writer.close()
    return Path(path)
