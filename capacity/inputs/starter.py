"""A starting scenario for a book: segments proposed from its ARR, a library of touchpoints, written as YAML.

``capacity init`` reads a CRM export and writes a scenario a CS leader edits rather than writes. Two
rules make the proposal, each a line to change here:

- **Thresholds** are the round amounts (1, 2.5 or 5 times a power of ten) nearest, on a log scale, to
  the ARR of the accounts at the top 3%, 20% and 65% of the book (:data:`TIER_SHARES`). On a typical
  B2B book that is $100k / $25k / $5k. A tier with fewer than :data:`MIN_ACCOUNTS_PER_TIER` accounts
  joins the tier below, so a small or narrow book gets fewer tiers.
- **Coverage** follows the tier's rank (:data:`PROFILES`): the top tier dedicated with the fullest
  journey, then dedicated, pooled, and digital (one-to-many programs only) at the bottom.

The touchpoints of each kind of tier come from ``starter.yaml`` beside this module, each with the
source of its kind and cadence, written as a comment beside its line.
"""

from __future__ import annotations

import datetime
import functools
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

__all__ = ["ProposedSegment", "TouchpointDraft", "SegmentDraft", "TIER_SHARES", "MIN_ACCOUNTS_PER_TIER", "PROFILES",
           "TIER_NAMES", "nice_amount", "propose_segments", "tier_sizes", "drafts", "library", "scenario_yaml",
           "relative_book"]

#: The share of accounts at or above each threshold, from the top tier down.
TIER_SHARES = (0.03, 0.20, 0.65)
#: A proposed tier with fewer accounts than this joins the tier below.
MIN_ACCOUNTS_PER_TIER = 10
#: The kind of tier (a list in starter.yaml) by the number of tiers proposed, top tier first.
PROFILES = {1: ("high_touch",), 2: ("high_touch", "pooled"), 3: ("high_touch", "dedicated", "pooled"),
            4: ("high_touch", "dedicated", "pooled", "digital")}
#: Tier names by the number of tiers, top first.
TIER_NAMES = {1: ("Customers",), 2: ("Enterprise", "SMB"), 3: ("Enterprise", "Mid-Market", "SMB"),
              4: ("Enterprise", "Mid-Market", "SMB", "Long tail")}
_COVERAGE = {"high_touch": "dedicated", "dedicated": "dedicated", "pooled": "pooled", "digital": "digital"}
_LADDER = (1.0, 2.5, 5.0)


@dataclass(frozen=True)
class ProposedSegment:
    """A tier proposed for a book: its name, threshold [currency/year], coverage, and what it holds."""

    name: str
    min_arr: float
    coverage: str
    profile: str
    accounts: int
    arr: float

    def to_dict(self) -> dict:
        return {"name": self.name, "min_arr": self.min_arr, "coverage": self.coverage, "profile": self.profile,
                "accounts": self.accounts, "arr": self.arr}


def nice_amount(value):
    """The round amount nearest to ``value`` on a log scale: 1, 2.5 or 5 times a power of ten.

    Parameters
    ----------
    value : float or array_like
        A positive amount [currency].

    Returns
    -------
    float or numpy.ndarray
        ``m * 10**k`` with ``m`` in (1, 2.5, 5), the one whose logarithm is nearest to ``log10(value)``;
        0 for a value of 0 or less.

    Examples
    --------
    >>> float(nice_amount(92_000)), float(nice_amount(21_300)), float(nice_amount(3_700))
    (100000.0, 25000.0, 5000.0)
    """
    values = np.asarray(value, dtype=float)
    safe = np.where(values > 0, values, 1.0)
    exponent = np.floor(np.log10(safe))
    candidates = np.stack([m * 10.0 ** (exponent + shift) for shift in (0, 1) for m in _LADDER])
    distance = np.abs(np.log10(candidates) - np.log10(safe))
    nearest = np.take_along_axis(candidates, distance.argmin(axis=0)[None, ...], axis=0)[0]
    result = np.where(values > 0, nearest, 0.0)
    return float(result) if np.ndim(value) == 0 else result


def propose_segments(arr_cents: np.ndarray) -> tuple[ProposedSegment, ...]:
    """Tiers for a book from its ARR: round thresholds at :data:`TIER_SHARES`, small tiers merged down.

    Parameters
    ----------
    arr_cents : numpy.ndarray of int
        Each account's ARR in integer cents (any order).

    Returns
    -------
    tuple of ProposedSegment
        Top tier first; the last starts at 0.
    """
    cents = np.sort(np.asarray(arr_cents, dtype=np.int64))
    n = len(cents)
    thresholds: list[float] = []
    for share in TIER_SHARES:
        rank = max(math.ceil(share * n), 1)  # the rank-th account from the top
        amount = nice_amount(cents[n - rank] / 100) if n else 0.0
        if amount > 0 and (not thresholds or amount < thresholds[-1]):
            thresholds.append(amount)
    while thresholds:
        counts = _counts(cents, thresholds)
        small = next((k for k, count in enumerate(counts) if count < MIN_ACCOUNTS_PER_TIER), None)
        if small is None:
            break
        # A small tier joins the one below; the bottom tier joins the one above.
        thresholds.pop(small if small < len(thresholds) else small - 1)
    bounds = [*thresholds, 0.0]
    counts, sums = _counts(cents, thresholds), _sums(cents, thresholds)
    k = len(bounds)
    return tuple(ProposedSegment(name, bound, _COVERAGE[profile], profile, int(count), total / 100)
                 for name, bound, profile, count, total in zip(TIER_NAMES[k], bounds, PROFILES[k], counts, sums))


@dataclass(frozen=True)
class TouchpointDraft:
    """A touchpoint of a starting scenario, with the source of its kind and cadence (None: the user's own)."""

    name: str
    kind: str
    minutes: float
    per_month: float | None = None
    per_year: float | None = None
    source: str | None = None

    def to_dict(self) -> dict:
        """The touchpoint as the scenario writes it (no source)."""
        out = {"name": self.name, "kind": self.kind, "minutes": self.minutes}
        if self.kind != "one_time":
            if self.per_month is not None:
                out["per_month"] = self.per_month
            elif self.per_year is not None:
                out["per_year"] = self.per_year
        return out


@dataclass(frozen=True)
class SegmentDraft:
    """A segment of a starting scenario: its threshold, coverage and touchpoints, and what it holds of the book."""

    name: str
    min_arr: float
    coverage: str
    new_customer_rate: float
    touchpoints: tuple[TouchpointDraft, ...]
    accounts: int = 0
    arr: float = 0.0

    def to_dict(self) -> dict:
        """The segment as the scenario writes it."""
        return {"name": self.name, "min_arr": self.min_arr, "coverage": self.coverage,
                "new_customer_rate": self.new_customer_rate, "touchpoints": [t.to_dict() for t in self.touchpoints]}


def drafts(proposed: tuple[ProposedSegment, ...]) -> tuple[SegmentDraft, ...]:
    """The proposed tiers with the library's touchpoints of their kind (``starter.yaml``), each citing its source."""
    lib = library()
    out = []
    for segment in proposed:
        profile = lib[segment.profile]
        touchpoints = tuple(TouchpointDraft(tp["name"], tp["kind"], float(tp["minutes"]), tp.get("per_month"),
                                            tp.get("per_year"), lib["sources"][tp["source"]])
                            for tp in profile["touchpoints"])
        out.append(SegmentDraft(segment.name, segment.min_arr, segment.coverage, float(profile["new_customer_rate"]),
                                touchpoints, segment.accounts, segment.arr))
    return tuple(out)


def tier_sizes(arr_cents: np.ndarray, thresholds) -> tuple[list[int], list[float]]:
    """Accounts and ARR [currency] of each tier, top first, for descending ``thresholds`` (the last tier from 0).

    >>> tier_sizes(np.array([500_00, 20_000_00, 150_000_00]), [100_000, 10_000])
    ([1, 1, 1], [150000.0, 20000.0, 500.0])
    """
    cents = np.sort(np.asarray(arr_cents, dtype=np.int64))
    bounds = [float(t) for t in thresholds if t > 0]
    return _counts(cents, bounds), [total / 100 for total in _sums(cents, bounds)]


def _edges(cents: np.ndarray, thresholds: list[float]) -> np.ndarray:
    """Positions in ascending ``cents`` where each tier starts, top tier last."""
    return np.searchsorted(cents, np.round(np.array([*thresholds], dtype=float) * 100).astype(np.int64), side="left")


def _counts(cents: np.ndarray, thresholds: list[float]) -> list[int]:
    edges = [len(cents), *_edges(cents, thresholds).tolist(), 0]
    return [edges[i] - edges[i + 1] for i in range(len(thresholds) + 1)]


def _sums(cents: np.ndarray, thresholds: list[float]) -> list[int]:
    cum = np.concatenate([[0], np.cumsum(cents)])
    edges = [len(cents), *_edges(cents, thresholds).tolist(), 0]
    return [int(cum[edges[i]] - cum[edges[i + 1]]) for i in range(len(thresholds) + 1)]


@functools.cache
def library() -> dict:
    """``starter.yaml``: the touchpoints of each kind of tier and the sources they cite."""
    import yaml

    return yaml.safe_load(resources.files("capacity.inputs").joinpath("starter.yaml").read_text(encoding="utf-8"))


def _flow(mapping: Mapping) -> str:
    import yaml

    return yaml.safe_dump(dict(mapping), default_flow_style=True, sort_keys=False, width=10_000).strip()


def _scalar(value) -> str:
    import yaml

    return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip().removesuffix("\n...").strip()


def scenario_yaml(segments, *, book: str | Mapping, book_columns: Mapping[str, str],
                  column_notes: Mapping[str, str], export_name: str, currency: str = "USD",
                  today: datetime.date | None = None, starting_headcount: Mapping[str, int] | None = None,
                  book_sheet: str | None = None, fx_rates: Mapping[str, float] | None = None) -> str:
    """The text of a starting scenario, every line commented so that a CS leader can edit it.

    Parameters
    ----------
    segments : sequence of SegmentDraft
        From :func:`drafts`, as proposed or as a person edited them.
    book : str or mapping
        The scenario's ``book``: a path relative to the scenario file, or a database book's keys.
    book_columns : mapping
        Canonical column name -> the export's header.
    column_notes : mapping
        A comment per canonical column (the tool its header comes from, or a caution).
    export_name : str
        The export's name, for the scenario's name and first line.
    currency : str
        Three-letter code of the book's amounts.
    today : datetime.date, optional
        The day the scenario is written (default today): the fiscal year starts next January.
    starting_headcount : mapping, optional
        CSMs today per segment, for the commented fiscal_year block (0 each by default).
    book_sheet : str, optional
        The workbook's sheet the accounts are on.
    fx_rates : mapping, optional
        Units of ``currency`` per unit of each other currency of the book's currency column.
    """
    today = today or datetime.date.today()
    total = sum(s.arr for s in segments) or 1.0
    lines = [
        f"# A starting scenario for {export_name}, written by `capacity init` on {today.isoformat()}.",
        "# Every number is a starting point: edit it, then run `capacity plan` on this file. Durations are in",
        f"# minutes, frequencies per month or per year, money in {currency} a year.",
        "version: 1",
        f"name: {_scalar(f'CS capacity from {export_name}')}",
        f"currency: {currency}",
        "",
        "csm:                              # one CSM's time and cost",
        "  hours_per_week: 40",
        "  weeks_per_year: 52",
        "  pto_days: 25                    # public holidays, vacation and sick days",
        "  customer_time_share: 0.6667     # the two-thirds rule (ChurnZero 2022): a third goes to company work",
        "  loaded_cost_per_year: 150000    # salary, benefits, taxes and tools: ask finance for yours",
        "",
        f"book: {_scalar(book) if isinstance(book, str) else _flow(book)}"
        + ("   # relative to this file" if isinstance(book, str) else ""),
        "book_columns:                     # which of the export's columns is which",
    ]
    width = max(len(f"  {name}: {_scalar(header)}") for name, header in book_columns.items())
    for name, header in book_columns.items():
        line = f"  {name}: {_scalar(header)}"
        note = column_notes.get(name)
        lines.append(f"{line.ljust(width)}   # {note}" if note else line)
    if book_sheet is not None:
        lines.append(f"book_sheet: {_scalar(book_sheet)}   # the workbook's sheet the accounts are on")
    if fx_rates:
        rates = ", ".join(f"{code}: {float(rate)!r}" for code, rate in fx_rates.items())
        lines.append(f"fx_rates: {{{rates}}}   # {currency} per unit of each: ARR in these currencies is converted")
    lines += [
        "top_down_arr_per_csm: [1000000, 2000000, 8000000]   # the old ratios, shown beside the bottom-up answer",
        "",
        f"# Tiers proposed from the book's ARR: round amounts at the top {_shares()} of accounts; a tier of",
        f"# fewer than {MIN_ACCOUNTS_PER_TIER} accounts joins the one below. Rename them, move the thresholds, change coverage",
        "# (dedicated: a named CSM; pooled: a team shares the accounts; digital: one-to-many programs only).",
        "# Touchpoints: recurring (per customer), one_time (per new customer), inbound (requests per customer),",
        "# program (one-to-many, per tier). Where each comes from, beside it: ChurnZero 2022 is \"Mythbuster monthly:",
        "# Customer Success Manager coverage ratio\" (success plan and business reviews, product announcements,",
        "# kick-offs, inbound work); Gainsight 2014 is \"How to Determine the Best Customer Success Manager Ratio\"",
        "# (smaller contracts served one-to-many: email, community, webinars).",
        "segments:",
    ]
    for segment in segments:
        share = segment.arr / total
        lines += [
            f"  - name: {_scalar(segment.name)}"
            f"{' ' * max(1, 28 - len(segment.name))}# {segment.accounts:,} accounts, {_money(segment.arr, currency)} ARR "
            f"({share:.0%} of the book)",
            f"    min_arr: {segment.min_arr:.0f}",
            f"    coverage: {segment.coverage}",
            f"    new_customer_rate: {segment.new_customer_rate:.2f}      "
            "# new customers a year as a share of the tier: their one-time work",
            "    touchpoints:",
        ]
        rows = [(_flow(tp.to_dict()), tp.source) for tp in segment.touchpoints]
        pad = max((len(text) for text, _ in rows), default=0)
        lines += [f"      - {text.ljust(pad)}   # {source}" if source else f"      - {text}" for text, source in rows]
        if not rows:
            lines[-1] = "    touchpoints: []"
        lines.append("")
    start = datetime.date(today.year + 1, 1, 1)
    heads = {s.name: int((starting_headcount or {}).get(s.name, 0)) for s in segments}
    lines += [
        "# The fiscal year month by month (`capacity fiscal`): remove the leading '# ' of the block to switch it on.",
        "# fiscal_year:",
        f"#   start: {start:%Y-%m}                  # first month of the fiscal year",
        "#   months: 12",
        f"#   starting_headcount: {_flow(heads)}   # CSMs on the team today",
        "#   hiring_lead_time_months: 2       # requisition opened -> CSM starts",
        "#   ramp_months: 3                   # a new CSM gives 1/3, 2/3, then full capacity",
        "#   attrition_per_year: 0.15         # share of CSMs who leave in a year; leavers are backfilled",
        "#   target_utilization: 0.85         # hire so that demand stays within 85% of ramped capacity",
        "#   csms_per_manager: 8",
        "#   manager_loaded_cost_per_year: 210000",
        "",
        "# How sure are we (`capacity fiscal --simulate`, with the fiscal_year block): remove the leading '# '.",
        "# uncertainty:",
        "#   draws: 10000",
        "#   seed: 7                          # the same seed gives the same numbers",
        "#   new_customers_per_month: {cv: 0.25}",
        "#   attrition_per_year: {low: 0.10, high: 0.25}",
        "#   touchpoint_minutes: {cv: 0.15}",
        "#   hiring_lead_time_months: {low: 1, high: 4}",
    ]
    return "\n".join(lines) + "\n"


def _shares() -> str:
    return ", ".join(f"{s:.0%}" for s in TIER_SHARES[:-1]) + f" and {TIER_SHARES[-1]:.0%}"


def _money(amount: float, currency: str) -> str:
    from capacity.formatting import money_short

    return money_short(amount, currency)


def relative_book(export: Path, scenario: Path) -> str:
    """The export's path as the scenario's ``book`` key: relative to the scenario's folder where it can be."""
    try:
        return Path(os.path.relpath(Path(export).resolve(), Path(scenario).resolve().parent)).as_posix()
    except ValueError:  # another drive
        return Path(export).resolve().as_posix()
