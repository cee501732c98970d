"""The command line's text output: every result as aligned tables and sentences.

The plan and the fiscal year show the report's own tables (:mod:`capacity.views.content`), in
columns with short headers and compact money; the team, the rebalance, the comparison of options,
the fit, the simulation and the calibration are shown from their results' fields. The numbers are
the results', formatted here and nowhere computed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from capacity import formatting as fmt
from capacity.analysis.options import arr_per_csm
from capacity.views.content import (Table, automation_sentences, fiscal_months_table, payback_return_sentences,
                                    payback_sentences, pools_table, segments_table, top_down_table)

from capacity.model.fiscal import ALL_SEGMENTS

if TYPE_CHECKING:
    from capacity.analysis.calibrate import Calibration
    from capacity.analysis.fit import Fit
    from capacity.analysis.options import Comparison
    from capacity.analysis.rebalance import Rebalance
    from capacity.analysis.simulate import FiscalSimulation
    from capacity.analysis.team import Team
    from capacity.model.fiscal import FiscalPlan
    from capacity.model.plan import Plan

__all__ = ["render_plan", "render_fiscal", "render_team", "render_rebalance", "render_fit", "render_comparison",
           "render_simulation", "render_calibration", "table_lines", "aligned"]

# A text column: (the content table's column, the header shown, the style). The style is
# "" (the table's own cell text), "short" (compact money), "number" (fmt.number), "pct0"
# (a whole percentage) or a format spec for the number.
_PLAN_COLUMNS = (("Segment", "Segment", ""), ("Coverage", "Coverage", ""), ("Min ARR", "Min ARR", "short"),
                 ("Customers", "Customers", ""), ("ARR", "ARR", "short"),
                 ("Hours per customer a month", "h/cust/mo", ".2f"), ("Program hours a month", "Program h/mo", ".1f"),
                 ("Customers per CSM", "Cust/CSM", "number"), ("FTE", "FTE", ".2f"), ("CSMs", "CSMs", ""),
                 ("Cost a year", "Cost/yr", "short"), ("ARR per CSM", "ARR/CSM", "short"))
_POOL_COLUMNS = (("Pool", "Pool", ""), ("Customers", "Customers", ""), ("ARR", "ARR", "short"), ("FTE", "FTE", ".2f"),
                 ("CSMs", "CSMs", ""), ("Cost a year", "Cost/yr", "short"))
_FISCAL_COLUMNS = (("Month", "Month", ""), ("Customers", "Customers", ""), ("New customers", "New", ""),
                   ("ARR", "ARR", "short"), ("Demand (FTE)", "Demand FTE", ".2f"), ("CSMs", "CSMs", ""),
                   ("Ramped capacity (FTE)", "Ramped FTE", ".2f"), ("Utilization", "Util", "pct0"),
                   ("Target", "Target", ""), ("Requisitions opened", "Reqs", ""), ("CSMs starting", "Starts", ""),
                   ("Leavers", "Leavers", ""), ("Managers", "Mgrs", ""), ("Cost", "Cost", ""))


def _cell(table: Table, column: str, value: object, kind, style: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if style == "":
        return table.cell_text(column, value, kind)
    if style == "short":
        return fmt.money_short(float(value), table.currency)
    if style == "number":
        return fmt.number(float(value))
    if style == "pct0":
        return fmt.percent(float(value), 0)
    return format(float(value), style)


def table_lines(table: Table, columns, *, left: int = 2) -> list[str]:
    """A content table as text lines: ``columns`` picks and names them; the first ``left`` are
    left-aligned, the rest right-aligned; a total row is ruled off."""
    header = [shown for _, shown, _ in columns]
    rows = []
    for i, record in enumerate(table.frame.to_dict("records")):
        rows.append([_cell(table, c, record[c], table.kind_at(i, c), style) for c, _, style in columns])
    return aligned(header, rows, separator_before_last=table.total_row, left=left)


def aligned(header: list[str], rows: list[list[str]], separator_before_last: bool = False, left: int = 2) -> list[str]:
    """Rows of cell texts as aligned lines: the first ``left`` columns left-aligned, the rest right-aligned."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    out = [line(header), rule]
    out += [line(r) for r in (rows[:-1] if separator_before_last else rows)]
    if separator_before_last:
        out += [rule, line(rows[-1])]
    return out


def render_plan(result: "Plan") -> str:
    """The plan as a readable text table: segments and total, vertical pools, top-down guideposts."""
    cur = result.currency
    lines = [
        f"{result.scenario}",
        f"A CSM's month: {result.csm.working_hours_per_month:.1f} working hours, "
        f"{result.csm.customer_hours_per_month:.1f} for customers; "
        f"loaded cost {fmt.money(result.csm.loaded_cost_per_year, cur)} a year",
        "",
    ]
    lines += table_lines(segments_table(result), _PLAN_COLUMNS)
    for s in result.segments:
        if s.pools:
            whole = s.headcount - s.pool_split_extra_headcount
            lines += ["", f"{s.name} is sized in vertical pools, each rounded up: {s.headcount} CSMs against "
                          f"{whole} for one team ({s.pool_split_extra_headcount:+d})."]
            lines += ["  " + line for line in table_lines(pools_table(s, cur), _POOL_COLUMNS, left=1)]
    lines += _inbound_service_lines(result)
    weighted = [s for s in result.segments if s.workload_weight is not None]
    if weighted:
        lines += ["", "Account-level work: hours per customer are the workload weight times an ordinary customer's: "
                  + "; ".join(f"{s.name} {s.workload_weight:.3g} ({s.served_customers:,} of {s.customers:,} "
                              "customers served)" for s in weighted) + "."]
    lines += ["", f"Cost is {fmt.percent(result.totals.cost_pct_arr)} of ARR.", "",
              "Top-down guideposts (one CSM per ARR):"]
    for td in top_down_table(result).frame.iloc[1:].itertuples(index=False):
        more = td[4]  # CSMs more than bottom-up
        verdict = "the same as bottom-up" if more == 0 else f"bottom-up needs {abs(more)} {'fewer' if more > 0 else 'more'}"
        lines.append(f"  {fmt.money_short(td[1], cur):>6} per CSM: {td[2]:>4} CSMs, "
                     f"{fmt.money_short(td[3], cur):>7} a year ({verdict})")
    lines += ["", "Does it pay back? (CS cost / gross margin: the ARR to keep from churning or add in expansion)"]
    lines += [f"  {sentence.text}" for sentence in (*payback_sentences(result), *payback_return_sentences(result))]
    return "\n".join(lines) + "\n"


def render_fiscal(result: "FiscalPlan") -> str:
    """The fiscal-year plan as readable text: a table per segment, the months summed, the summary."""
    cur = result.currency
    target = result.target_utilization
    settings = result.settings
    span = settings.get("csms_per_manager")
    lines = [
        f"{result.scenario}: fiscal year {result.months[0]} to {result.months[-1]}",
        f"Hiring: {result.hiring_lead_time_months}-month lead time, {result.ramp_months}-month ramp, "
        f"{fmt.percent(result.attrition_per_year, 0)} attrition a year (leavers backfilled), "
        f"target utilization {fmt.percent(target, 0)}; "
        + (f"one manager per {span} CSMs "
           + ("in each segment." if settings.get("manager_scope") == "segment" else "across the team.")
           if span else "no managers counted."),
        "Customers and ARR are month-end; Year row: flows summed, customers/ARR/CSMs/managers at year end.",
    ]
    pools = result.pools_frame()
    for name in result.segments:
        lines += ["", name]
        lines += table_lines(fiscal_months_table(result, name, detail=True), _FISCAL_COLUMNS, left=1)
        for pool, months in pools[pools["segment"] == name].groupby("pool", sort=False):
            above = months.loc[~months["target_held"], "month"].tolist()
            lines.append(
                f"  {pool} pool: {months['headcount'].iat[0]} -> {months['headcount'].iat[-1]} CSMs, "
                f"{int(months['hires_started'].sum())} starts, worst utilization "
                f"{fmt.percent(months['utilization'].max(), 0)}, "
                + (f"above target in {len(above)} months" if above else "target held all year")
            )
    lines += ["", "All segments"]
    lines += table_lines(fiscal_months_table(result, detail=True), _FISCAL_COLUMNS, left=1)
    s = result.summary
    hires = ", ".join(f"{m} {n}" for m, n in s.hires_by_month.items() if n) or "none"
    by_segment = ", ".join(f"{n} {h}" for n, h in s.year_end_headcount_by_segment.items())
    breaches = ", ".join(f"{n} {m or 'never'}" for n, m in s.first_breach.items())
    lines += [
        "",
        "Summary",
        f"  Hires starting: {s.hires_total} ({hires}); requisitions opened: {s.requisitions_total}; "
        f"leavers: {s.leavers_total}",
        f"  Year-end headcount: {s.year_end_headcount} CSMs ({by_segment}) and {s.year_end_managers} managers "
        f"(started with {sum(s.starting_headcount.values())} CSMs)",
        f"  Total cost: {fmt.money(s.total_cost, cur)}, {fmt.percent(s.cost_pct_ending_arr)} of ending ARR "
        f"{fmt.money_short(s.ending_arr, cur)}",
        f"  First month above the {fmt.percent(target, 0)} target with no new hires: {breaches}",
    ]
    short = {n: k for n, k in s.day_one_shortfall.items() if k}
    if short:
        lines.append("  Ramped CSMs missing on day one to hold the target until hiring can: "
                     + ", ".join(f"{n} {k}" for n, k in short.items()) + f" ({sum(short.values())} in all)")
    lines += _calendar_lines(result)
    if s.warnings:
        lines += ["", "Warnings"] + [f"  - {w}" for w in s.warnings]
    if s.notes:
        lines += ["", "Notes"] + [f"  - {n}" for n in s.notes]
    return "\n".join(lines) + "\n"


def _calendar_lines(result: "FiscalPlan") -> list[str]:
    """The calendar's peak months and today's book month by month (nothing without dated touchpoints)."""
    cal = result.calendar
    if cal is None:
        return []
    target = result.target_utilization
    sized = ("the plan hires for the average month (size_for: average)" if cal.size_for == "average"
             else "the plan hires for each month's dated work (size_for: peak)")
    lines = ["", f"The calendar: dated work against the average month (the same work spread evenly); {sized}"]
    rows = []
    for name in (*result.segments, ALL_SEGMENTS):
        peak = cal.worst(name)
        if peak is None:
            rows.append([name, "none", "", "", "", "", ""])
            continue
        rows.append([name, peak.month, f"{peak.demand_fte:.2f}", f"{peak.average_demand_fte:.2f}",
                     f"+{peak.fte_above_average:.2f}", fmt.percent(peak.utilization, 0),
                     "held" if peak.absorbed else "ABOVE"])
    lines += ["  " + line for line in aligned(["Segment", "Peak month", "Demand FTE", "Average FTE", "Above",
                                               "Util", f"{fmt.percent(target, 0)} target"], rows, left=2)]
    missed = [p for p in cal.peaks if not p.absorbed and p.segment != ALL_SEGMENTS]
    if missed:
        by_segment: dict[str, list[str]] = {}
        for p in missed:
            by_segment.setdefault(p.segment, []).append(p.month)
        lines.append("  Months above the average and above the target: "
                     + "; ".join(f"{n} {', '.join(m)}" for n, m in by_segment.items()) + ".")
    else:
        lines.append(f"  Every month above the average stays within the {fmt.percent(target, 0)} target.")
    book = cal.book
    lines += ["", "Today's book, the plan's hours a month in the months they fall (twelve months add up to the plan's "
                  "year):"]
    short = [m[2:] for m in book.months]
    rows = [[name, *(f"{v:,.0f}" for v in row), f"{book.hours_per_month[s]:,.0f}"]
            for s, (name, row) in enumerate(zip(book.segments, book.hours))]
    lines += ["  " + line for line in aligned(["Segment", *short, "Average"], rows, left=1)]
    return lines


def _inbound_service_lines(result) -> list[str]:
    """Segments whose inbound touchpoints are staffed by a service level: the queue and its headroom."""
    lines = []
    for s in result.segments:
        q = s.inbound
        if q is None:
            continue
        lines += ["", f"{s.name} answers inbound contacts as a queue (Erlang C): {q.contacts_per_month:,.0f} contacts a "
                      f"month, {q.arrivals_per_hour:.2f} an hour, {q.handle_minutes:.1f} min each "
                      f"({q.traffic_erlangs:.2f} agents busy on average).",
                  f"  {q.agents} agents on the queue answer {fmt.percent(q.service_level)} within target at "
                  f"{fmt.percent(q.occupancy)} occupancy; expected wait {q.expected_wait_minutes:.1f} min.",
                  f"  Inbound FTE by hours {q.inbound_fte_by_hours:.2f}, by service level "
                  f"{q.inbound_fte_by_service_level:.2f}: queueing headroom {q.queueing_headroom_fte:+.2f} FTE."]
    return lines


def render_team(result: "Team") -> str:
    """Today's team as readable text."""
    cur = result.currency
    s = result.summary
    frame = result.to_frame()
    lines = [f"{result.scenario}: today's team",
             f"A CSM has {s['customer_hours_per_csm']:.1f} customer hours a month; target utilization "
             f"{fmt.percent(s['target_utilization'], 0)} (under-loaded below {fmt.percent(s['under_loaded_below'], 0)}).",
             ""]
    rows = [[r.csm, r.segments, f"{r.accounts:,}", fmt.money_short(r.arr, cur), f"{r.hours_per_month:.1f}",
             f"{r.capacity_hours_per_month:.1f}", "-" if pd.isna(r.utilization) else fmt.percent(r.utilization, 0),
             r.status] for r in frame.itertuples(index=False)]
    lines += aligned(["CSM", "Segments", "Accounts", "ARR", "h/mo", "Capacity h/mo", "Util", "Status"], rows)
    u = result.unassigned
    lines += ["", f"Over-loaded: {', '.join(s['over']) or 'none'}.", f"Under-loaded: {', '.join(s['under']) or 'none'}."]
    for pool in s["pooled_teams"]:
        lines.append(f"{pool['team']}: {len(pool['members'])} CSMs ({', '.join(pool['members']) or 'none'}).")
    if u["accounts"]:
        lines.append(f"Accounts with no owner: {u['accounts']:,} ({fmt.money_short(u['arr'], cur)} ARR, "
                     f"{u['hours_per_month']:.1f} h/month): "
                     + ", ".join(f"{n} {c}" for n, c in u["by_segment"].items()) + ".")
    for d in s["digital_owners"]:
        lines.append(f"{d['csm']} owns {d['accounts']} account(s) of the digital segment {d['segment']} "
                     f"({fmt.money_short(d['arr'], cur)} ARR).")
    lines.append(f"Note: {s['programs']}.")
    lines += _team_calendar_lines(result)
    return "\n".join(lines) + "\n"


def _team_calendar_lines(result: "Team") -> list[str]:
    """Renewals per quarter per CSM (accounts and ARR) and, with dated work, each one's busiest month."""
    cal = result.calendar
    if cal is None:
        return []
    cur = result.currency
    lines = ["", "Renewals per quarter (accounts, ARR)" + (" and the busiest month (the calendar's hours against "
                                                         "capacity)" if cal.dated else "") + ":"]
    header = ["CSM", *cal.quarters, "No date"] + (["Busiest month", "h", "Util"] if cal.dated else [])
    rows = []
    for c in cal.csms:
        row = [c.csm, *(f"{q.accounts:,} {fmt.money_short(q.arr, cur)}" for q in c.renewals), f"{c.accounts_without_date:,}"]
        if cal.dated:
            row += [c.busiest_month or "-", "-" if c.busiest_hours is None else f"{c.busiest_hours:.1f}",
                    "-" if c.busiest_utilization is None else fmt.percent(c.busiest_utilization, 0)]
        rows.append(row)
    lines += aligned(header, rows, left=1)
    if any(q.accounts for q in cal.unassigned):
        lines.append("Accounts with no owner renewing: " + ", ".join(
            f"{q.quarter} {q.accounts:,} ({fmt.money_short(q.arr, cur)})" for q in cal.unassigned) + ".")
    return lines


def render_rebalance(result: "Rebalance") -> str:
    """The rebalance as readable text: the objectives and how far each got, what the band needs, the moves
    with their reasons, each CSM before and after, the balance before and after, and what stayed and why."""
    cur = result.currency
    lines = [f"{result.scenario}: book building as of {result.as_of}, band [{fmt.percent(result.min_utilization, 0)}, "
             f"{fmt.percent(result.max_utilization, 0)}] utilization", "", "Objectives, in order:"]
    for o in result.objectives:
        lines.append(f"  {o.rank}. {o.statement}.")
        lines.append("     " + _objective_outcome(result, o))
    lines.append("")
    for shortage in result.shortages:
        lines.append(shortage.sentence + ".")
    if result.within_band:
        lines.append("Every CSM the rebalance can move ends within the band.")
    m = result.moved
    lines += [f"Moves: {m['accounts']:,} account{'' if m['accounts'] == 1 else 's'}, {fmt.money_short(m['arr'], cur)} ARR, "
              f"{m['hours_per_month']:.1f} h/month.", ""]
    if result.moves:
        rows = [[mv.account_id, _clip(mv.name, 28), mv.from_csm or "(none)", mv.to_csm or "(none)", mv.effective,
                 mv.reason, fmt.money_short(mv.arr, cur)] for mv in result.moves]
        lines += aligned(["Account", "Name", "From", "To", "Effective", "Reason", "ARR"], rows, left=6)
        lines.append("")
    before = {r.csm: r for r in result.before}
    quarters = [q.split(" ")[0] for q in result.quarters]
    rows = []
    for r in result.after:
        b = before.get(r.csm)
        was = "-" if b is None or b.utilization is None else fmt.percent(b.utilization, 0)
        now = "-" if r.utilization is None else fmt.percent(r.utilization, 0)
        renewals = " ".join(f"{v}" for v in r.renewals_by_quarter)
        rows.append([r.csm, f"{(b.accounts if b else 0):,} -> {r.accounts:,}", f"{was} -> {now}",
                     f"{fmt.money_short(b.arr if b else 0.0, cur)} -> {fmt.money_short(r.arr, cur)}", renewals,
                     f"{(b.at_risk if b else 0)} -> {r.at_risk}", r.note])
    lines += aligned(["CSM", "Accounts", "Utilization", "ARR", "Renewals after " + "/".join(quarters), "At-risk", "Note"],
                     rows, left=1)
    if result.fairness:
        lines += ["", "Balance across each segment's CSMs (coefficient of variation; max/min), before -> after:"]
        rows = [[f.segment, f.measure, f"{_ratio(f.cv_before, 2)} -> {_ratio(f.cv_after, 2)}",
                 f"{_ratio(f.max_min_before, 1)} -> {_ratio(f.max_min_after, 1)}"] for f in result.fairness]
        lines += aligned(["Segment", "Measure", "CV", "Max/min"], rows, left=2)
    if result.notes:
        lines += [""] + list(result.notes)
    return "\n".join(lines) + "\n"


def _objective_outcome(result: "Rebalance", o) -> str:
    """How far one objective got: its value, and whether it is proven."""
    proven = ("proven optimal" if o.status == "optimal" and not o.gap else
              f"optimal within {fmt.percent(o.gap, 2)}" if o.status == "optimal" else
              "not run" if o.status == "skipped" else
              f"{o.status}, within {fmt.percent(o.gap, 2)} of the bound" if o.gap is not None else o.status)
    if o.name == "band":
        if o.value <= 1e-9:
            return f"Every CSM within the band ({proven})."
        return f"Worst overload {o.value * 100:.1f} points of utilization above the band ({proven})."
    if o.name == "moves":
        return (f"Least move cost {o.value:,.2f} ({proven}); the plan's moves cost {result.spent:,.2f} with "
                "objective 3's.")
    scope = "" if o.scope == "whole book" else f"; the bound holds for the {o.scope}"
    return f"Sum of relative mean absolute deviations {o.value:.3f} ({proven}{scope})."


def _ratio(value: float | None, digits: int) -> str:
    if value is None:
        return "-"
    if math.isinf(value):
        return "inf"
    return f"{value:.{digits}f}"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "~"


def render_fit(result: "Fit") -> str:
    """The fit as text: the sentences, then the segments before and after."""
    cur = result.baseline.currency
    lines = [f"{result.baseline.scenario}: what {result.cap.text(cur)} buys", ""]
    lines += result.sentences()
    if not result.nothing_needed:
        header = ["Segment", "CSMs before", "CSMs after", "Cost before", "Cost after", "Hours/mo before",
                  "Hours/mo after", "Given up", "Accounts to lower touch", "Their ARR"]
        rows = [[s.name, str(s.headcount_before), str(s.headcount), fmt.money_short(s.cost_per_year_before, cur),
                 fmt.money_short(s.cost_per_year, cur), f"{s.customer_hours_per_month_before:,.0f}",
                 f"{s.customer_hours_per_month:,.0f}", f"{s.customer_hours_given_up_per_month:,.0f}",
                 f"{s.accounts_to_lower_touch:,}", fmt.money_short(s.arr_to_lower_touch, cur)]
                for s in result.best.segments]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

        def line(cells):
            return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

        lines += ["", line(header), "  ".join("-" * w for w in widths), *[line(r) for r in rows]]
        lines += ["", "Changes (paste under options: to compare, or edit the menu under trade_offs:):"]
        lines += [f"  {path}: {value!r}" for path, value in result.best.changes.items()]
    return "\n".join(lines) + "\n"


def render_comparison(comparison: "Comparison") -> str:
    """The comparison as a text table: measures down, variants across, changes from the baseline."""
    cur = comparison.currency
    base = comparison.baseline.plan
    header = ["", *[v.name for v in comparison.variants]]

    def delta(value: float, base_value: float, money: bool) -> str:
        gap = value - base_value
        if gap == 0:
            return ""
        return f" ({'+' if gap > 0 else '-'}{fmt.money_short(abs(gap), cur) if money else f'{abs(gap):,.0f}'})"

    rows = [
        ["CSMs", *[f"{v.plan.totals.headcount:,}{delta(v.plan.totals.headcount, base.totals.headcount, False)}"
                   for v in comparison.variants]],
        ["Cost a year", *[f"{fmt.money_short(v.plan.totals.cost_per_year, cur)}"
                          f"{delta(v.plan.totals.cost_per_year, base.totals.cost_per_year, True)}"
                          for v in comparison.variants]],
        ["Cost % of ARR", *[fmt.percent(v.plan.totals.cost_pct_arr) for v in comparison.variants]],
        ["ARR per CSM", *[fmt.money_short(arr_per_csm(v.plan), cur) for v in comparison.variants]],
    ]
    if any(v.plan.totals.tooling_cost_per_year for v in comparison.variants):
        rows.append(["Tooling a year", *[fmt.money_short(v.plan.totals.tooling_cost_per_year, cur)
                                         for v in comparison.variants]])
    saving = [base.totals.cost_with_tooling_per_year - v.plan.totals.cost_with_tooling_per_year
              for v in comparison.variants]
    rows.append(["Saving a year net of tooling", *["" if v is comparison.baseline else fmt.money_short(x, cur)
                                                   for v, x in zip(comparison.variants, saving)]])
    for name in comparison.segment_names:
        cells_cpc, cells_hpc = [], []
        for v in comparison.variants:
            seg = next((s for s in v.plan.segments if s.name == name), None)
            cells_cpc.append("" if seg is None else fmt.number(seg.customers_per_csm))
            cells_hpc.append("" if seg is None else f"{seg.hours_per_customer_per_month:.2f}")
        rows += [[f"{name}: customers per CSM", *cells_cpc], [f"{name}: hours per customer a month", *cells_hpc]]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    automations = len(comparison.automations)
    options = len(comparison.variants) - 1 - automations
    what = f"{options} option(s)" + (f" and {automations} automation(s)" if automations else "")
    lines = [f"{base.scenario}: the plan and {what} side by side", "",
             line(header), "  ".join("-" * w for w in widths), *[line(r) for r in rows]]
    described = comparison.variants[1:]
    if described:
        lines += ["", "What each option changes:"]
        for v in described:
            if v.changes is None:
                lines.append(f"  {v.name}: the plan of {v.source or 'another scenario'}")
            else:
                lines.append(f"  {v.name}: " + "; ".join(f"{path} = {value!r}" for path, value in v.changes.items()))
        if comparison.automations:
            lines += ["", "Hire or automate (each automation adopted alone):"]
            lines += [f"  {sentence.text}" for sentence in automation_sentences(comparison.automations, cur)]
    else:
        lines += ["", "The scenario lists no options: add an options: list (name and changes) or give more scenario files."]
    return "\n".join(lines) + "\n"


def render_simulation(result: "FiscalSimulation") -> str:
    """The simulated year as readable text: the year's ranges, the months, the P90 plan, the variance shares."""
    cur = result.currency
    target = result.target_utilization
    lines = [f"{result.scenario}: {result.draws:,} simulated years (seed {result.seed})", "",
             "The year, the hiring rule reacting to each draw:"]
    year = [["Hires starting", *(f"{getattr(result.hires, q):,.0f}" for q in ("p10", "p50", "p90"))],
            ["CSMs at year end", *(f"{getattr(result.year_end_headcount, q):,.0f}" for q in ("p10", "p50", "p90"))],
            ["Cost of the year", *(fmt.money(getattr(result.total_cost, q), cur) for q in ("p10", "p50", "p90"))]]
    lines += ["  " + line for line in aligned(["", "P10", "P50", "P90"], year, left=1)]
    lines += ["", f"Month by month, the plan's hiring held fixed (P(above): some segment above the {target:.0%} target):"]
    rows = [[m.month, *(f"{getattr(m.demand_fte, q):.2f}" for q in ("p10", "p50", "p90")),
             *(fmt.percent(getattr(m.utilization, q), 0) for q in ("p10", "p50", "p90")), fmt.percent(m.p_above_target, 0)]
            for m in result.months]
    lines += ["  " + line for line in aligned(["Month", "Demand P10", "P50", "P90", "Util P10", "P50", "P90", "P(above)"],
                                             rows, left=1)]
    p = result.p90_plan
    opened = ", ".join(f"{m} {n}" for m, n in p.requisitions_by_month.items() if n) or "none"
    lines += ["", f"To keep up with the hiring rule in 9 years out of 10 (the P90 plan): open {p.requisitions_total} "
                  f"growth requisitions ({opened}), backfills as people leave; it covers the rule in "
                  f"{fmt.percent(p.years_covered, 0)} of years; P50 cost {fmt.money(p.total_cost, cur)}, "
                  f"{p.year_end_headcount:,.0f} CSMs at year end."]
    if result.variance_shares:
        lines += ["", f"What drives the spread of the year's cost (first-order variance shares, {result.share_draws:,} draws):"]
        lines += [f"  {name:<26} {share:6.1%}  (+/- {result.variance_share_errors[name]:.1%})"
                  for name, share in sorted(result.variance_shares.items(), key=lambda kv: -kv[1])]
    else:
        lines += ["", "No input in the uncertainty block has a spread: every draw is the plan."]
    return "\n".join(lines) + "\n"


def render_calibration(result: "Calibration") -> str:
    """The calibration as readable text: a table per segment, then what matched nothing."""
    w = result.window
    lines = [f"{result.scenario}: designed versus actual, {w.start.isoformat()} to {w.end.isoformat()} "
             f"({w.months:.2f} months, {result.activities:,} activities)"]

    def num(value, digits=2):
        return "-" if value is None else f"{value:,.{digits}f}"

    for seg in result.segments:
        lines += ["", f"{seg.name} ({seg.coverage}, {seg.customers:,} customers): logged "
                      f"{seg.logged_hours_per_month:,.1f} h a month against {seg.planned_hours_per_month:,.1f} planned"
                      + (f"; {seg.csms} CSMs logged {num(seg.logged_customer_hours_per_csm_per_month, 1)} h a month "
                         f"each against {seg.planned_customer_hours_per_csm_per_month:.1f} customer hours planned"
                         if seg.csms else "")]
        header = ["Touchpoint", "Kind", "Per", "Planned", "Observed", "Minutes", "Median", "IQR", "Count"]
        per = {"per customer a month": "cust/mo", "per segment a month": "seg/mo", "per new customer": "new cust"}
        rows = [[tp.name, tp.kind, per[tp.frequency_unit], num(tp.planned_per_month, 3), num(tp.observed_per_month, 3),
                 f"{tp.planned_minutes:g}", num(tp.observed_minutes, 1),
                 "-" if tp.observed_minutes_q1 is None else f"{tp.observed_minutes_q1:g}-{tp.observed_minutes_q3:g}",
                 f"{tp.count:,}"] for tp in seg.touchpoints]
        lines += ["  " + line for line in aligned(header, rows, left=2)]
        if seg.not_logged:
            lines.append(f"  Nobody logs: {', '.join(seg.not_logged)}")
    u = result.unmatched
    lines += ["", f"Activities that match no touchpoint of their account's segment: {u.activities:,}"
                  + (" (" + ", ".join(f"{k} {v:,}" for k, v in u.by_type.items()) + ")" if u.by_type else "")]
    lines.append(f"Accounts in the log but not in the book: {u.accounts_not_in_book:,} "
                 f"({u.activities_of_accounts_not_in_book:,} activities, not counted)")
    if u.activities_outside_window:
        lines.append(f"Activities outside the window, not counted: {u.activities_outside_window:,}")
    if result.csms:
        lines.append(f"{result.csms} CSMs logged {result.logged_customer_hours_per_csm_per_month:.1f} customer hours "
                     f"a month each; the plan gives a CSM {result.planned_customer_hours_per_csm_per_month:.1f}.")
    return "\n".join(lines) + "\n"


def render_init(start, path, result: "Plan") -> str:
    """What ``capacity init`` recognised, set aside and proposed, the file it wrote, and the plan of that file."""
    cur = start.currency
    lines = [f"{start.label}: {len(start.book):,} accounts, {fmt.money_short(start.book.total_arr, cur)} ARR", "",
             "Columns recognised:"]
    rows = [[c.name, c.header, "--map" if c.mapped else ", ".join(c.tools)] for c in start.recognition.columns]
    lines += ["  " + line for line in aligned(["Column", "Header", "Written by"], rows, left=3)]
    for column in start.recognition.columns:
        if column.note:
            lines.append(f"  Note: {column.header!r} {column.note}.")
    if start.recognition.unread:
        lines.append("  Not read: " + ", ".join(repr(h) for h in start.recognition.unread) + ".")
    for note in getattr(start.book, "notes", ()):
        lines.append(f"  {note[0].upper()}{note[1:]}.")
    lines += ["", "Tiers proposed from the book's ARR (edit them in the scenario):"]
    rows = [[s.name, fmt.money_short(s.min_arr, cur), s.coverage, f"{s.accounts:,}", fmt.money_short(s.arr, cur),
             f"{len(s.touchpoints)}"] for s in start.segments]
    lines += ["  " + line for line in aligned(["Tier", "From", "Coverage", "Accounts", "ARR", "Touchpoints"], rows,
                                               left=3)]
    lines += ["", f"Wrote {path}: every line is a starting point to edit, then `capacity plan {path}`.", ""]
    return "\n".join(lines) + render_plan(result)
