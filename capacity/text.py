"""The command line's text output: the plan and the fiscal year as aligned tables.

The tables are the report's own (:mod:`capacity.content`), shown in columns with short
headers and compact money; the numbers are the content's, formatted here and nowhere
computed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from . import formatting as fmt
from .content import Table, fiscal_months_table, pools_table, segments_table, top_down_table

if TYPE_CHECKING:
    from .fiscal import FiscalPlan
    from .plan import Plan

__all__ = ["render_plan", "render_fiscal", "table_lines", "aligned"]

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
    if s.warnings:
        lines += ["", "Warnings"] + [f"  - {w}" for w in s.warnings]
    if s.notes:
        lines += ["", "Notes"] + [f"  - {n}" for n in s.notes]
    return "\n".join(lines) + "\n"


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
