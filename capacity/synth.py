"""Seeded synthetic books of accounts: the embedded sample and benchmark books.

ARR is long-tailed, as in SaaS books: lognormal around a median of a few thousand a
year, a floor for the cheapest plan and a cap for the largest contracts, so a few
percent of accounts carry about half of the ARR.
"""

from __future__ import annotations

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


def synthetic_book(
    accounts: int,
    seed: int = 2027,
    median_arr: float = 8_000.0,
    sigma: float = 1.3,
    floor_arr: float = 600.0,
    cap_arr: float = 2_500_000.0,
    first_renewal: str = "2027-02-01",
) -> pd.DataFrame:
    """A reproducible book of ``accounts`` rows.

    Parameters
    ----------
    accounts : int
        Number of accounts.
    seed : int
        Seed of the random generator: the same seed gives the same book.
    median_arr, sigma : float
        Lognormal ARR: median [USD/year] and shape (1.3 gives a long tail).
    floor_arr, cap_arr : float
        ARR is clipped to this range [USD/year].
    first_renewal : str
        Renewal dates fall in the year from this date.

    Returns
    -------
    pandas.DataFrame
        Columns ``account_id`` (zero-padded text), ``name``, ``arr``, ``vertical``, ``renewal_date``.
    """
    rng = np.random.default_rng(seed)
    arr = np.exp(rng.normal(np.log(median_arr), sigma, accounts))
    # Contracts are priced in round numbers: tens of dollars below $10k, hundreds above.
    arr = np.where(arr < 10_000, np.round(arr, -1), np.round(arr, -2))
    arr = np.clip(arr, floor_arr, cap_arr)
    width = max(7, len(str(accounts)))
    ids = pd.Series(np.arange(1, accounts + 1)).astype(str).str.zfill(width)
    names = (
        pd.Series(_FIRST[rng.integers(0, len(_FIRST), accounts)])
        + " "
        + _SECOND[rng.integers(0, len(_SECOND), accounts)]
        + " "
        + _SUFFIX[rng.integers(0, len(_SUFFIX), accounts)]
    )
    labels = np.array(list(VERTICALS))
    vertical = labels[rng.choice(len(labels), size=accounts, p=np.array(list(VERTICALS.values())))]
    renewal = pd.Timestamp(first_renewal) + pd.to_timedelta(rng.integers(0, 365, accounts), unit="D")
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
    """Write :func:`synthetic_book` as CSV, atomically. Returns the path."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    table = pa.Table.from_pandas(synthetic_book(accounts, seed), preserve_index=False)
    with atomic_path(path) as temporary:
        pacsv.write_csv(table, temporary, pacsv.WriteOptions(quoting_style="needed"))
    return Path(path)
