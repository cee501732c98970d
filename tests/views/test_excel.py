"""The live Excel model, recalculated by a real spreadsheet engine and compared with ``capacity.model.plan``.

LibreOffice (headless, a private profile per test session) opens each workbook openpyxl
wrote, computes every formula and saves the values; openpyxl reads them back. Every
formula cell is compared with the plan of the same inputs to 1e-9 relative: first as
written, then after input cells are changed in the file and the same changes are made
to the scenario.
"""

from __future__ import annotations

import copy
import math
import os
import random
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook

from capacity import load_scenario, plan
from capacity.formulas import workload
from capacity.inputs.context import load_context
from capacity.model.calendar import book_calendar
from capacity.views.excel import CALENDAR_SHEET, NAMES, SHEETS, ExcelModel, write_model

from tests.conftest import DATA, DEFAULT_SCENARIO, EXAMPLE, ROOT

pytestmark = pytest.mark.slow

POOLED_SCENARIO = DATA / "scenario-healthcare-pool.yaml"
REQUIRED_NAMES = {"TotalHeadcount", "TotalCostPerYear", "CostPctARR", "CustomerTimeShare", "HoursPerWeek", "PTODays",
                  "LoadedCostPerYear"}


def soffice_path() -> str:
    """LibreOffice for the recalculation tests: a skip on a developer's machine without it, a failure in CI."""
    path = shutil.which("soffice")
    if path is None:
        message = "LibreOffice is not installed (apt-get install libreoffice-calc-nogui); .ci/run installs it"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def recalculate(paths: list[Path], profile: Path, out: Path) -> dict[Path, Path]:
    """Open every workbook in LibreOffice, recalculate and save; one start-up for all of them."""
    command = [soffice_path(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--convert-to", "xlsx", "--outdir", str(out), *map(str, paths)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    converted = {path: out / path.name for path in paths}
    missing = [str(p) for p in converted.values() if not p.is_file()]
    assert not missing, f"LibreOffice wrote no {missing}: {done.stdout} {done.stderr}"
    return converted


# -- scenarios as dicts, so that a change to an input cell can be made to the scenario too ---------


def as_dict(source) -> dict:
    """The scenario as a dict without its book: each segment's customers and ARR are the book's counts."""
    scenario = load_scenario(source)
    counted = plan(scenario)
    data = scenario.model_dump(mode="json", exclude_none=True)
    data.pop("book", None)
    # The menus, the uncertainty and the activity log's keys are not the steady-state plan's: edits made to the
    # inputs below could make an option's changes refuse the scenario.
    for key in ("options", "trade_offs", "uncertainty", "activity_columns", "activity_types"):
        data.pop(key, None)
    for seg, sp in zip(data["segments"], counted.segments):
        seg["customers"], seg["arr"] = sp.customers, sp.arr
        # When work happens is not the steady-state plan's either (a kind or unit changed below could refuse it).
        for tp in seg.get("touchpoints", ()):
            for key in ("at", "offset_days", "spread_months"):
                tp.pop(key, None)
    return data


def calendar_values(source) -> dict:
    """What the Calendar sheet's formulas must give: :func:`capacity.model.calendar.book_calendar` of the scenario
    with its book, under the keys of the sheet's cells."""
    context = load_context(source)
    result = plan(context)
    cal = book_calendar(context)
    total = [float(v) for v in cal.total]
    peaks = [max(row) for row in cal.hours]
    return {
        "touchpoint_year": [12 * (tp.hours_per_customer_per_month * seg.customers + tp.program_hours_per_month)
                            for seg in result.segments for tp in seg.touchpoints],
        "touchpoint_hours": [list(row) for row in cal.touchpoint_hours],
        "segments": list(cal.segments),
        "hours": [list(row) for row in cal.hours],
        "hours_per_month": list(cal.hours_per_month),
        "peak_hours_by_segment": peaks,
        "peak_utilization": [peak / capacity if capacity else None for peak, capacity in zip(peaks, cal.capacity_hours)],
        "total": total,
        "average_hours": float(sum(cal.hours_per_month)),
        "peak_month": cal.months[total.index(max(total))],
        "peak_hours": max(total),
    }


def with_internal_activities(data: dict) -> dict:
    data = copy.deepcopy(data)
    data["csm"].pop("customer_time_share", None)
    data["csm"]["internal_activities"] = [
        {"name": "Team meeting", "minutes": 60, "per_month": 4},
        {"name": "Email and Slack", "minutes": 45, "per_month": 20},
        {"name": "Training", "minutes": 480, "per_year": 6},
    ]
    return data


def rule_of_thumb(data: dict) -> dict:
    data = copy.deepcopy(data)
    data["csm"].pop("customer_time_share", None)
    return data


EDGES = {
    "name": "Edges",
    "csm": {"customer_time_share": 0.5, "loaded_cost_per_year": 100000},
    "top_down_arr_per_csm": [1000000],
    "segments": [
        # Programs only: a customer needs no CSM time, so a CSM could carry any number.
        # Names a SUMIF or MATCH would read as patterns or comparisons: matched exactly all the same.
        {"name": "Digital (*)", "min_arr": 0, "coverage": "digital", "customers": 500, "arr": 0,
         "loaded_cost_per_year": 90000,
         "touchpoints": [{"name": "Newsletter", "kind": "program", "minutes": 240, "per_month": 1}]},
        # No customers and no touchpoints: no CSM, no ARR per CSM.
        {"name": "<= Empty?", "min_arr": 1000, "customers": 0, "arr": 0},
        {"name": "=Digital ~", "min_arr": 2000, "customers": 3, "arr": 3000, "new_customer_rate": 0.5,
         "touchpoints": [{"name": "Welcome", "kind": "one_time", "minutes": 30}]},
    ],
}


# Seven customers whose hours make exactly 3 FTE on paper and 3.0000000000000004 in floating point:
# the headcount tolerance keeps it at 3 CSMs in the workbook as in the plan.
FLOAT_NOISE = {
    "name": "Float noise",
    "csm": {"customer_time_share": 0.3, "loaded_cost_per_year": 100000},
    "segments": [{"name": "Only", "min_arr": 0, "customers": 7, "arr": 700000, "touchpoints": [
        {"name": "Review", "kind": "recurring", "minutes": 929.6703296703295, "per_month": 1.3}]}],
}


def path_get(data, key: tuple):
    for part in key:
        data = data[part]
    return data


def path_set(data, key: tuple, value) -> None:
    for part in key[:-1]:
        data = data[part]
    data[key[-1]] = value


def expected_values(data: dict) -> dict:
    """The plan as a dict, with the CSM quantities the plan does not report (internal activities)."""
    scenario = load_scenario(data)
    expected = plan(scenario).to_dict()
    csm = scenario.csm
    expected["csm"]["customer_time_share"] = csm.share
    expected["csm"]["internal_hours_per_month"] = csm.internal_hours_per_month
    expected["csm"]["internal_activities"] = [
        {"name": a.name, "frequency_per_month": a.frequency_per_month,
         "hours_per_month": float(workload.activity_hours_per_month(a.minutes, a.frequency_per_month))}
        for a in csm.internal_activities or ()
    ]
    return expected


def cell_at(workbook, address: str):
    sheet, ref = address.split("!")
    return workbook[sheet][ref.replace("$", "")].value


def mismatches(model: ExcelModel, recalculated: Path, expected: dict) -> list[str]:
    """Every formula cell whose recalculated value is not the expected one (to 1e-9 relative)."""
    values = load_workbook(recalculated, data_only=True)
    wrong = []
    for address, key in model.cells:
        got, want = cell_at(values, address), path_get(expected, key)
        if want is None:
            ok = got == "unbounded" if key[-1] == "customers_per_csm" else got in (None, "")
        elif isinstance(want, str):
            ok = got == want
        elif isinstance(want, int):
            ok = isinstance(got, (int, float)) and got == want
        elif not math.isfinite(want):
            ok = got == "unbounded"
        else:
            ok = isinstance(got, (int, float)) and math.isclose(got, want, rel_tol=1e-9, abs_tol=0)
        if not ok:
            wrong.append(f"{address} {key}: workbook {got!r}, plan {want!r}")
    return wrong


# -- changes to inputs: the same in the file and in the scenario ------------------------------------


def random_changes(model: ExcelModel, data: dict, seed: int) -> list[tuple[str, tuple, object]]:
    """A few input cells of ``model`` with new values that keep the scenario valid: (address, key, value)."""
    rng = random.Random(seed)
    inputs = dict((key, address) for address, key in model.inputs)
    changes = []

    def change(key, value):
        changes.append((inputs[key], key, value))

    for key in rng.sample(sorted(inputs, key=repr), k=min(6, len(inputs))):
        field = key[-1]
        if field == "hours_per_week":
            change(key, rng.uniform(20, 60))
        elif field == "weeks_per_year":
            change(key, rng.uniform(40, 53))
        elif field == "pto_days":
            change(key, rng.uniform(0, 40))
        elif field == "customer_time_share":
            change(key, rng.uniform(0.3, 1.0))
        elif field == "loaded_cost_per_year":
            # A segment's own cost may also be cleared: it then takes the CSM's.
            change(key, None if key[0] == "segments" and rng.random() < 0.3 else rng.uniform(50_000, 300_000))
        elif key[0] == "top_down_arr_per_csm":
            change(key, rng.uniform(500_000, 10_000_000))
        elif field == "customers":
            change(key, rng.randint(0, 3000))
        elif field == "arr":
            change(key, rng.uniform(0, 100_000_000))
        elif field == "new_customer_rate":
            change(key, rng.uniform(0, 1))
        elif field == "minutes":
            # Internal activities stay short enough to leave a CSM some customer time.
            change(key, rng.uniform(0, 60) if key[1] == "internal_activities" else rng.uniform(0, 600))
        elif field in ("per_month", "per_year", "kind"):
            owner = key[:-1]
            item = path_get(data, owner)
            kind = item.get("kind")
            if field == "kind":
                new = rng.choice(["recurring", "inbound", "program", "one_time"])
                change(key, new)
                if new == "one_time":
                    change((*owner, "per_month"), None)
                    change((*owner, "per_year"), None)
                elif kind == "one_time":
                    change((*owner, "per_month"), rng.uniform(0, 10))
                continue
            if kind == "one_time":
                continue  # takes no frequency
            # Exactly one of per_month and per_year: switch units half the time.
            other = "per_year" if field == "per_month" else "per_month"
            change(key, rng.uniform(0, 24) if field == "per_year" else rng.uniform(0, 8))
            change((*owner, other), None)
    # A key changed twice keeps its last value, in the file as in the scenario.
    last = {}
    for address, key, value in changes:
        last[key] = (address, key, value)
    return list(last.values())


def apply_to_file(path: Path, changes) -> None:
    workbook = load_workbook(path)
    for address, _, value in changes:
        sheet, ref = address.split("!")
        workbook[sheet][ref.replace("$", "")].value = value
    workbook.save(path)


def apply_to_scenario(data: dict, changes) -> dict:
    data = copy.deepcopy(data)
    for _, key, value in changes:
        path_set(data, key, value)
    return data


# -- every case, written and recalculated in one LibreOffice run --------------------------------------


@dataclass
class Case:
    model: ExcelModel
    expected: dict
    recalculated: Path | None = None


def full(data: dict) -> dict:
    """``data`` with every default written out, so that any input's key path exists."""
    return load_scenario(data).model_dump(mode="json", exclude_none=True)


BASES = {
    "default": lambda: as_dict(DEFAULT_SCENARIO),
    "example": lambda: full(EXAMPLE),
    "internal": lambda: full(with_internal_activities(EXAMPLE)),
    "default-internal": lambda: full(with_internal_activities(as_dict(DEFAULT_SCENARIO))),
    "rule-of-thumb": lambda: full(rule_of_thumb(EXAMPLE)),
    "edges": lambda: full(EDGES),
    "float-noise": lambda: full(FLOAT_NOISE),
}
CHANGED = [("default", seed) for seed in range(20)] + [("example", seed) for seed in range(4)] + \
          [("internal", seed) for seed in range(4)] + [("edges", seed) for seed in range(2)]


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> dict[str, Case]:
    folder = tmp_path_factory.mktemp("models")
    found: dict[str, Case] = {}
    # The default scenario as a user runs it: the book read from the scenario's folder.
    found["default-book"] = Case(write_model(DEFAULT_SCENARIO, path=folder / "default-book.xlsx"),
                                 {**expected_values(as_dict(DEFAULT_SCENARIO)), "calendar": calendar_values(DEFAULT_SCENARIO)})
    # The calendar follows the inputs: longer renewal preparation, more business reviews, another time split.
    model = write_model(DEFAULT_SCENARIO, path=folder / "calendar-changed.xlsx")
    data = load_scenario(DEFAULT_SCENARIO).model_dump(mode="json", exclude_none=True)
    data["book"] = str(DEFAULT_SCENARIO.parent / data["book"])
    inputs = {key: address for address, key in model.inputs}
    changes = [(inputs[key], key, value) for key, value in (
        (("segments", 0, "touchpoints", 5, "minutes"), 300.0), (("segments", 0, "touchpoints", 1, "per_year"), 6.0),
        (("csm", "customer_time_share"), 0.7))]
    apply_to_file(model.path, changes)
    changed = apply_to_scenario(data, changes)
    found["calendar-changed"] = Case(model, {**expected_values(as_dict(changed)), "calendar": calendar_values(changed)})
    for name, base in BASES.items():
        data = base()
        found[name] = Case(write_model(data, path=folder / f"{name}.xlsx"), expected_values(data))
    for name, seed in CHANGED:
        data = BASES[name]()
        label = f"{name}-changed-{seed}"
        model = write_model(data, path=folder / f"{label}.xlsx")
        changes = random_changes(model, data, seed)
        assert changes
        apply_to_file(model.path, changes)
        found[label] = Case(model, expected_values(apply_to_scenario(data, changes)))
    # Vertical pools: the formulas give the one-team plan, and say so.
    pooled = write_model(POOLED_SCENARIO, path=folder / "pooled.xlsx")
    one_team = as_dict(POOLED_SCENARIO)
    for seg in one_team["segments"]:
        seg.pop("pool_by", None)
        seg.pop("pool_verticals", None)
    with_book = load_scenario(POOLED_SCENARIO).model_dump(mode="json", exclude_none=True)
    with_book["book"] = str(Path(POOLED_SCENARIO).parent / with_book["book"])
    for seg in with_book["segments"]:
        seg.pop("pool_by", None)
        seg.pop("pool_verticals", None)
    found["pooled"] = Case(pooled, {**expected_values(one_team), "calendar": calendar_values(with_book)})
    converted = recalculate([case.model.path for case in found.values()], tmp_path_factory.mktemp("lo-profile"),
                            tmp_path_factory.mktemp("recalculated"))
    for case in found.values():
        case.recalculated = converted[case.model.path]
    return found


@pytest.mark.parametrize("name", ["default-book", "calendar-changed", *BASES, "pooled"])
def test_every_formula_recalculates_to_the_plan(cases, name):
    case = cases[name]
    assert mismatches(case.model, case.recalculated, case.expected) == []


@pytest.mark.parametrize("name, seed", CHANGED)
def test_changed_inputs_recalculate_to_the_plan_of_the_same_changes(cases, name, seed):
    case = cases[f"{name}-changed-{seed}"]
    assert mismatches(case.model, case.recalculated, case.expected) == []
    # The change moved something the plan shows (not only cells nobody reads).
    assert case.expected != cases[name].expected


def test_float_noise_does_not_hire_a_csm(cases):
    result = plan(FLOAT_NOISE)
    assert result.segments[0].fte > 3 and result.segments[0].headcount == 3
    case = cases["float-noise"]
    values = load_workbook(case.recalculated, data_only=True)
    assert cell_at(values, case.model.names["TotalHeadcount"]) == 3


def test_the_default_model_is_the_default_plan(cases):
    """The headline of the README, read through the defined names of the recalculated file."""
    values = load_workbook(cases["default-book"].recalculated, data_only=True)
    names = {name: values.defined_names[name].attr_text for name in values.defined_names}
    expected = plan(load_scenario(DEFAULT_SCENARIO))
    assert cell_at(values, names["TotalHeadcount"]) == expected.totals.headcount == 19
    assert cell_at(values, names["TotalCostPerYear"]) == pytest.approx(expected.totals.cost_per_year, rel=1e-9)
    assert cell_at(values, names["CostPctARR"]) == pytest.approx(expected.totals.cost_pct_arr, rel=1e-9)
    assert cell_at(values, names["CustomerTimeShare"]) == 0.6667
    assert cell_at(values, names["HoursPerWeek"]) == 40
    assert cell_at(values, names["PTODays"]) == 25
    assert cell_at(values, names["LoadedCostPerYear"]) == 150000


def test_every_computed_cell_is_checked_and_covers_the_plan(cases):
    """Each formula in the workbook is in ``model.cells`` and every quantity of the plan has a cell."""
    for name in ("default-book", "internal", "edges"):
        model = cases[name].model
        workbook = load_workbook(model.path)
        formulas = {f"{sheet.title}!${cell.column_letter}${cell.row}"
                    for sheet in workbook for row in sheet.iter_rows() for cell in row
                    if cell.data_type == "f"}
        assert formulas == {address for address, _ in model.cells}, name
        keys = {key for _, key in model.cells}
        result = cases[name].expected
        wanted = {("csm", "working_hours_per_month"), ("csm", "customer_hours_per_month")}
        wanted |= {("totals", k) for k in ("customers", "arr", "fte", "headcount", "cost_per_year", "cost_pct_arr")}
        for i, seg in enumerate(result["segments"]):
            wanted |= {("segments", i, k) for k in ("customers", "arr", "hours_per_customer_per_month",
                                                     "program_hours_per_month", "customers_per_csm", "fte",
                                                     "headcount", "loaded_cost_per_year", "cost_per_year",
                                                     "arr_per_csm")}
            for j, _ in enumerate(seg["touchpoints"]):
                wanted |= {("segments", i, "touchpoints", j, k) for k in ("frequency_per_month",
                                                                          "hours_per_customer_per_month",
                                                                          "program_hours_per_month")}
        for k, _ in enumerate(result["top_down"]):
            wanted |= {("top_down", k, q) for q in ("arr_per_csm", "headcount", "cost_per_year")}
        assert wanted <= keys, sorted(wanted - keys, key=repr)


def test_inputs_hold_the_scenario_styled_as_inputs_with_units(cases):
    for name in ("default-book", "internal"):
        model = cases[name].model
        data = as_dict(DEFAULT_SCENARIO) if name == "default-book" else BASES["internal"]()
        workbook = load_workbook(model.path)
        for address, key in model.inputs:
            sheet, ref = address.split("!")
            cell = workbook[sheet][ref.replace("$", "")]
            assert sheet == "Inputs"
            want = path_get(data, key) if _has(data, key) else None
            assert cell.value == want, (address, key)
            assert cell.font.color.rgb.endswith("0000FF") and cell.fill.fgColor.rgb.endswith("FFF2CC"), address
        inputs = workbook["Inputs"]
        headers = [[c.value for c in row] for row in inputs.iter_rows()]
        assert any(row[:3] == ["Driver", "Value", "Unit"] for row in headers)
        units = {row[1]: row[2] for row in headers if row[0] in ("Hours per week", "PTO days")}
        assert units == {40: "h/week", 25: "days/year"}
    assert workload._CEIL_TOLERANCE == cell_at(load_workbook(cases["example"].model.path),
                                               cases["example"].model.names["HeadcountTolerance"])


def _has(data, key) -> bool:
    try:
        path_get(data, key)
    except (KeyError, IndexError):
        return False
    return True


# Numbers a formula may hold: CEILING's significance, MAX's floor, MATCH's exact-match type, IF's zero branch.
_ALLOWED_LITERALS = {"0", "1"}


def test_no_hard_coded_numbers_in_formulas(cases):
    for name in ("default-book", "internal", "edges"):
        workbook = load_workbook(cases[name].model.path)
        for sheet in workbook:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type != "f":
                        continue
                    text = re.sub(r'"[^"]*"', "", cell.value)  # strings ("program", "unbounded")
                    text = re.sub(r"(\w+!)?\$?[A-Z]{1,3}\$?\d+", "", text)  # cell references
                    literals = set(re.findall(r"(?<![A-Za-z_])\d+(?:\.\d+)?(?:E[-+]?\d+)?", text))
                    assert literals <= _ALLOWED_LITERALS, f"{sheet.title}!{cell.coordinate}: {cell.value}"
    example = cases["example"].model
    address = next(a for a, key in example.cells if key == ("segments", 0, "headcount"))
    formula = cell_at(load_workbook(example.path), address)
    assert formula.startswith("=CEILING(MAX(") and "HeadcountTolerance" in formula


def test_defined_names_are_workbook_level_and_survive_recalculation(cases):
    case = cases["default-book"]
    assert REQUIRED_NAMES <= set(case.model.names) and set(NAMES) <= set(case.model.names)
    for path in (case.model.path, case.recalculated):
        workbook = load_workbook(path)
        assert workbook.sheetnames == list(SHEETS)
        found = {name: workbook.defined_names[name].attr_text for name in workbook.defined_names}
        assert REQUIRED_NAMES <= set(found)
        for name in REQUIRED_NAMES:
            assert found[name].replace("'", "") == case.model.names[name], name
        assert all(not sheet.defined_names for sheet in workbook)  # none scoped to a sheet
    # With internal activities the share is what they leave: a formula, still under the same name.
    internal = cases["internal"]
    assert internal.model.names["CustomerTimeShare"].startswith("Calculation!")
    values = load_workbook(internal.recalculated, data_only=True)
    assert cell_at(values, internal.model.names["CustomerTimeShare"]) == pytest.approx(
        load_scenario(with_internal_activities(EXAMPLE)).csm.share, rel=1e-9)


def test_the_worked_example_by_hand(cases):
    """README's method on the worked example, figure by figure, against the recalculated cells."""
    case = cases["example"]
    values = load_workbook(case.recalculated, data_only=True)
    at = {key: cell_at(values, address) for address, key in case.model.cells}
    working = (40 * 52 - 25 * 40 / 5) / 12                      # 156.67 h/month
    customer = working * 0.6667                                  # 104.45 h/month
    per_customer = 1 + 2 * 4 / 12 + 3 * 0.25 / 12 + 0.25 * 4     # 2.7292 h/customer/month
    program = 1.5                                                # the webinar, h/month
    assert at[("csm", "working_hours_per_month")] == pytest.approx(working, rel=1e-12)
    assert at[("csm", "customer_hours_per_month")] == pytest.approx(customer, rel=1e-12)
    assert at[("segments", 0, "hours_per_customer_per_month")] == pytest.approx(per_customer, rel=1e-12)
    assert at[("segments", 0, "program_hours_per_month")] == pytest.approx(program, rel=1e-12)
    assert at[("segments", 0, "customers_per_csm")] == pytest.approx(customer / per_customer, rel=1e-12)
    assert at[("segments", 0, "fte")] == pytest.approx((40 * per_customer + program) / customer, rel=1e-12)
    assert at[("segments", 0, "headcount")] == 2
    assert at[("totals", "cost_per_year")] == 300000
    assert at[("totals", "cost_pct_arr")] == pytest.approx(300000 / 8000000, rel=1e-12)
    assert [at[("top_down", k, "headcount")] for k in range(3)] == [8, 4, 1]


def test_vertical_pools_are_said_to_be_not_modelled(cases):
    case = cases["pooled"]
    pooled = plan(load_scenario(POOLED_SCENARIO))
    assert len(case.model.limitations) == 1
    note = case.model.limitations[0]
    assert "pool_by: vertical" in note and "Mid-Market as one team (8 CSMs; 9 in the plan's vertical pools)" in note
    assert f"where the plan needs {pooled.totals.headcount}" in note
    values = load_workbook(case.recalculated, data_only=True)
    shown = [c.value for c in values["Summary"]["A"] if isinstance(c.value, str) and c.value.startswith("Note:")]
    assert shown == [f"Note: {note[0].upper()}{note[1:]}."]
    cell = next(c for c in load_workbook(case.model.path)["Summary"]["A"] if c.value == shown[0])
    assert cell.font.bold and cell.font.color.rgb.endswith("C00000")
    # The formulas are the one-team plan (compared in full above), one CSM short of the pooled plan.
    assert cell_at(values, case.model.names["TotalHeadcount"]) == pooled.totals.headcount - 1
    # Scenarios the formulas express carry no note.
    assert cases["default-book"].model.limitations == ()
    assert not [c.value for c in load_workbook(cases["default-book"].model.path)["Summary"]["A"]
                if isinstance(c.value, str) and c.value.startswith("Note:")]


# -- the command line ----------------------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "capacity", *args], capture_output=True, text=True, cwd=ROOT)


def test_cli_writes_the_model_and_warns_in_one_line_when_it_is_not_the_plan(tmp_path):
    out = tmp_path / "model.xlsx"
    done = run("excel", str(DEFAULT_SCENARIO), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{out}\n" and done.stderr == ""
    assert load_workbook(out).sheetnames == list(SHEETS)
    pooled = tmp_path / "pooled.xlsx"
    done = run("excel", str(POOLED_SCENARIO), "--out", str(pooled))
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"warning: {pooled}: vertical pools (pool_by: vertical) are not "
                                                   "modelled"), done.stderr
    assert lines[0].endswith("(see the note on its Summary sheet)")


def test_cli_book_option_counts_that_book(tmp_path):
    book = tmp_path / "two.csv"
    book.write_text("account_id,arr\nA1,150000\nA2,30000\n")
    out = tmp_path / "model.xlsx"
    done = run("excel", str(DEFAULT_SCENARIO), "--book", str(book), "--out", str(out))
    assert done.returncode == 0, done.stderr
    model = load_workbook(out)
    result = plan(load_scenario(DEFAULT_SCENARIO), book)
    names = {s.name for s in result.segments}
    counts = [row[3] for row in model["Inputs"].iter_rows(values_only=True)
              if row[0] in names and row[1] in ("dedicated", "pooled", "digital")]
    assert counts == [s.customers for s in result.segments] == [1, 1, 0, 0]


def test_cli_bad_input_leaves_the_previous_model(tmp_path):
    out = tmp_path / "model.xlsx"
    assert run("excel", str(DEFAULT_SCENARIO), "--out", str(out)).returncode == 0
    before = out.read_bytes()
    bad = tmp_path / "scenario.yaml"
    bad.write_text(DEFAULT_SCENARIO.read_text().replace("pto_days: 25", "pto_days: lots", 1))
    done = run("excel", str(bad), "--out", str(out))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [f"error: {bad}: csm.pto_days: must be a number (got 'lots')"] or \
        (len(done.stderr.splitlines()) == 1 and done.stderr.startswith(f"error: {bad}: csm.pto_days"))
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.xlsx", "scenario.yaml"]  # no temporary left
    done = run("excel", str(DEFAULT_SCENARIO), "--out", str(tmp_path / "model.csv"))
    assert done.returncode == 2
    assert done.stderr == f"error: {tmp_path / 'model.csv'}: --out: the model is an Excel workbook; give a file name " \
                          "ending in .xlsx\n"
    done = run("excel", str(DEFAULT_SCENARIO))
    assert done.returncode == 2 and "--out" in done.stderr and len(done.stderr.splitlines()) == 1


def test_importing_the_model_does_not_load_openpyxl():
    code = "import sys, capacity, capacity.views.excel; print('openpyxl' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.strip() == "False", done.stderr


def test_segment_names_equal_ignoring_case_are_said_to_be_not_modelled(tmp_path):
    data = copy.deepcopy(EDGES)
    data["segments"][1]["name"] = "DIGITAL (*)"
    model = write_model(data, path=tmp_path / "model.xlsx")
    assert model.limitations == ("segments 'Digital (*)' and 'DIGITAL (*)' differ only in case, and spreadsheets "
                                 "compare text ignoring case, so their touchpoints are added together; rename one",)
    assert write_model(EDGES, path=tmp_path / "fine.xlsx").limitations == ()


def test_an_adopted_automation_is_said_to_be_not_modelled(tmp_path):
    scenario = load_scenario(DEFAULT_SCENARIO).with_changes(
        {"segments[SMB].touchpoints[Inbound questions].automation.adopted": True})
    model = write_model(scenario, path=tmp_path / "model.xlsx")
    assert model.limitations == ("adopted automations (Help-centre deflection) are not modelled: the formulas size "
                                 "their touchpoints in full and leave out the $20,145 a year of tooling; take them "
                                 "from python -m capacity plan",)
def test_the_calendar_sheet_only_with_dated_work_and_its_busiest_month(cases):
    assert CALENDAR_SHEET in load_workbook(cases["default-book"].model.path).sheetnames
    assert CALENDAR_SHEET not in load_workbook(cases["example"].model.path).sheetnames
    values = load_workbook(cases["calendar-changed"].recalculated, data_only=True)
    at = {key: cell_at(values, address) for address, key in cases["calendar-changed"].model.cells}
    expected = cases["calendar-changed"].expected["calendar"]
    assert at[("calendar", "peak_month")] == expected["peak_month"]
    # six business reviews a year instead of four: Enterprise's quarter-end months carry half as much again
    enterprise = cases["default-book"].expected["calendar"]["touchpoint_hours"][1]
    assert expected["touchpoint_hours"][1] == pytest.approx([1.5 * h for h in enterprise])
