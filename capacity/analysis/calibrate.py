"""Designed versus actual: calibrate touchpoint frequencies and minutes from logged CSM activity.

Every touchpoint's frequency and minutes in a scenario is an estimate. An activity log
(CRM tasks, a CS platform's timeline, a calendar export: one row per activity with
``account_id``, ``touchpoint``, ``date``, ``minutes`` and optionally ``csm``) says what
really happens. :func:`calibrate` puts the two side by side per segment and touchpoint
over a window of months; :func:`write_calibrated` writes the scenario with the observed
values in place of the planned ones, so the plan on it is the plan "as practised".

The observed values, per segment and touchpoint, over a window of :math:`M` months
(fractional for partial months) of a segment with :math:`N` customers (from the book):

===============================  ======================================================
recurring, inbound               count / (N M)   [1/customer/month]
one-to-many program              count / M       [1/segment/month]
one-time (kick-off, onboarding)  count / (N r M / 12)   [1/new customer], r the
                                 segment's new_customer_rate
minutes                          median of the logged minutes, with the interquartile range
===============================  ======================================================

A log's activity types match the touchpoint names of the account's segment ignoring
case and spaces, or through the scenario's ``activity_types`` mapping
(``{QBR: Business review}``); its headers are found loosely ("Account ID") or through
``activity_columns`` (``{minutes: Duration (min)}``). Bad rows are refused with one line
naming the file, the row and the column (:mod:`capacity.inputs.activities` reads the log).
"""

from __future__ import annotations

import calendar
import datetime
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from capacity.exceptions import OutputError, ScenarioError
from capacity.inputs.activities import ActivityLog, load_activities, name_key

__all__ = [
    "Window",
    "TouchpointCalibration",
    "SegmentCalibration",
    "Unmatched",
    "Calibration",
    "window_of",
    "calibrate",
    "calibrated_values",
    "practised_scenario",
    "calibrated_yaml",
    "write_calibrated",
]

# -- the window ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The days the calibration counts, both ends included, and how many months they are.

    ``months`` adds up each calendar month's share of days covered, so whole months count
    1 each whatever their length.
    """

    start: datetime.date
    end: datetime.date
    months: float

    def to_dict(self) -> dict:
        return {"from": self.start.isoformat(), "until": self.end.isoformat(), "months": self.months}


def _month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _months_between(start: datetime.date, end: datetime.date) -> float:
    months, day = 0.0, start
    while day <= end:
        last = min(_month_end(day), end)
        months += ((last - day).days + 1) / calendar.monthrange(day.year, day.month)[1]
        day = last + datetime.timedelta(days=1)
    return months


def _parse_bound(text: str | datetime.date | None, where: str, last: bool) -> datetime.date | None:
    if text is None or isinstance(text, datetime.date):
        return text
    text = str(text).strip()
    month = re.fullmatch(r"(\d{4})-(\d{2})", text)
    try:
        if month:
            first = datetime.date(int(month.group(1)), int(month.group(2)), 1)
            return _month_end(first) if last else first
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ScenarioError(f"{text!r} is not a date; give YYYY-MM-DD or a whole month YYYY-MM", where=where) from None


def window_of(log: ActivityLog, start=None, end=None) -> Window:
    """The window: ``start`` to ``end`` (dates or ``"YYYY-MM"`` months), by default the log's first to
    last month, whole months."""
    first = _parse_bound(start, "--from", last=False)
    last = _parse_bound(end, "--until", last=True)
    if first is None:
        first = log.date.min().astype(datetime.date).replace(day=1)
    if last is None:
        last = _month_end(log.date.max().astype(datetime.date))
    if last < first:
        raise ScenarioError(f"the window ends ({last.isoformat()}) before it starts ({first.isoformat()})",
                            where="--until")
    return Window(first, last, _months_between(first, last))


# -- the calibration ----------------------------------------------------------------------


@dataclass(frozen=True)
class TouchpointCalibration:
    """One touchpoint of a segment, planned against observed.

    ``frequency_unit`` says what ``planned_per_month`` and ``observed_per_month`` count:
    ``"per customer a month"`` (recurring, inbound), ``"per segment a month"`` (programs) or
    ``"per new customer"`` (one-time). Observed values are None when nothing was logged or
    there is nothing to divide by.
    """

    name: str
    kind: str
    frequency_unit: str
    planned_per_month: float
    observed_per_month: float | None
    planned_minutes: float
    observed_minutes: float | None  # median
    observed_minutes_q1: float | None
    observed_minutes_q3: float | None
    count: int
    logged_hours_per_month: float


@dataclass(frozen=True)
class SegmentCalibration:
    """A segment's touchpoints and hours, planned against logged."""

    name: str
    coverage: str
    customers: int
    touchpoints: tuple[TouchpointCalibration, ...]
    not_logged: tuple[str, ...]
    planned_hours_per_month: float
    logged_hours_per_month: float
    csms: int | None  # CSMs who logged work on the segment's accounts; None without a csm column
    logged_customer_hours_per_csm_per_month: float | None
    planned_customer_hours_per_csm_per_month: float


@dataclass(frozen=True)
class Unmatched:
    """What the calibration could not place: activities of no touchpoint, accounts not in the book."""

    activities: int
    by_type: dict[str, int]
    accounts_not_in_book: int
    activities_of_accounts_not_in_book: int
    activities_outside_window: int


@dataclass(frozen=True)
class Calibration:
    """Designed versus actual over a window. ``to_dict()`` is the CLI's ``--json`` shape."""

    scenario: str
    log: str | None
    window: Window
    activities: int  # rows of the log in the window, matched or not
    segments: tuple[SegmentCalibration, ...]
    unmatched: Unmatched
    csms: int | None = None
    logged_customer_hours_per_csm_per_month: float | None = None
    planned_customer_hours_per_csm_per_month: float = 0.0

    def segment(self, name: str) -> SegmentCalibration:
        for seg in self.segments:
            if seg.name == name:
                return seg
        raise KeyError(name)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["window"] = self.window.to_dict()
        return data

    def to_json(self, indent: int | None = 2) -> str:
        import json

        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def to_frame(self):
        """One row per segment and touchpoint."""
        import pandas as pd

        rows = [{"segment": seg.name, **asdict(tp)} for seg in self.segments for tp in seg.touchpoints]
        return pd.DataFrame(rows)


_UNIT = {"recurring": "per customer a month", "inbound": "per customer a month", "program": "per segment a month",
         "one_time": "per new customer"}


def calibrate(scenario, log: ActivityLog | str | Path, book=None, *, start=None, end=None) -> Calibration:
    """Planned against observed frequency and minutes of every touchpoint, per segment.

    Parameters
    ----------
    scenario : Scenario, dict or path
        See :func:`capacity.load_scenario`; its ``activity_columns`` and ``activity_types`` are used.
    log : ActivityLog or path
        The activity log (:func:`~capacity.inputs.activities.load_activities`).
    book : Book or path, optional
        The accounts; default the scenario's ``book``. Each account's segment comes from
        :func:`capacity.model.segments.assign_segments`.
    start, end : date or str, optional
        The window, ``YYYY-MM-DD`` or ``YYYY-MM`` (whole month); default the log's first to last month.

    Returns
    -------
    Calibration

    Raises
    ------
    ScenarioError
        Without a book of accounts, or with no activity in the window.
    ActivityLogError, BookError
        On a bad log or book.
    """
    import pandas as pd

    from capacity.inputs.book import Book, load_book
    from capacity.model.plan import plan
    from capacity.inputs.scenario import load_scenario
    from capacity.model.segments import assign_segments

    scenario = load_scenario(scenario)
    if not isinstance(log, ActivityLog):
        log = load_activities(log, scenario.activity_columns)
    if book is None:
        if scenario.book is None:
            raise ScenarioError("calibrating needs a book of accounts to place each activity's account in its "
                                "segment; give book: in the scenario or --book", file=scenario.source, where="book")
        if not scenario.book.exists():
            raise ScenarioError(f"book file not found: {scenario.book} (a relative path is read from the scenario's "
                                "folder)", file=scenario.source, where="book")
        book = scenario.book
    if not isinstance(book, Book):
        book = load_book(book)
    planned = plan(scenario, book)
    window = window_of(log, start, end)

    days = log.date
    inside = (days >= np.datetime64(window.start)) & (days <= np.datetime64(window.end))
    if not inside.any():
        raise ScenarioError(f"no activity of the log falls in {window.start.isoformat()} to {window.end.isoformat()}"
                            f" (the log runs {days.min()} to {days.max()})", file=log.source, where="--from/--until")

    ids = pd.Series(book.table.column("account_id").to_numpy(zero_copy_only=False), dtype=object)
    segment_of = pd.Series(assign_segments(scenario, book), index=ids.to_numpy())
    frame = pd.DataFrame({
        "account_id": log.account_id[inside], "type": log.touchpoint[inside], "minutes": log.minutes[inside],
        "csm": log.csm[inside] if log.csm is not None else None,
    })
    frame["segment"] = frame["account_id"].map(segment_of)
    orphans = frame["segment"].isna()

    # Each segment's touchpoints by matching key; activity_types first, then the type's own name.
    aliases = {name_key(k): name_key(v) for k, v in (scenario.activity_types or {}).items()}
    index = {(seg.name, name_key(tp.name)): j for seg in scenario.segments for j, tp in enumerate(seg.touchpoints)}
    keys = frame["type"].map(lambda t: aliases.get(name_key(t), name_key(t)))
    frame["touchpoint"] = [index.get((s, k)) if isinstance(s, str) else None for s, k in zip(frame["segment"], keys)]
    unplaced = ~orphans & frame["touchpoint"].isna()
    by_type: dict[str, int] = {}
    spelling: dict[str, str] = {}
    for kind in frame.loc[unplaced, "type"]:
        shown = spelling.setdefault(name_key(kind), kind)
        by_type[shown] = by_type.get(shown, 0) + 1
    matched = frame[~orphans & ~unplaced]

    segments = []
    all_hours = 0.0
    all_csms: set = set()
    for seg, seg_plan in zip(scenario.segments, planned.segments):
        rows = matched[matched["segment"] == seg.name]
        customers = seg_plan.customers
        touchpoints, not_logged = [], []
        for j, tp in enumerate(seg.touchpoints):
            logged = rows.loc[rows["touchpoint"] == j, "minutes"].to_numpy(dtype=float)
            count = len(logged)
            if tp.kind == "one_time":
                planned_frequency = 1.0
                newcomers = customers * seg.new_customer_rate * window.months / 12
                observed = count / newcomers if newcomers > 0 else None
            elif tp.kind == "program":
                planned_frequency = tp.frequency_per_month
                observed = count / window.months
            else:
                planned_frequency = tp.frequency_per_month
                observed = count / (customers * window.months) if customers > 0 else None
            if count:
                q1, median, q3 = (float(v) for v in np.quantile(logged, [0.25, 0.5, 0.75]))
            else:
                q1 = median = q3 = None
                not_logged.append(tp.name)
            touchpoints.append(TouchpointCalibration(
                name=tp.name, kind=tp.kind, frequency_unit=_UNIT[tp.kind], planned_per_month=planned_frequency,
                observed_per_month=observed, planned_minutes=tp.minutes, observed_minutes=median,
                observed_minutes_q1=q1, observed_minutes_q3=q3, count=count,
                logged_hours_per_month=float(logged.sum()) / 60 / window.months,
            ))
        hours = float(rows["minutes"].sum()) / 60 / window.months
        all_hours += hours
        if log.csm is not None:
            people = {c for c in rows["csm"] if c}
            all_csms |= people
            csms = len(people)
            per_csm = hours / csms if csms else None
        else:
            csms = per_csm = None
        segments.append(SegmentCalibration(
            name=seg.name, coverage=seg.coverage, customers=customers, touchpoints=tuple(touchpoints),
            not_logged=tuple(not_logged),
            planned_hours_per_month=customers * seg_plan.hours_per_customer_per_month + seg_plan.program_hours_per_month,
            logged_hours_per_month=hours, csms=csms, logged_customer_hours_per_csm_per_month=per_csm,
            planned_customer_hours_per_csm_per_month=planned.csm.customer_hours_per_month,
        ))
    unmatched = Unmatched(
        activities=int(unplaced.sum()),
        by_type=dict(sorted(by_type.items(), key=lambda item: (-item[1], item[0]))),
        accounts_not_in_book=int(frame.loc[orphans, "account_id"].nunique()),
        activities_of_accounts_not_in_book=int(orphans.sum()),
        activities_outside_window=int((~inside).sum()),
    )
    csms = len(all_csms) if log.csm is not None else None
    return Calibration(
        scenario=scenario.name,
        log=None if log.source is None else str(log.source),
        window=window,
        activities=int(inside.sum()),
        segments=tuple(segments),
        unmatched=unmatched,
        csms=csms,
        logged_customer_hours_per_csm_per_month=all_hours / csms if csms else None,
        planned_customer_hours_per_csm_per_month=planned.csm.customer_hours_per_month,
    )


# -- the calibrated scenario --------------------------------------------------------------


def _decimal(value: float, places: int) -> str:
    text = f"{round(value, places):.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def calibrated_values(calibration: Calibration, scenario) -> dict[tuple[int, int], dict[str, float]]:
    """The values :func:`write_calibrated` writes: ``{(segment, touchpoint): {key: value}}``, rounded as written.

    Frequencies keep the key the scenario uses (``per_month`` or ``per_year``); minutes
    become the observed median. One-time touchpoints change only their minutes (they happen
    once per new customer by definition), and touchpoints nobody logged keep their values.
    """
    out: dict[tuple[int, int], dict[str, float]] = {}
    for i, (seg, found) in enumerate(zip(scenario.segments, calibration.segments)):
        for j, (tp, obs) in enumerate(zip(seg.touchpoints, found.touchpoints)):
            if obs.count == 0:
                continue
            values = {"minutes": float(_decimal(obs.observed_minutes, 1))}
            if tp.kind != "one_time" and obs.observed_per_month is not None:
                if tp.per_year is not None:
                    values["per_year"] = float(_decimal(obs.observed_per_month * 12, 3))
                else:
                    values["per_month"] = float(_decimal(obs.observed_per_month, 4))
            out[(i, j)] = values
    return out


def practised_scenario(scenario, calibration: Calibration):
    """The scenario as practised: :func:`~capacity.analysis.calibrate.calibrated_values` in place of the planned
    ones, in memory.

    The same scenario :func:`~capacity.analysis.calibrate.write_calibrated` writes, for a plan "as practised" beside
    the plan
    "as designed" without a file.
    """
    from capacity.inputs.scenario import load_scenario

    scenario = load_scenario(scenario)
    data = scenario.model_dump()
    for (i, j), values in calibrated_values(calibration, scenario).items():
        data["segments"][i]["touchpoints"][j].update(values)
    practised = load_scenario(data)
    practised._source = scenario.source
    return practised


def calibrated_yaml(scenario_path: str | Path, calibration: Calibration, out: str | Path,
                    book: str | Path | None = None) -> str:
    """The scenario file's text with the observed values in place of the planned ones.

    Only the numbers change, in place, each followed by a comment saying what it was; every
    other line, comment and key of the file is kept. A relative ``book`` path is rewritten
    to be read from ``out``'s folder (or set to ``book`` when given).
    """
    import yaml

    from capacity.inputs.scenario import load_scenario

    scenario_path = Path(scenario_path)
    scenario = load_scenario(scenario_path)
    text = scenario_path.read_bytes().decode("utf-8-sig")
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    values = calibrated_values(calibration, scenario)
    edits: list[tuple[int, int, str]] = []
    notes: dict[int, list[str]] = {}
    window = f"{calibration.window.start.isoformat()} to {calibration.window.end.isoformat()}"

    def note(node, words: str) -> None:
        notes.setdefault(node.end_mark.line, []).append(words)

    for i, seg_node in enumerate(_sequence(_get(root, "segments"))):
        for j, tp_node in enumerate(_sequence(_get(seg_node, "touchpoints"))):
            obs = calibration.segments[i].touchpoints[j]
            if (i, j) not in values:
                note(_get(tp_node, "name"), f"calibration: nobody logged {obs.name!r} in {window}; kept as designed")
                continue
            changes, kept, last = [], [], _get(tp_node, "name")
            for key, value in values[(i, j)].items():
                node = _get(tp_node, key)
                new = _decimal(value, 4)
                if _same_number(node.value, value):
                    kept.append(key)
                    continue
                edits.append((node.start_mark.index, node.end_mark.index, new))
                changes.append(f"{key} {node.value} -> {new}")
                last = node if node.end_mark.line >= last.end_mark.line else last
            words = f"calibrated from {obs.count:,} logged: " + "; ".join(changes) if changes else \
                f"calibration: {obs.count:,} logged, as designed"
            if kept and changes:
                words += f"; {' and '.join(kept)} as designed"
            words += (f" (median {_decimal(obs.observed_minutes, 1)} min, IQR {_decimal(obs.observed_minutes_q1, 1)}"
                      f"-{_decimal(obs.observed_minutes_q3, 1)})")
            if obs.kind == "one_time" and obs.observed_per_month is not None:
                words += f"; {_decimal(obs.observed_per_month, 2)} per new customer logged, the plan counts one"
            note(last, words)

    out = Path(out)
    book_node = _get(root, "book")
    target = None
    if book is not None:
        target = Path(book).resolve()
    elif book_node is not None and isinstance(book_node.value, str) and book_node.value.strip():
        original = Path(book_node.value)
        if not original.is_absolute():
            target = (scenario_path.parent / original).resolve()
    if target is not None:
        try:
            shown = Path(os.path.relpath(target, out.resolve().parent)).as_posix()
        except ValueError:  # another drive on Windows
            shown = target.as_posix()
        quoted = yaml.safe_dump(shown, default_style=None).removesuffix("\n...\n").strip()
        if book_node is not None:
            if shown != book_node.value:
                edits.append((book_node.start_mark.index, book_node.end_mark.index, quoted))
                note(book_node, f"calibration: was {book_node.value}")
        else:
            text = text.rstrip("\n") + f"\nbook: {quoted}   # calibration: the book the log was matched against\n"

    starts = [start for start, _, _ in edits]
    if len(set(starts)) != len(starts):
        # An anchor shared by several touchpoints (&name / *name) would take every one's values at once.
        raise OutputError("the scenario shares touchpoint values between segments through YAML anchors (&name, "
                          "*name); write each segment's touchpoints out to calibrate them", file=scenario_path)
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    lines = text.split("\n")
    for line, words in notes.items():
        lines[line] = lines[line].rstrip() + "   # " + "; ".join(words)
    header = (f"# Calibrated from {Path(calibration.log).name if calibration.log else 'an activity log'}: "
              f"{calibration.activities:,} activities, {window} ({_decimal(calibration.window.months, 2)} months).\n"
              "# Values marked 'calibrated' are as practised; the rest are as designed.\n")
    return header + "\n".join(lines)


def write_calibrated(scenario_path: str | Path, calibration: Calibration, out: str | Path,
                     book: str | Path | None = None) -> Path:
    """Write :func:`calibrated_yaml` to ``out`` atomically, once it loads as a scenario with the new values.

    Raises
    ------
    OutputError
        When ``out`` cannot be written, or is the scenario file itself (the design would be lost).
    """
    from capacity.files import atomic_path
    from capacity.inputs.scenario import load_scenario

    out = Path(out)
    if out.exists() and out.resolve() == Path(scenario_path).resolve():
        raise OutputError("is the scenario being calibrated; write the calibrated scenario to another file so the "
                          "design is kept", file=out)
    text = calibrated_yaml(scenario_path, calibration, out, book)
    with atomic_path(out) as temporary:
        temporary.write_text(text, encoding="utf-8")
        try:
            written = load_scenario(temporary)
        except ScenarioError as exc:
            raise OutputError(f"the calibrated scenario does not load ({exc.message}); nothing was written",
                              file=out) from None
        original = load_scenario(scenario_path)
        for (i, j), values in calibrated_values(calibration, original).items():
            tp = written.segments[i].touchpoints[j]
            if any(getattr(tp, key) != value for key, value in values.items()):
                raise OutputError(f"segments[{i}].touchpoints[{j}] did not take its calibrated values; nothing was "
                                  "written", file=out)
    return out


def _same_number(text: str, value: float) -> bool:
    try:
        return float(text) == value
    except ValueError:
        return False


def _get(node, key: str):
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return value_node
    return None


def _sequence(node) -> list:
    import yaml

    return list(node.value) if isinstance(node, yaml.SequenceNode) else []
