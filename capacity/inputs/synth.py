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

from capacity.files import atomic_path

__all__ = ["VERTICALS", "HEALTH", "SAMPLE_TEAM", "synthetic_book", "write_synthetic_book"]

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

#: Account health and its share of accounts; a few cells are typed in lower case, as CRMs let users do.
HEALTH = {"Green": 0.62, "Yellow": 0.25, "Red": 0.13}
_LOWER_CASE_SHARE = 0.03

#: Today's owners of the sample book, by ARR tier (the sample scenario's thresholds): each tier's
#: CSMs and the share of the tier's accounts each one carries (uneven, as books grow by history).
#: The lowest tier is digital: no owner, except accounts that shrank from Mid-Market and kept theirs.
SAMPLE_TEAM = (
    (100_000, ("Alex Morgan", "Priya Shah", "Daniel Okafor", "Mei Chen", "Lucas Silva", "Hannah Weber"),
     (0.26, 0.21, 0.17, 0.14, 0.12, 0.10)),
    (25_000, ("Sofia Rossi", "Omar Haddad", "Emma Johansson", "Kenji Sato", "Grace Kim", "Mateo Garcia",
              "Aisha Bello", "Noah Fischer", "Chloe Martin", "Ravi Iyer"),
     (0.16, 0.14, 0.12, 0.11, 0.10, 0.09, 0.08, 0.08, 0.07, 0.05)),
    (5_000, ("Liam Walsh", "Nina Petrova", "Samuel Adeyemi", "Julia Novak", "Ethan Brooks", "Zoe Laurent"),
     (0.2, 0.2, 0.2, 0.2, 0.1, 0.1)),
)
#: Share of owned tiers' accounts whose owner left (blank cell), and of digital accounts still owned.
_UNOWNED_SHARE = 0.02
_DIGITAL_OWNED_SHARE = 0.03


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
        Columns ``account_id`` (zero-padded text), ``name``, ``arr``, ``vertical``, ``renewal_date``,
        ``csm`` (the owner, blank for none; see :data:`SAMPLE_TEAM`) and ``health`` (see :data:`HEALTH`).
        The owners and health come from a second generator spawned from the seed, so the other
        columns are the same as in a book without them.
    """
    return pd.concat(list(_chunks(accounts, seed, **params)), ignore_index=True)


def _chunks(accounts: int, seed: int, **params) -> Iterator[pd.DataFrame]:
    """The book in pieces of at most a million rows, drawn from one seeded generator."""
    rng = np.random.default_rng(seed)
    team_rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    width = max(7, len(str(accounts)))
    for start in range(0, accounts, _CHUNK):
        chunk = _draw(rng, start, min(_CHUNK, accounts - start), width, **params)
        chunk["csm"] = owners(team_rng, chunk["arr"].to_numpy())
        chunk["health"] = _health(team_rng, len(chunk))
        yield chunk


def owners(rng: np.random.Generator, arr: np.ndarray, team=SAMPLE_TEAM) -> np.ndarray:
    """An owner per account (blank for none): each tier's accounts drawn among its CSMs with their shares.

    ``team`` is ``((min_arr [USD/year], names, shares), ...)`` from the highest tier down; accounts
    below the lowest tier are digital: unowned, except a few still owned by a CSM of the second tier
    (accounts that shrank and kept their owner).
    """
    out = np.full(len(arr), "", dtype=object)
    upper = np.inf
    for min_arr, names, shares in team:
        in_tier = np.flatnonzero((arr >= min_arr) & (arr < upper))
        picks = np.asarray(names, dtype=object)[rng.choice(len(names), size=len(in_tier), p=np.asarray(shares))]
        picks[rng.random(len(in_tier)) < _UNOWNED_SHARE] = ""
        out[in_tier] = picks
        upper = min_arr
    digital = np.flatnonzero(arr < upper)
    kept = digital[rng.random(len(digital)) < _DIGITAL_OWNED_SHARE]
    if len(team) > 1 and len(kept):
        names = np.asarray(team[1][1], dtype=object)
        out[kept] = names[rng.integers(0, len(names), len(kept))]
    return out


def _health(rng: np.random.Generator, count: int) -> np.ndarray:
    labels = np.array(list(HEALTH), dtype=object)
    health = labels[rng.choice(len(labels), size=count, p=np.array(list(HEALTH.values())))]
    lower = rng.random(count) < _LOWER_CASE_SHARE
    health[lower] = [h.lower() for h in health[lower]]
    return health


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
