"""Seeded synthetic activity logs: what CSMs "really" did, for calibrating a scenario.

The log is drawn from a scenario's touchpoints as practised: by default as designed,
changed by a ``practice`` mapping where the team works otherwise (reviews held less
often, escalations taking longer, a touchpoint nobody logs). Counts are Poisson with the
practised mean, spread uniformly over the segment's accounts and the window's days;
minutes are lognormal around the practised median. At ``exact=True`` and
``minutes_sigma=0`` there is no randomness in the counts or minutes: each touchpoint gets
``round(mean)`` activities of exactly the practised minutes, so a calibration must
recover the practice exactly.

:data:`DEFAULT_PRACTICE` is how the embedded sample company differs from its design;
``capacity synth-activities`` writes the sample log (:data:`capacity.sample.ACTIVITIES`) from it.
"""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import numpy as np

from capacity.files import write_text

__all__ = ["DEFAULT_PRACTICE", "DEFAULT_UNMATCHED", "DEFAULT_HEADERS", "synthetic_activities",
           "write_synthetic_activities"]

#: How the sample company's CSMs work against the design, by (segment, touchpoint).
#: ``per_month`` / ``per_year``: the practised frequency (per new customer for one-time
#: touchpoints); ``minutes``: the practised median; ``log_as``: the CRM's name for it;
#: ``logged: False``: done, perhaps, but never logged.
DEFAULT_PRACTICE: dict[tuple[str, str], dict] = {
    ("Enterprise", "Executive business review"): {"per_year": 2, "log_as": "EBR"},
    ("Enterprise", "EBR preparation"): {"per_year": 2, "log_as": "EBR prep"},
    ("Enterprise", "Escalations and requests"): {"minutes": 50},
    ("Enterprise", "Success plan review"): {"log_as": "Success Plan Review"},
    ("Mid-Market", "Business review"): {"log_as": "QBR"},
    ("Mid-Market", "Renewal call"): {"logged": False},
    ("Mid-Market", "Questions and escalations"): {"per_month": 3, "minutes": 20},
    ("SMB", "Quarterly health check"): {"per_year": 2, "log_as": "Health check"},
    ("SMB", "Office hours"): {"logged": False},
}
#: Activities logged against accounts that are no touchpoint of any segment: type -> per customer a month.
DEFAULT_UNMATCHED: dict[str, float] = {"Internal account sync": 0.02, "Support ticket review": 0.01}
#: The CRM export's headers for the canonical columns (map them with the scenario's activity_columns).
DEFAULT_HEADERS = {"account_id": "Account ID", "touchpoint": "Activity Type", "date": "Date",
                   "minutes": "Duration (min)", "csm": "Owner"}


def _days(start: str, months: int) -> list[datetime.date]:
    year, month = (int(part) for part in start.split("-"))
    first = datetime.date(year, month, 1)
    end_index = year * 12 + month - 1 + months
    end = datetime.date(end_index // 12, end_index % 12 + 1, 1)
    return [first + datetime.timedelta(days=k) for k in range((end - first).days)]


def synthetic_activities(scenario, book=None, *, start: str = "2026-02", months: int = 12, seed: int = 2027,
                         practice: dict | None = None, unmatched: dict | None = None, orphan_accounts: int = 0,
                         minutes_sigma: float = 0.35, exact: bool = False, headers: dict | None = None):
    """A reproducible activity log of a scenario's book over ``months`` months from ``start``.

    Parameters
    ----------
    scenario : Scenario, dict or path
    book : Book or path, optional
        Default: the scenario's book.
    start : str
        First month of the log, ``YYYY-MM``.
    months : int
        Months the log covers [months].
    seed : int
        The same seed gives the same log.
    practice : dict, optional
        ``{(segment, touchpoint): {"per_month" | "per_year" | "minutes" | "log_as" | "logged": ...}}``;
        default none (as designed). See :data:`DEFAULT_PRACTICE`.
    unmatched : dict, optional
        Activity types that match no touchpoint, per customer a month [1/customer/month].
    orphan_accounts : int
        Accounts not in the book that get a few activities each (churned or mistyped ids).
    minutes_sigma : float
        Shape of the lognormal minutes [-]; 0 logs exactly the practised minutes.
    exact : bool
        Round the expected count of each touchpoint instead of drawing it (no count noise).
    headers : dict, optional
        Header of each canonical column; default the canonical names.

    Returns
    -------
    pandas.DataFrame
        One row per activity, sorted by date, account and type; columns account_id,
        touchpoint, date (YYYY-MM-DD), minutes (whole minutes unless the practice has fractions), csm.
    """
    import pandas as pd

    from capacity.inputs.book import Book, load_book
    from capacity.model.plan import plan
    from capacity.inputs.scenario import load_scenario
    from capacity.model.segments import assign_segments

    scenario = load_scenario(scenario)
    book = scenario.book if book is None else book
    if not isinstance(book, Book):
        book = load_book(book)
    practice = practice or {}
    rng = np.random.default_rng(seed)
    days = np.array(_days(start, months), dtype="datetime64[D]")
    ids = np.asarray(book.table.column("account_id").to_numpy(zero_copy_only=False), dtype=object)
    segment_of = assign_segments(scenario, book)
    planned = plan(scenario, book)
    parts = []

    def draw(mean: float) -> int:
        return int(round(mean)) if exact else int(rng.poisson(mean))

    def minutes_of(median: float, count: int) -> np.ndarray:
        if minutes_sigma == 0 or count == 0:
            return np.full(count, float(median))
        values = np.exp(rng.normal(np.log(max(median, 1e-9)), minutes_sigma, count))
        return np.round(values)

    for seg, seg_plan in zip(scenario.segments, planned.segments):
        members = ids[segment_of == seg.name]
        if len(members) == 0:
            continue
        team = max(seg_plan.headcount, 1)
        initials = "".join(word[0] for word in seg.name.split()).upper()
        owner = {account: f"{initials}-{k % team + 1:02d}" for k, account in enumerate(members)}
        for tp in seg.touchpoints:
            how = practice.get((seg.name, tp.name), {})
            if how.get("logged", True) is False:
                continue
            if "per_month" in how:
                frequency = how["per_month"]
            elif "per_year" in how:
                frequency = how["per_year"] / 12
            else:
                frequency = 1.0 if tp.kind == "one_time" else tp.frequency_per_month
            if tp.kind == "one_time":
                mean = len(members) * seg.new_customer_rate * months / 12 * frequency
            elif tp.kind == "program":
                mean = frequency * months
            else:
                mean = len(members) * frequency * months
            count = draw(mean)
            who = members[rng.integers(0, len(members), count)]
            parts.append(pd.DataFrame({
                "account_id": who, "touchpoint": how.get("log_as", tp.name),
                "date": days[rng.integers(0, len(days), count)],
                "minutes": minutes_of(how.get("minutes", tp.minutes), count),
                "csm": [owner[a] for a in who],
            }))
        for kind, rate in (unmatched or {}).items():
            count = draw(len(members) * rate * months)
            who = members[rng.integers(0, len(members), count)]
            parts.append(pd.DataFrame({"account_id": who, "touchpoint": kind,
                                       "date": days[rng.integers(0, len(days), count)],
                                       "minutes": minutes_of(15, count), "csm": [owner[a] for a in who]}))
    width = max(len(str(a)) for a in ids)
    for k in range(orphan_accounts):
        count = 3
        parts.append(pd.DataFrame({"account_id": f"X{k + 1:0{width - 1}d}", "touchpoint": "Monthly check-in",
                                   "date": days[rng.integers(0, len(days), count)], "minutes": minutes_of(30, count),
                                   "csm": "MM-01"}))
    log = pd.concat(parts, ignore_index=True)
    log = log.sort_values(["date", "account_id", "touchpoint", "minutes"], kind="stable", ignore_index=True)
    log["date"] = pd.to_datetime(log["date"]).dt.strftime("%Y-%m-%d")
    if headers:
        log = log.rename(columns=headers)
    return log


def write_synthetic_activities(path: str | Path, scenario, book=None, **options) -> Path:
    """Write :func:`synthetic_activities` as CSV (``\\n`` line ends, minutes without ``.0``), atomically."""
    log = synthetic_activities(scenario, book, **options)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(list(log.columns))
    for row in log.itertuples(index=False):
        cells = list(row)
        value = cells[3]
        cells[3] = f"{value:.0f}" if float(value).is_integer() else f"{value:g}"
        writer.writerow(cells)
    return write_text(path, buffer.getvalue())
