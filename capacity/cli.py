"""Command line: ``python -m capacity COMMAND ...``.

The only place where an exception becomes an exit code: bad input prints one
``error: FILE: WHERE: WHAT`` line on stderr and exits 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import formatting as fmt
from .exceptions import CapacityError
from .files import write_text
from .sections import PARAMETERS as REPORT_PARAMETERS

EXIT_BAD_INPUT = 2

DESCRIPTION = """\
How many CSMs do we need, what will they cost, and why?

Sizes a Customer Success team bottom-up, per segment: the monthly hours of every
touchpoint per customer (frequency x duration), one-time work smoothed across the base,
inbound work and one-to-many programs, against the hours a CSM has for customers. It
puts the answer beside the top-down ratios ($1M / $2M / $8M ARR per CSM).
"""

EPILOG = """\
scenario file (YAML, version 1): csm (hours_per_week, weeks_per_year, pto_days,
customer_time_share or internal_activities, loaded_cost_per_year), book (optional CSV or
.xlsx path), top_down_arr_per_csm, and segments (name, min_arr, coverage, new_customer_rate,
customers/arr without a book, touchpoints of kind recurring/inbound/one_time/program with
minutes and per_month or per_year). For the fiscal-year plan: a fiscal_year block (start
YYYY-MM, months, starting_headcount per segment, hiring_lead_time_months, ramp_months,
attrition_per_year, target_utilization, csms_per_manager, manager_loaded_cost_per_year,
salary_increase) and per segment new_customers_per_month (a number or one per month) and
churn_per_year. A segment with pool_by: vertical (optionally pool_verticals: [...]) is
sized per vertical pool. See README.md.

exit codes: 0 success, 2 bad input (one 'error:' line names the file and the key or row).
examples:
  python -m capacity plan data/scenario.yaml
  python -m capacity plan data/scenario.yaml --book my-accounts.csv --json
  python -m capacity report data/scenario.yaml --out reports -p current_headcount 15
  python -m capacity fiscal data/scenario.yaml
  python -m capacity fiscal data/scenario.yaml --csv fy2027-months.csv
  python -m capacity synth --accounts 1000000 --out /tmp/book.csv
  python -m capacity compare data/scenario.yaml
  python -m capacity fit data/scenario.yaml --headcount 15
"""


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one ``error:`` line and exit 2 like bad files."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"error: {self.prog}: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m capacity",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    p = commands.add_parser(
        "plan",
        help="size each segment bottom-up and compare with top-down ratios",
        description="Print the steady-state plan: per segment hours per customer, customers per CSM, "
        "FTE, headcount and cost; totals; and the top-down guideposts.",
    )
    p.add_argument("scenario", type=Path, help="scenario YAML file")
    p.add_argument("--book", type=Path, help="book of accounts (CSV or .xlsx); overrides the scenario's book")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--out", type=Path, help="write the output to this file (atomically) instead of stdout")
    p.set_defaults(run=_run_plan)

    r = commands.add_parser(
        "report",
        help="render the budget report: offline HTML and an Excel workbook",
        description="Run notebooks/budget-report.ipynb with papermill on SCENARIO and write\n"
        "OUT/<scenario>.html (self-contained: opens offline), OUT/<scenario>.xlsx (one sheet\n"
        "per table, inputs on their own sheet) and the executed OUT/<scenario>.ipynb.\n"
        "Every input is checked before anything runs; the files are replaced only when\n"
        "all three are complete, so a failed run leaves the previous report as it was.",
        epilog="parameters (-p NAME VALUE, values read as YAML scalars):\n"
        + "\n".join(f"  {name:<18} {text}" for name, text in REPORT_PARAMETERS.items())
        + "\n\nexample:\n  python -m capacity report data/scenario.yaml -p current_headcount 15 -p fiscal_year 2027",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    r.add_argument("scenario", type=Path, help="scenario YAML file")
    r.add_argument("--book", type=Path, help="book of accounts (CSV or .xlsx); overrides the scenario's book")
    r.add_argument("--out", type=Path, default=Path("reports"), help="output folder (default: reports)")
    r.add_argument("--notebook", type=Path, default=None,
                   help="run this notebook instead of notebooks/budget-report.ipynb (same parameters)")
    r.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                   dest="parameters", help="set a report parameter (repeatable)")
    r.set_defaults(run=_run_report)

    f = commands.add_parser(
        "fiscal",
        help="plan the fiscal year month by month: demand, hiring, ramp, attrition, managers, cost",
        description="Print the fiscal-year plan of a scenario with a fiscal_year block: per segment and month "
        "customers, ARR, demand, CSMs, ramped capacity, utilization, requisitions, starts, leavers, managers "
        "and cost; the months summed over segments; the year's summary and warnings.",
    )
    f.add_argument("scenario", type=Path, help="scenario YAML file with a fiscal_year block")
    f.add_argument("--book", type=Path, help="book of accounts (CSV or .xlsx); overrides the scenario's book")
    output = f.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    output.add_argument("--csv", type=Path, metavar="OUT", help="write one row per month and segment to OUT (atomically)")
    f.set_defaults(run=_run_fiscal)

    s = commands.add_parser(
        "synth",
        help="write a seeded synthetic book of accounts",
        description="Write a reproducible, long-tailed synthetic book (account_id, name, arr, vertical, renewal_date).",
    )
    s.add_argument("--accounts", type=int, required=True, help="number of accounts")
    s.add_argument("--seed", type=int, default=2027, help="random seed (default 2027)")
    s.add_argument("--out", type=Path, required=True, help="CSV file to write (atomically)")
    s.set_defaults(run=_run_synth)
    _add_options_commands(commands)
    return parser


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        write_text(out, text)


def _context(args: argparse.Namespace):
    """The scenario and book a command names (SCENARIO and --book), loaded once."""
    from .context import load_context

    return load_context(args.scenario, args.book)


def _run_plan(args: argparse.Namespace) -> None:
    result = _context(args).plan
    _emit(result.to_json() + "\n" if args.json else render_plan(result), args.out)


def render_plan(result) -> str:
    """The plan as a readable text table."""
    cur = result.currency
    lines = [
        f"{result.scenario}",
        f"A CSM's month: {result.csm.working_hours_per_month:.1f} working hours, "
        f"{result.csm.customer_hours_per_month:.1f} for customers; "
        f"loaded cost {fmt.money(result.csm.loaded_cost_per_year, cur)} a year",
        "",
    ]
    header = ["Segment", "Coverage", "Min ARR", "Customers", "ARR", "h/cust/mo", "Program h/mo",
              "Cust/CSM", "FTE", "CSMs", "Cost/yr", "ARR/CSM"]
    rows = [
        [s.name, s.coverage, fmt.money_short(s.min_arr, cur), f"{s.customers:,}", fmt.money_short(s.arr, cur),
         f"{s.hours_per_customer_per_month:.2f}", f"{s.program_hours_per_month:.1f}", fmt.number(s.customers_per_csm),
         f"{s.fte:.2f}", str(s.headcount), fmt.money_short(s.cost_per_year, cur), fmt.money_short(s.arr_per_csm, cur)]
        for s in result.segments
    ]
    t = result.totals
    rows.append(["Total", "", "", f"{t.customers:,}", fmt.money_short(t.arr, cur), "", "", "", f"{t.fte:.2f}",
                 str(t.headcount), fmt.money_short(t.cost_per_year, cur), ""])
    lines += _table(header, rows, separator_before_last=True)
    for s in result.segments:
        if s.pools:
            whole = s.headcount - s.pool_split_extra_headcount
            lines += ["", f"{s.name} is sized in vertical pools, each rounded up: {s.headcount} CSMs against "
                          f"{whole} for one team ({s.pool_split_extra_headcount:+d})."]
            pool_rows = [[p.vertical, f"{p.customers:,}", fmt.money_short(p.arr, cur), f"{p.fte:.2f}", str(p.headcount),
                          fmt.money_short(p.cost_per_year, cur)] for p in s.pools]
            lines += ["  " + line for line in _table(["Pool", "Customers", "ARR", "FTE", "CSMs", "Cost/yr"], pool_rows, left=1)]
    lines += ["", f"Cost is {fmt.percent(t.cost_pct_arr)} of ARR.", "", "Top-down guideposts (one CSM per ARR):"]
    for td in result.top_down:
        gap = t.headcount - td.headcount
        verdict = "the same as bottom-up" if gap == 0 else f"bottom-up needs {abs(gap)} {'more' if gap > 0 else 'fewer'}"
        lines.append(
            f"  {fmt.money_short(td.arr_per_csm, cur):>6} per CSM: {td.headcount:>4} CSMs, "
            f"{fmt.money_short(td.cost_per_year, cur):>7} a year ({verdict})"
        )
    return "\n".join(lines) + "\n"


def _table(header: list[str], rows: list[list[str]], separator_before_last: bool = False, left: int = 2) -> list[str]:
    """Text columns: the first ``left`` left-aligned, the rest right-aligned."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    out = [line(header), rule]
    out += [line(r) for r in (rows[:-1] if separator_before_last else rows)]
    if separator_before_last:
        out += [rule, line(rows[-1])]
    return out


def _run_report(args: argparse.Namespace) -> None:
    from .report import echo_to_stderr, parse_parameters, render

    parameters = parse_parameters(args.parameters)
    options = {} if args.notebook is None else {"notebook": args.notebook}
    rendered = render(args.scenario, book=args.book, out_dir=args.out, parameters=parameters, echo=echo_to_stderr,
                      progress_bar=sys.stderr.isatty(), **options)
    for path in (rendered.html, rendered.workbook, rendered.notebook):
        print(_shown(path))


def _shown(path: Path) -> str:
    """``path`` relative to the working folder when it is inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _run_fiscal(args: argparse.Namespace) -> None:
    from .fiscal import fiscal_plan

    result = fiscal_plan(_context(args))
    if args.csv is not None:
        write_text(args.csv, result.to_frame().to_csv(index=False))
        print(f"wrote {len(result.rows)} rows ({len(result.months)} months x {len(result.segments)} segments) "
              f"to {args.csv}", file=sys.stderr)
    elif args.json:
        sys.stdout.write(result.to_json() + "\n")
    else:
        sys.stdout.write(render_fiscal(result))


_FISCAL_HEADER = ["Month", "Customers", "New", "ARR", "Demand FTE", "CSMs", "Ramped FTE", "Util", "Target",
                  "Reqs", "Starts", "Leavers", "Mgrs", "Cost"]


def _fiscal_rows(frame, cur: str, target: float) -> list[list[str]]:
    """Month rows, then a "Year" row: flows summed, stocks (customers, ARR, CSMs, managers) at year end."""
    rows = []
    for r in frame.itertuples(index=False):
        above = getattr(r, "segments_above_target", None)
        if above is None:
            verdict = "held" if r.target_held else "ABOVE"
        else:
            verdict = "held" if above == 0 else f"{above} above"
        rows.append([r.month, f"{r.customers:,.0f}", f"{r.new_customers:,.0f}", fmt.money_short(r.arr, cur),
                     f"{r.demand_fte:.2f}", str(r.headcount), f"{r.ramped_capacity_fte:.2f}", fmt.percent(r.utilization, 0),
                     verdict, str(r.requisitions_opened), str(r.hires_started), str(r.leavers),
                     str(r.managers), fmt.money(r.cost, cur)])
    last = frame.iloc[-1]
    rows.append(["Year", f"{last.customers:,.0f}", f"{frame.new_customers.sum():,.0f}", fmt.money_short(last.arr, cur),
                 "", str(int(last.headcount)), "", "", "", str(int(frame.requisitions_opened.sum())),
                 str(int(frame.hires_started.sum())), str(int(frame.leavers.sum())), str(int(last.managers)),
                 fmt.money(frame.cost.sum(), cur)])
    return rows


def render_fiscal(result) -> str:
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
    frame = result.to_frame()
    for name in result.segments:
        lines += ["", name]
        lines += _table(_FISCAL_HEADER, _fiscal_rows(frame[frame["segment"] == name], cur, target),
                        separator_before_last=True, left=1)
        pools = result.pools_frame()
        for pool, months in pools[pools["segment"] == name].groupby("pool", sort=False):
            above = months.loc[~months["target_held"], "month"].tolist()
            lines.append(
                f"  {pool} pool: {months['headcount'].iat[0]} -> {months['headcount'].iat[-1]} CSMs, "
                f"{int(months['hires_started'].sum())} starts, worst utilization "
                f"{fmt.percent(months['utilization'].max(), 0)}, "
                + (f"above target in {len(above)} months" if above else "target held all year")
            )
    lines += ["", "All segments"]
    lines += _table(_FISCAL_HEADER, _fiscal_rows(result.totals_frame(), cur, target), separator_before_last=True, left=1)
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


def _run_synth(args: argparse.Namespace) -> None:
    from .synth import write_synthetic_book

    if args.accounts < 1:
        raise CapacityError(f"must be at least 1 (got {args.accounts})", where="--accounts")
    path = write_synthetic_book(args.out, args.accounts, args.seed)
    print(f"wrote {args.accounts:,} accounts to {path}", file=sys.stderr)


# -- options side by side, and what a cap buys ---------------------------------------------


def _add_options_commands(commands) -> None:
    c = commands.add_parser(
        "compare",
        help="the plan beside each of the scenario's options (and other scenario files)",
        description="Print the baseline plan and each option of the scenario's options: list applied alone, "
        "and the plan of each further scenario file, side by side: CSMs, cost, cost %% of ARR, ARR per CSM, "
        "customers per CSM and hours per customer a month per segment, and the change from the baseline.",
    )
    c.add_argument("scenario", type=Path, help="scenario YAML file (its options: list)")
    c.add_argument("more", type=Path, nargs="*", metavar="MORE.yaml", help="other scenario files to set beside it")
    c.add_argument("--book", type=Path, help="book of accounts (CSV or .xlsx) for every scenario, instead of their own")
    c.add_argument("--json", action="store_true", help='print {"options": [{"name", "changes", ...plan keys}]}')
    c.set_defaults(run=_run_compare)

    f = commands.add_parser(
        "fit",
        help="the trade-offs that fit a headcount or budget cap, giving up the fewest customer hours",
        description="Choose from the scenario's trade_offs: menu (else a default menu, printed to copy and edit) "
        "the combination that fits the cap and gives up the fewest customer hours a month; ties go to fewer "
        "trade-offs, then lower cost. Prints what to change, CSMs and cost after, the hours given up per segment, "
        "the accounts that move to lower-touch coverage, and the next two best packages.",
    )
    f.add_argument("scenario", type=Path, help="scenario YAML file")
    cap = f.add_mutually_exclusive_group(required=True)
    cap.add_argument("--headcount", type=int, metavar="N", help="total CSMs at most")
    cap.add_argument("--budget", metavar="AMOUNT", help="cost a year at most, e.g. 2100000, 2.1M or 900k")
    f.add_argument("--book", type=Path, help="book of accounts (CSV or .xlsx); overrides the scenario's book")
    f.add_argument("--json", action="store_true", help="print one JSON object instead of sentences and a table")
    f.set_defaults(run=_run_fit)


def _run_compare(args: argparse.Namespace) -> None:
    import json

    from .context import load_context
    from .options import compare, render_comparison

    extras = [load_context(path, args.book) for path in args.more]
    result = compare(_context(args), extras)
    if args.json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2, allow_nan=False, default=str) + "\n")
    else:
        sys.stdout.write(render_comparison(result))


def _run_fit(args: argparse.Namespace) -> None:
    import json

    from .fit import fit, menu_yaml, parse_budget, render_fit

    budget = None if args.budget is None else parse_budget(args.budget)
    result = fit(_context(args), headcount=args.headcount, budget=budget)
    if args.json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2, allow_nan=False, default=str) + "\n")
    else:
        sys.stdout.write(render_fit(result))
    if result.default_menu and not result.nothing_needed:
        note = ("The scenario has no trade_offs: menu, so this default one was used; copy it into the scenario "
                "to edit it:\n\n" + menu_yaml(result.menu))
        print(note, file=sys.stderr if args.json else sys.stdout, end="")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except CapacityError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # `... | head` closed the pipe: not an error
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    return 0
