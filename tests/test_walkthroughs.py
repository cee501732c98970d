"""The walkthrough notebooks: thin, clean, and their stored numbers are the package's.

nbval (configured in pyproject.toml) re-runs every walkthrough and compares each output with
the stored one. These tests add what nbval cannot say:

- thinness: a notebook holds no formula of its own; every number is a call into ``capacity``;
- hygiene: kernelspec metadata, outputs stored, no widget state, no stored errors or stderr;
- agreement: the numbers stored in the cells tagged ``check`` are the ones ``capacity``
  computes from the notebook's own parameters cell, so a stale output fails with a message
  that names the cell and the number, not only a text diff.
"""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import nbformat
import pytest

import capacity
from capacity.formulas import staffing
from capacity.model.plan import touchpoint_loads
from capacity.inputs.scenario import read_yaml

from tests.conftest import ROOT

WALKTHROUGHS = ROOT / "notebooks" / "walkthroughs"
NOTEBOOKS = sorted(WALKTHROUGHS.glob("[0-9][0-9]-*.ipynb"))
HAND_CHECK = "hand-check"
CHECK = "check"


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _code_cells(nb) -> list:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _ids(paths) -> list[str]:
    return [p.name for p in paths]


def test_the_walkthroughs_are_there():
    names = [p.name for p in NOTEBOOKS]
    assert names == [
        "01-bottom-up-one-segment.ipynb",
        "02-segments-and-the-book.ipynb",
        "03-budgeting-the-fiscal-year.ipynb",
        "04-vertical-pools.ipynb",
        "05-designed-versus-actual.ipynb",
        "06-ranges-for-the-budget.ipynb",
        "07-negotiating-the-budget.ipynb",
    ]


# -- thinness -------------------------------------------------------------------------------

_ARITHMETIC_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.MatMult)
#: Builtins that do arithmetic (``round`` is allowed: it only shapes a number for reading).
_ARITHMETIC_BUILTINS = {"sum", "abs", "pow", "divmod", "eval", "exec"}
#: Modules whose functions are arithmetic; a notebook reaches formulas through capacity instead.
_ARITHMETIC_MODULES = {"math", "np", "numpy", "operator", "statistics", "decimal", "fractions", "scipy"}
#: pandas/numpy methods that compute rather than display or select.
_ARITHMETIC_METHODS = {
    "sum", "add", "sub", "subtract", "mul", "multiply", "div", "divide", "truediv", "floordiv", "mod", "pow",
    "radd", "rsub", "rmul", "rdiv", "rtruediv", "rfloordiv", "rmod", "rpow", "cumsum", "cumprod", "prod",
    "product", "diff", "mean", "median", "dot", "pct_change", "eval", "query", "apply", "transform", "agg",
    "aggregate", "pipe",
}


def formula_violations(source: str) -> list[str]:
    """Where a cell computes instead of calling ``capacity``; empty when the cell is thin.

    The rule: a walkthrough code cell may import, assign literals, containers and the results of
    calls, read attributes and items, compare, format f-strings and call functions (``capacity``,
    plotly, pandas for display, ``print``, ``round``). It may not do arithmetic itself: no
    ``+ - * / // % ** @`` operator, no augmented assignment, no unary minus except on a literal
    (``-5``), no ``sum``/``abs``/``pow``/``divmod``/``eval``/``exec``, no call into ``math``,
    ``numpy``, ``operator`` or ``statistics``, and no pandas method that computes (``.sum()``,
    ``.div()``, ``.mean()``, ``.apply()``, ``.eval()``, ``.query()``...). The one exception is a
    cell tagged ``hand-check``, which redoes the prose's arithmetic to check the package.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return [f"line {exc.lineno}: not plain Python ({exc.msg}); magics and shell escapes are not allowed"]
    found = []
    for node in ast.walk(tree):
        where = f"line {getattr(node, 'lineno', '?')}: "
        if isinstance(node, ast.BinOp) and isinstance(node.op, _ARITHMETIC_OPS):
            found.append(where + f"arithmetic '{ast.unparse(node)}'")
        elif isinstance(node, ast.AugAssign):
            found.append(where + f"augmented assignment '{ast.unparse(node)}'")
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            if not isinstance(node.operand, ast.Constant):
                found.append(where + f"sign change '{ast.unparse(node)}'")
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in _ARITHMETIC_BUILTINS:
                found.append(where + f"builtin '{func.id}()'")
            elif isinstance(func, ast.Attribute):
                owner = func.value
                if isinstance(owner, ast.Name) and owner.id in _ARITHMETIC_MODULES:
                    found.append(where + f"'{owner.id}.{func.attr}()' (put the formula in capacity/)")
                elif func.attr in _ARITHMETIC_METHODS:
                    found.append(where + f"method '.{func.attr}()' computes (put the formula in capacity/)")
    return found


@pytest.mark.parametrize(
    "source",
    [
        "x = a * b",
        "x = (40 * 52 - 25 * 8) / 12",
        "total += 1",
        "y = -x",
        "frame['arr'].sum()",
        "frame.div(frame['fte'], axis=0)",
        "np.ceil(fte)",
        "math.ceil(fte)",
        "sum(seg.fte for seg in result.segments)",
        "frame.eval('cost / arr')",
        "print(f'{a / b:.1f}')",
        "%timeit capacity.plan(s)",
    ],
)
def test_thinness_rule_flags_formulas(source):
    assert formula_violations(source), f"{source!r} should count as a formula"


@pytest.mark.parametrize(
    "source",
    [
        "import capacity\nfrom capacity.formulas import workload",
        "CSM = {'hours_per_week': 40, 'pto_days': 25, 'cost': 150_000}",
        "result = capacity.plan(scenario)\nresult.to_frame().round(2)",
        "print(f'{workload.fte(40, 2.73, 1.5, 104.4):.3f} FTE, {money(x)}')",
        "frame[frame['kind'] != 'program'].set_index('name')",
        "offset = -5",
        "px.bar(frame, x='name', y='fte').show()",
        "{**CSM, 'internal_activities': INTERNAL_WORK}",
    ],
)
def test_thinness_rule_allows_calls_and_display(source):
    assert formula_violations(source) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_thin(path):
    """Every code cell but the ``hand-check`` one only calls into capacity (see formula_violations)."""
    problems = []
    for index, cell in enumerate(_code_cells(_read(path))):
        if HAND_CHECK in _tags(cell):
            continue
        problems += [f"code cell {index} ({cell.get('id')}), {v}" for v in formula_violations(cell.source)]
    assert not problems, f"{path.name} computes outside capacity/:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_hand_check_is_one_final_cell_that_asserts(path):
    cells = _code_cells(_read(path))
    hand = [i for i, cell in enumerate(cells) if HAND_CHECK in _tags(cell)]
    if path.name.startswith("01-"):
        assert len(hand) == 1, "walkthrough 1 ends with one hand-check cell"
    assert len(hand) <= 1, f"{path.name}: at most one hand-check cell (cells {hand})"
    for i in hand:
        assert i == len(cells) - 1, f"{path.name}: the hand-check cell is the last code cell"
        asserts = [n for n in ast.walk(ast.parse(cells[i].source)) if isinstance(n, ast.Assert)]
        assert len(asserts) >= 3, f"{path.name}: a hand check asserts the package against the hand arithmetic"


# -- hygiene --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_metadata_and_stored_outputs(path):
    nb = _read(path)
    nbformat.validate(nb)
    kernelspec = nb.metadata.get("kernelspec", {})
    assert kernelspec.get("name") == "python3" and kernelspec.get("language") == "python", (
        f"{path.name}: kernelspec python3 (JupyterLab otherwise asks for a kernel)"
    )
    assert "widgets" not in nb.metadata, f"{path.name}: widget state stored in the metadata"
    assert any("parameters" in _tags(cell) for cell in _code_cells(nb)), f"{path.name}: no cell tagged parameters"
    counts = [cell.execution_count for cell in _code_cells(nb)]
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: not run top to bottom once ({counts})"
    for cell in _code_cells(nb):
        assert "execution" not in cell.metadata, (
            f"{path.name} cell {cell.get('id')}: execution timings stored (re-run with record_timing=False)"
        )
        for output in cell.outputs:
            where = f"{path.name} cell {cell.get('id')}"
            assert output.output_type != "error", f"{where}: stored error"
            assert output.get("name") != "stderr", f"{where}: stored stderr: {output.get('text', '')[:200]}"
            assert "application/vnd.jupyter.widget-view+json" not in output.get("data", {}), f"{where}: widget"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_stays_small(path):
    assert path.stat().st_size < 300_000, f"{path.name} is {path.stat().st_size:,} bytes; keep charts small"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_charts_are_static_images(path):
    """Charts are stored as PNG (readable on GitHub); no plotly JSON or HTML needing JavaScript."""
    for cell in _code_cells(_read(path)):
        for output in cell.outputs:
            data = output.get("data", {})
            assert "application/vnd.plotly.v1+json" not in data, f"{path.name} cell {cell.get('id')}: plotly JSON"
            assert "<script" not in data.get("text/html", ""), f"{path.name} cell {cell.get('id')}: script"
            if "image/png" in data:
                assert len(data["image/png"]) < 120_000, f"{path.name} cell {cell.get('id')}: PNG too large"


# -- stored numbers agree with the package ---------------------------------------------------

_NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.(\d+))?")


def _numbers(text: str) -> list[tuple[float, int]]:
    """Every number written in ``text``, with how many decimals it was written with."""
    return [(float(m.group(0).replace(",", "")), len(m.group(1) or "")) for m in _NUMBER.finditer(text)]


def _shown(expected: float, text: str) -> bool:
    """True when ``expected``, rounded as the text rounds, is written in the text."""
    return any(abs(value - expected) <= 0.5 * 10.0**-decimals + 1e-9 for value, decimals in _numbers(text))


def _stored_text(cell) -> str:
    parts = []
    for output in cell.outputs:
        if output.output_type == "stream":
            parts.append(output.text)
        elif "text/plain" in output.get("data", {}):
            parts.append(output.data["text/plain"])
    return "\n".join(parts)


def _parameters(nb) -> dict:
    """Run the notebook's parameters cell (literals only, see the thinness rule) for its inputs."""
    cell = next(c for c in _code_cells(nb) if "parameters" in _tags(c))
    namespace: dict = {}
    exec(compile(cell.source, "parameters", "exec"), namespace)  # noqa: S102 - the notebook's own literals
    return namespace


def _segment(scenario, name: str):
    return next(seg for seg in scenario.segments if seg.name == name)


def _one_segment(params: dict) -> dict[str, list[float]]:
    """Walkthrough 1: what each check cell must show, computed by capacity from the parameters."""
    scenario = capacity.load_scenario({"name": "check", "csm": params["CSM"], "segments": [params["SEGMENT"]]})
    listed = capacity.load_scenario(
        {"name": "check", "csm": {**params["CSM"], "internal_activities": params["INTERNAL_WORK"]},
         "segments": [params["SEGMENT"]]}
    ).csm
    loads = {load.name: load for load in touchpoint_loads(scenario.segments[0])}
    result = capacity.plan(scenario)
    seg = result.segments[0]
    return {
        "working-hours": [result.csm.working_hours_per_month],
        "customer-hours": [result.csm.customer_hours_per_month],
        "internal": [listed.internal_hours_per_month, listed.customer_hours_per_month, listed.share],
        "recurring": [loads["Business review"].hours_per_customer_per_month],
        "one-time": [loads["Kick-off"].hours_per_customer_per_month],
        "inbound": [loads["Escalations"].hours_per_customer_per_month],
        "program": [loads["Webinar"].program_hours_per_month],
        "touchpoints": [load.hours_per_customer_per_month for load in loads.values() if load.kind != "program"],
        "per-customer": [seg.hours_per_customer_per_month],
        "per-csm": [seg.customers_per_csm],
        "fte": [seg.fte],
        "headcount": [seg.headcount, seg.cost_per_year],
        "plan": [seg.hours_per_customer_per_month, seg.customers_per_csm, seg.fte, seg.headcount, seg.cost_per_year],
        "hand-check": [seg.customers_per_csm, seg.fte, seg.headcount],
    }


def _segments_and_book(params: dict) -> dict[str, list[float]]:
    """Walkthrough 2: the sample book split by the parameters' thresholds, with and without the digital tier."""
    raw = read_yaml(WALKTHROUGHS / params["SCENARIO"])
    book = capacity.load_book(WALKTHROUGHS / params["BOOK"])
    segments = {seg["name"]: {**seg, "min_arr": params["THRESHOLDS"][seg["name"]]} for seg in raw["segments"]}
    four = capacity.load_scenario({**raw, "book": None, "segments": list(segments.values())})
    human = [segments[name] for name in segments if segments[name]["coverage"] != "digital"]
    human[-1] = {**human[-1], "min_arr": 0}  # without the digital tier, the lowest human tier takes every account
    three = capacity.load_scenario({**raw, "book": None, "fiscal_year": None, "segments": human})
    with_digital, without_digital = capacity.plan(four, book), capacity.plan(three, book)
    sizes = capacity.segment_sizes(four, book)
    return {
        "book": [len(book), book.total_arr / 1e6],
        "sizes": [*sizes.customers, *sizes.arr],
        "three-tiers": [v for s in without_digital.segments for v in (s.customers, s.fte, s.headcount, s.cost_per_year)],
        "four-tiers": [v for s in with_digital.segments for v in (s.customers, s.fte, s.headcount, s.cost_per_year)],
        "digital-saves": [without_digital.totals.headcount, with_digital.totals.headcount,
                          100 * without_digital.totals.cost_pct_arr, 100 * with_digital.totals.cost_pct_arr],
        "top-down": [with_digital.totals.headcount, *(t.headcount for t in with_digital.top_down),
                     *(t.cost_per_year / 1e6 for t in with_digital.top_down)],
    }


def _fiscal_year(params: dict) -> dict[str, list[float]]:
    """Walkthrough 3: the sample scenario's fiscal year with the parameters' hiring levers."""
    raw = read_yaml(WALKTHROUGHS / params["SCENARIO"])
    levers = {
        "hiring_lead_time_months": params["HIRING_LEAD_TIME_MONTHS"],
        "ramp_months": params["RAMP_MONTHS"],
        "attrition_per_year": params["ATTRITION_PER_YEAR"],
    }
    scenario = capacity.load_scenario(
        {**raw, "book": str(WALKTHROUGHS / params["BOOK"]), "fiscal_year": {**raw["fiscal_year"], **levers}}
    )
    steady = capacity.plan(scenario)
    year = capacity.fiscal_plan(scenario)
    mid_market = year.segment_frame("Mid-Market")
    totals = year.totals_frame()
    summary = year.summary
    frame = year.to_frame()
    return {
        "scenario": [*scenario.fiscal_year.starting_headcount.values(), *(s.headcount for s in steady.segments),
                     *(100 * seg.churn_per_year for seg in scenario.segments)],
        "churn": [100 * float(staffing.monthly_rate(_segment(scenario, "Mid-Market").churn_per_year)), mid_market["customers"].iloc[0]],
        "ramp": [float(staffing.ramp_factor(k, params["RAMP_MONTHS"])) for k in (1, 2, 3, 4)],
        "attrition": [100 * float(staffing.monthly_rate(params["ATTRITION_PER_YEAR"]))],
        "year": [*totals["headcount"], *totals["requisitions_opened"], *totals["cost"], *totals["demand_fte"]],
        "requisitions": list(frame["requisitions_opened"]),
        "summary": [summary.hires_total, summary.requisitions_total, summary.leavers_total, summary.year_end_headcount,
                    summary.year_end_managers, summary.total_cost, 100 * summary.cost_pct_ending_arr,
                    summary.ending_arr / 1e6],
    }


def _vertical_pools(params: dict) -> dict[str, list[float]]:
    """Walkthrough 4: the parameters' segment as one mixed team, with its own pools, and one pool per vertical."""
    raw = read_yaml(WALKTHROUGHS / params["SCENARIO"])
    book = capacity.load_book(WALKTHROUGHS / params["BOOK"])
    name = params["SEGMENT"]

    def variant(**pooling) -> capacity.Scenario:
        segments = [{**seg, **pooling} if seg["name"] == name else seg for seg in raw["segments"]]
        return capacity.load_scenario({**raw, "book": None, "segments": segments})

    mixed_scenario = variant()
    pooled_scenario = variant(pool_by="vertical", pool_verticals=params["OWN_POOLS"])
    team = capacity.plan(mixed_scenario, book).segment(name)
    split = capacity.plan(pooled_scenario, book).segment(name)
    by_vertical = capacity.plan(variant(pool_by="vertical"), book).segment(name)
    extra_cost = split.pool_split_extra_headcount * split.loaded_cost_per_year
    years = [capacity.fiscal_plan(s, book).summary for s in (mixed_scenario, pooled_scenario)]
    return {
        "mixed": [team.customers, team.fte, team.headcount, team.cost_per_year],
        "pools": [v for pool in split.pools for v in (pool.customers, pool.arr, pool.fte, pool.headcount, pool.cost_per_year)],
        "extra": [team.headcount, team.cost_per_year, split.headcount, split.cost_per_year,
                  split.pool_split_extra_headcount, extra_cost, 100 * extra_cost / split.arr],
        "utilization": [v for pool in split.pools for v in (pool.fte, pool.headcount, 100 * pool.fte / pool.headcount)],
        "every": [len(by_vertical.pools), by_vertical.headcount, by_vertical.pool_split_extra_headcount],
        "year": [v for summary in years for v in (summary.year_end_headcount, summary.total_cost)],
    }


def _designed_versus_actual(params: dict) -> dict[str, list[float]]:
    """Walkthrough 5: the sample log calibrated, the plan as practised, and SMB's inbound queue."""
    from capacity.analysis import calibrate
    from capacity.inputs.scenario import InboundService

    scenario_path = WALKTHROUGHS / params["SCENARIO"]
    result = calibrate.calibrate(scenario_path, WALKTHROUGHS / params["ACTIVITIES"])
    designed = capacity.plan(scenario_path)
    practised = capacity.plan(calibrate.practised_scenario(scenario_path, result))
    scenario = capacity.load_scenario(scenario_path)
    target = InboundService(**params["SERVICE"])
    queued = scenario.model_copy(update={"segments": tuple(
        seg.model_copy(update={"inbound_service": target}) if seg.coverage == "pooled" else seg
        for seg in scenario.segments)})
    smb = capacity.plan(queued).segment("SMB")
    ebr = next(tp for tp in result.segment(params["SEGMENT"]).touchpoints if tp.name == "Executive business review")
    return {
        "log": [result.activities, result.window.months],
        "practised-totals": [designed.totals.headcount, practised.totals.headcount],
        "queue-compare": [designed.segment("SMB").fte, smb.fte, smb.headcount, smb.inbound.queueing_headroom_fte,
                          smb.inbound.expected_wait_minutes],
        "erlang": [capacity.erlang_c_agents(200, 3, 0.33, 0.8, max_occupancy=0.85),
                   capacity.erlang_c_service_level(14, 200, 3, 0.33)],
        "hand-check": [ebr.count, result.segment(params["SEGMENT"]).customers, ebr.observed_per_month],
    }


def _ranges(params: dict) -> dict[str, list[float]]:
    """Walkthrough 6: the sample scenario simulated with the parameters' draws and seed."""
    from capacity.analysis.simulate import simulate

    scenario = capacity.load_scenario(WALKTHROUGHS / params["SCENARIO"])
    s = capacity.fiscal_plan(scenario).summary
    sim = simulate(scenario, draws=params["DRAWS"], seed=params["SEED"])
    p90 = sim.p90_plan
    quantiles = ("p10", "p50", "p90")
    months = sim.to_frame()
    return {
        "year": [s.hires_total, s.year_end_headcount, s.total_cost,
                 *(v for q in quantiles for v in (getattr(sim.hires, q), getattr(sim.year_end_headcount, q),
                                                   getattr(sim.total_cost, q)))],
        "months": [*months["demand_fte_p10"], *months["demand_fte_p90"], *months["p_above_target"]],
        "p90": [p90.requisitions_total, *(n for n in p90.requisitions_by_month.values() if n), p90.year_end_headcount,
                p90.total_cost, 100 * p90.years_covered],
        "shares": list(sim.variance_shares.values()),
    }


def _negotiating_the_budget(params: dict) -> dict[str, list[float]]:
    """Walkthrough 7: the sample scenario's options side by side, and what the parameters' caps buy."""
    import itertools

    from capacity.inputs.context import load_context
    from capacity.analysis.fit import fit
    from capacity.analysis.options import compare

    context = load_context(WALKTHROUGHS / params["SCENARIO"])

    def fitted(result) -> list[float]:
        return [result.best.headcount, result.baseline.totals.headcount, result.best.cost_per_year / 1e6,
                result.best.customer_hours_given_up_per_month, *(m.accounts for m in result.best.moves),
                *(a.customer_hours_given_up_per_month for a in result.alternatives)]

    # The fewest CSMs any combination of the menu (trade-offs and automations) reaches, by trying them all (at most
    # one per group).
    from capacity.model import automation

    menu = (*context.scenario.trade_offs, *automation.menu(context.scenario))
    fewest = capacity.plan(context).totals.headcount
    for size in range(1, len(menu) + 1):
        for combo in itertools.combinations(menu, size):
            groups = [t.group for t in combo if t.group is not None]
            if len(groups) == len(set(groups)):
                changes = {k: v for t in combo for k, v in t.changes.items()}
                fewest = min(fewest, capacity.plan(context.with_changes(changes)).totals.headcount)
    return {
        "compare": [v for variant in compare(context).variants
                    for v in (variant.plan.totals.headcount, variant.plan.totals.cost_per_year / 1e6)],
        "fit": fitted(fit(context, headcount=params["HEADCOUNT_CAP"])),
        "budget": fitted(fit(context, budget=params["BUDGET_CAP"])),
        "out-of-reach": [params["OUT_OF_REACH"], fewest],
    }


EXPECTED = {
    "05-designed-versus-actual.ipynb": _designed_versus_actual,
    "01-bottom-up-one-segment.ipynb": _one_segment,
    "02-segments-and-the-book.ipynb": _segments_and_book,
    "03-budgeting-the-fiscal-year.ipynb": _fiscal_year,
    "04-vertical-pools.ipynb": _vertical_pools,
    "06-ranges-for-the-budget.ipynb": _ranges,
    "07-negotiating-the-budget.ipynb": _negotiating_the_budget,
}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_stored_numbers_are_the_packages(path):
    """Each cell tagged ``check`` shows the numbers capacity computes from the notebook's parameters.

    If this fails, the package and the stored notebook disagree: re-run the notebook (see
    notebooks/walkthroughs/README.md), read the diff of its outputs, and commit it if the change
    is intended.
    """
    assert path.name in EXPECTED, f"{path.name}: add its expected numbers to EXPECTED in this test"
    nb = _read(path)
    expected = EXPECTED[path.name](_parameters(nb))
    checked = {cell.get("id"): cell for cell in _code_cells(nb) if CHECK in _tags(cell) or HAND_CHECK in _tags(cell)}
    assert set(checked) == set(expected), (
        f"{path.name}: cells tagged check {sorted(checked)} != cells this test knows {sorted(expected)}"
    )
    stale = []
    for cell_id, values in expected.items():
        text = _stored_text(checked[cell_id])
        stale += [f"cell {cell_id!r} does not show {value!r} (stored: {text[:300]!r})"
                  for value in values if not (math.isfinite(value) and _shown(value, text))]
    assert not stale, f"{path.name}: stored output disagrees with capacity:\n" + "\n".join(stale)


def test_number_matching_is_strict():
    assert _shown(156.666, "working hours per CSM: 156.67 h/month")
    assert not _shown(156.666, "working hours per CSM: 156.60 h/month")
    assert _shown(350000, "2 CSMs, $350,000 a year")
    assert not _shown(375000, "2 CSMs, $350,000 a year")
    assert _shown(38.2697, "customers per CSM: 38.3")
    assert _shown(38.2697, "customers per CSM: 38")  # written whole, 38 stands for 37.5 to 38.5
    assert not _shown(38.2697, "customers per CSM: 37")



def test_nbval_still_builds_kernels_through_the_name_the_conftest_swaps():
    """notebooks/walkthroughs/conftest.py gives nbval's kernels IPC sockets by replacing
    ``nbval.kernel.KernelManager``; if nbval stops using that name, say so instead of silently
    going back to TCP ports."""
    import inspect

    import nbval.kernel

    assert "KernelManager(" in inspect.getsource(nbval.kernel.start_new_kernel)
