"""Command line: ``capacity COMMAND ...`` (the console script), also ``python -m capacity COMMAND ...``.

The only place where an exception becomes an exit code: bad input prints one
``error: FILE: WHERE: WHAT`` line on stderr and exits 2, never a traceback.

Every command that reads a scenario takes ``--example`` for the sample shipped with the package
(:mod:`capacity.sample`); ``report`` and ``app`` use it when given no scenario at all.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from capacity import sample
from capacity.views.content import PARAMETERS as REPORT_PARAMETERS
from capacity.exceptions import CapacityError, OutputError
from capacity.files import write_bytes, write_text

EXIT_BAD_INPUT = 2
#: A part of capacity whose optional dependencies are not installed.
EXIT_MISSING_DEPENDENCY = 1

#: The extra of pyproject.toml that installs an optional dependency: `pip install 'capacity[EXTRA]'`.
EXTRA_OF = {
    "scipy": "optimize",
    "sqlalchemy": "db", "psycopg": "db",
    "papermill": "report", "nbconvert": "report", "nbformat": "report", "jupyter_client": "report",
    "ipykernel": "report", "plotly": "report",
    "ipywidgets": "app", "anywidget": "app", "voila": "app",
}

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
minutes and per_month or per_year). A touchpoint may say when it happens (the calendar;
the steady-state plan is the same): at: renewal with offset_days (each account's renewal_date
plus the offset, every year), at: {months: [...]} or {months_of_quarter: [...]} with per_year,
and spread_months on a one_time touchpoint. For the fiscal-year plan: a fiscal_year block (start
YYYY-MM, months, starting_headcount per segment, hiring_lead_time_months, ramp_months,
attrition_per_year, target_utilization, csms_per_manager, manager_loaded_cost_per_year,
salary_increase, size_for: average or peak with dated touchpoints; months up to 60 for several
years, inflation_per_year and index_thresholds) and per segment new_customers_per_month (a number,
one per month, or 12 repeated each year), new_customers_per_month_by_year or
new_customers_growth_per_year, and churn_per_year. A hiring block (recruiters,
hires_per_recruiter_per_month, time_to_fill_months {low, most_likely, high},
hire_ahead_of_attrition, offer_acceptance_rate, funnel) says what recruiting can deliver. A segment with
pool_by: vertical (optionally pool_verticals: [...]) is sized per vertical pool. A pooled
segment with inbound_service (answer_within_minutes,
service_level, max_occupancy) staffs its inbound touchpoints by a service level (Erlang C).
activity_columns and activity_types map an activity log's headers and types (calibrate).
The business case: gross_margin (default 0.8; break-even ARR = CS cost / gross_margin) and
retention_by_coverage ({dedicated, pooled, digital}: your observed share of ARR kept a year)
turn into each segment's break-even and return (plan, report). A touchpoint may list
automation: {name, share, cost_per_year or cost_per_account_per_year, adopted}: software
taking that share of its minutes (of its occurrences for inbound); compare and fit weigh it.
An uncertainty block (draws, seed, new_customers_per_month and
touchpoint_minutes {cv}, churn_per_year, attrition_per_year and hiring_lead_time_months
{low, high}, per segment overrides under segments) is read by fiscal --simulate. A csms: list
(rules per CSM) and a rebalance: block are read by rebalance (see rebalance --help). See the
documentation's scenario file reference (docs/scenario.md).

the sample: --example runs a command on the sample company shipped with capacity (report
and app use it when given no scenario); `capacity sample --out DIR` copies its files to edit.

exit codes: 0 success, 2 bad input (one 'error:' line names the file and the key or row).
examples:
  capacity plan --example
  capacity report                                   # the sample's budget report, into reports/
  capacity app                                      # the start page (sample or your export) on 127.0.0.1:8866
  capacity sample --out my-plan                     # copy the sample to edit it
  capacity plan my-plan/scenario.yaml
  capacity plan my-plan/scenario.yaml --book my-accounts.csv --json
  capacity plan my-plan/scenario.yaml --set 'segments[SMB].coverage=digital'
  capacity report my-plan/scenario.yaml --out reports -p current_headcount 15
  capacity fiscal my-plan/scenario.yaml
  capacity fiscal my-plan/scenario.yaml --csv fy2027-months.csv
  capacity fiscal my-plan/scenario.yaml --simulate 10000 --seed 7 --json
  capacity fiscal my-plan/scenario.yaml --years
  capacity synth --accounts 1000000 --out /tmp/book.csv
  capacity excel my-plan/scenario.yaml --out model.xlsx
  capacity team my-plan/scenario.yaml
  capacity rebalance my-plan/scenario.yaml --add-csm "Jordan Lee:Enterprise" --moves moves.csv
  capacity calibrate my-plan/scenario.yaml --activities my-plan/activities.csv --out as-practised.yaml
  capacity compare my-plan/scenario.yaml
  capacity fit my-plan/scenario.yaml --headcount 15
"""


#: ``--simulate`` without a number: the uncertainty block's own ``draws``.
_BLOCK_DRAWS = object()


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one ``error:`` line and exit 2 like bad files."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"error: {self.prog}: {message} (see --help)\n")


def build_parser(prog: str = "capacity") -> argparse.ArgumentParser:
    """The command line's parser; ``prog`` is how its messages name the program."""
    parser = _Parser(
        prog=prog,
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
        "FTE, headcount and cost; totals; the top-down guideposts; and whether it pays back: the ARR each "
        "segment must keep from churning or add (CS cost / gross_margin) beside its churn, and with "
        "retention_by_coverage the ARR kept per CS dollar. --json carries these under \"payback\".",
    )
    _scenario_argument(p, "scenario YAML file")
    p.add_argument("--book", type=_book_argument, help="book of accounts (CSV, .xlsx, .parquet or a database URL); overrides the scenario's book")
    _database_book_arguments(p)
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--out", type=Path, help="write the output to this file (atomically) instead of stdout")
    _add_set_argument(p)
    p.set_defaults(run=_run_plan)

    r = commands.add_parser(
        "report",
        help="render the budget report: offline HTML and an Excel workbook",
        description="Run the budget report notebook (shipped in the package) with papermill on\n"
        "SCENARIO and write OUT/<scenario>.html (self-contained: opens offline),\n"
        "OUT/<scenario>.xlsx (one sheet per table, inputs on their own sheet), the\n"
        "executed OUT/<scenario>.ipynb and OUT/<scenario>-model.xlsx, a live Excel model\n"
        "(see the excel command).\n"
        "Every input is checked before anything runs; the files are replaced only when\n"
        "all of them are complete, so a failed run leaves the previous report as it was.",
        epilog="parameters (-p NAME VALUE, values read as YAML scalars):\n"
        + "\n".join(f"  {name:<18} {text}" for name, text in REPORT_PARAMETERS.items())
        + "\n\nexamples:\n  capacity report                     # the sample's report\n"
        "  capacity report my-scenario.yaml -p current_headcount 15 -p fiscal_year 2027",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _scenario_argument(r, "scenario YAML file (default: the sample shipped with capacity)", sample_by_default=True)
    r.add_argument("--book", type=_book_argument, help="book of accounts (CSV, .xlsx, .parquet or a database URL); overrides the scenario's book")
    _database_book_arguments(r)
    r.add_argument("--out", type=Path, default=Path("reports"), help="output folder (default: reports)")
    r.add_argument("--notebook", type=Path, default=None,
                   help="run this notebook instead of the package's budget-report.ipynb (same parameters)")
    r.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                   dest="parameters", help="set a report parameter (repeatable)")
    r.set_defaults(run=_run_report)

    f = commands.add_parser(
        "fiscal",
        help="plan the fiscal year month by month: demand, hiring, ramp, attrition, managers, cost",
        description="Print the fiscal-year plan of a scenario with a fiscal_year block: per segment and month "
        "customers, ARR, demand, CSMs, ramped capacity, utilization, requisitions, starts, leavers, managers "
        "and cost; the months summed over segments; the year's summary and warnings. With dated touchpoints "
        "(at, spread_months), each month's demand is the work that falls in it; the calendar's peak months "
        "(FTE above the average month, held within the target or not) and today's book month by month follow, "
        "and --json has them under calendar. A plan longer than a year (months up to 60) adds its years side by "
        "side (--years prints only them); a hiring block adds recruiting month by month and the months it cannot "
        "meet (--json: years, hiring).",
    )
    _scenario_argument(f, "scenario YAML file with a fiscal_year block")
    f.add_argument("--book", type=_book_argument, help="book of accounts (CSV, .xlsx, .parquet or a database URL); overrides the scenario's book")
    _database_book_arguments(f)
    output = f.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    output.add_argument("--csv", type=Path, metavar="OUT", help="write one row per month and segment to OUT (atomically)")
    f.add_argument("--simulate", nargs="?", type=int, const=_BLOCK_DRAWS, default=None, metavar="DRAWS",
                   help="simulate the year DRAWS times (default: the uncertainty block's draws): P10/P50/P90, "
                   "the P90 plan and which input drives the spread")
    f.add_argument("--seed", type=int, default=None, help="with --simulate: the random seed (default: the block's)")
    f.add_argument("--years", action="store_true",
                   help="the plan's years side by side (fiscal_year.months up to 60): customers, ARR and CSMs at each "
                   "year's end, hires, leavers, cost with managers and tooling, cost as a share of ARR, ARR per CSM "
                   "and the year's break-even; with --json a list of years, with --csv one row per year")
    _add_set_argument(f)
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

    x = commands.add_parser(
        "excel",
        help="write a live Excel model: inputs, the method as formulas, a summary",
        description="Write an Excel workbook of the steady-state plan that recalculates itself: an Inputs sheet "
        "with every driver (CSM time and cost, each segment's customers and ARR from the book, touchpoints, "
        "new-customer rates, guideposts), a Calculation sheet with every quantity as a formula on them, a "
        "Summary, and defined names (TotalHeadcount, TotalCostPerYear, CostPctARR, ...) to link to. What "
        "the formulas cannot express for the scenario is said on Summary and in one line on stderr.",
    )
    _scenario_argument(x, "scenario YAML file")
    x.add_argument("--book", type=Path, help="book of accounts (CSV or .xlsx); overrides the scenario's book")
    x.add_argument("--out", type=Path, required=True, help="the .xlsx file to write (atomically)")
    x.set_defaults(run=_run_excel)
    _add_team_commands(commands)
    _add_calibrate(commands)
    _add_init(commands)
    _add_synth_activities(commands)
    _add_options_commands(commands)
    _add_sample_and_app(commands)
    return parser


def _scenario_argument(command: argparse.ArgumentParser, text: str, *, sample_by_default: bool = False) -> None:
    """SCENARIO, or ``--example`` for the sample shipped with the package (see :func:`_resolve_scenario`)."""
    command.add_argument("scenario", type=Path, nargs="?", default=None, help=text)
    command.add_argument("--example", action="store_true",
                         help="run on the sample company shipped with capacity"
                         + (" (the default)" if sample_by_default else " (its scenario, book and activity log)"))
    command.set_defaults(command_parser=command, sample_by_default=sample_by_default)


def _resolve_scenario(args: argparse.Namespace) -> None:
    """Put the scenario a command runs on in ``args.scenario``: the file given, else the sample if asked for.

    A usage error (both, or neither where the sample is not the default) is one line and exit 2.
    """
    command = getattr(args, "command_parser", None)
    if command is None:  # a command without a scenario (synth, sample), or app, which has its own default
        return
    if args.example and args.scenario is not None:
        if args.command == "compare":  # `compare --example other.yaml`: other files beside the sample
            args.more = [args.scenario, *args.more]
        else:
            command.error(f"give a scenario file or --example, not both (got {args.scenario})")
    if args.scenario is None or args.example:
        if not (args.example or args.sample_by_default):
            command.error("give a scenario file, or --example for the sample shipped with capacity")
        args.scenario = sample.SCENARIO


# -- the sample and the app ----------------------------------------------------------------


def _add_sample_and_app(commands) -> None:
    from capacity.apps import app

    s = commands.add_parser(
        "sample",
        help="copy the sample company's files (scenario, book, activity log) into a folder, to edit",
        description="Copy the sample shipped with capacity into OUT: scenario.yaml (its book: book.csv, beside it), "
        "scenario-healthcare-pool.yaml, book.csv, activities.csv and README.md (how they were made). A file that is "
        "already there is never overwritten: the command stops before copying anything.",
    )
    s.add_argument("--out", type=Path, required=True, help="the folder to copy into (created if missing)")
    s.set_defaults(run=_run_sample)

    a = commands.add_parser("app", help="serve the what-if workbook as a web app (Voila) and print its URL",
                            description=app.DESCRIPTION + " Ctrl-C stops it.")
    app.add_arguments(a)
    a.set_defaults(run=app.serve)


def _run_sample(args: argparse.Namespace) -> None:
    targets = [(source, args.out / source.name) for source in sample.FILES]
    if args.out.exists() and not args.out.is_dir():
        raise OutputError("exists and is not a folder", file=args.out, where="--out")
    for _, target in targets:
        if target.exists():
            raise OutputError("already exists; the sample never overwrites a file (choose another --out)", file=target)
    for source, target in targets:
        write_bytes(target, source.read_bytes())
    print(f"wrote the sample to {_shown(args.out)}: " + ", ".join(target.name for _, target in targets),
          file=sys.stderr)
    print(_shown(args.out / sample.SCENARIO.name))


def _book_argument(value: str) -> str | Path:
    """A database URL stays text (a path would fold its "//"); anything else is a file."""
    from capacity.inputs.sources import looks_like_url

    return value if looks_like_url(value) else Path(value)


def _database_book_arguments(command: argparse.ArgumentParser) -> None:
    which = command.add_mutually_exclusive_group()
    which.add_argument("--book-table", metavar="TABLE", help="with --book URL: read the book from this table")
    which.add_argument("--book-query", metavar="SQL", help="with --book URL: read the book from this SELECT")


def _book_source(args: argparse.Namespace):
    """The book the command line names (a file, or a database table or query), or None."""
    from capacity.inputs.sources import book_from_arguments

    return book_from_arguments(args.book, getattr(args, "book_table", None), getattr(args, "book_query", None))


def _run_excel(args: argparse.Namespace) -> None:
    from capacity.views.excel import write_model
    from capacity.exceptions import OutputError

    if not args.out.is_dir() and args.out.suffix.lower() != ".xlsx":
        raise OutputError("the model is an Excel workbook; give a file name ending in .xlsx", file=args.out,
                          where="--out")
    model = write_model(_context(args), path=args.out)
    if model.limitations:
        print(f"warning: {args.out}: " + "; ".join(model.limitations) + " (see the note on its Summary sheet)",
              file=sys.stderr)
    print(_shown(model.path))


# -- today's team and its rebalance ---------------------------------------------------------


def _add_team_commands(commands) -> None:
    t = commands.add_parser(
        "team",
        help="today's team: each CSM's book against capacity and the target utilization",
        description="Per CSM (the book's csm column): segments, accounts, ARR, the hours a month their accounts "
        "need (the plan's hours per customer), their customer hours and utilization; over- and under-loaded CSMs "
        "against the fiscal year's target utilization (or 85%); accounts with no owner; owners of accounts in a "
        "digital segment. A pooled segment is one team. With renewal dates in the book, each CSM's renewals per "
        "quarter (accounts and ARR) and, with dated touchpoints, their busiest month against capacity.",
    )
    _scenario_argument(t, "scenario YAML file")
    t.add_argument("--book", type=Path, help="book of accounts with a csm column; overrides the scenario's book")
    t.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    t.set_defaults(run=_run_team)

    b = commands.add_parser(
        "rebalance",
        help="book building: the moves that bring every CSM into a utilization band and balance the books",
        description="Rebuild today's books. Three objectives in order, each an integer program (scipy's milp,\n"
        "HiGHS) solved under the ones before it, and each stated in the output with its value and bound:\n"
        "  1. every CSM within [min, max] utilization; where no assignment fits, the smallest worst\n"
        "     overload, and how many CSMs the band needs;\n"
        "  2. the least move cost (weighted: 1 + the account's ARR over its segment's average; or\n"
        "     accounts, arr, hours);\n"
        "  3. the most even hours, ARR, renewals per quarter (renewal_date) and at-risk accounts (health)\n"
        "     across each segment's CSMs, spending at most --move-tolerance more move cost.\n"
        "Nothing moves that is locked (a locked column: true, yes or 1) or renews within --freeze-days of\n"
        "--as-of; a parent_account_id hierarchy moves whole or not at all. Accounts move only between CSMs\n"
        "who serve their segment (and vertical pool), as the scenario's csms: rules allow; accounts without\n"
        "an owner are assigned; a leaver's book is handed over; a new hire's accounts arrive as they ramp.\n"
        "Prints the moves with a reason and an effective day each, every CSM before and after (hours,\n"
        "utilization, ARR, renewals per quarter, at-risk) and the balance before and after.",
        epilog="scenario keys (all optional; flags override them):\n"
        "  rebalance: {min_utilization, max_utilization, move_cost, freeze_days (90), as_of (today),\n"
        "              overload_tolerance (0), move_tolerance (0.1), balance: {hours, arr, renewals,\n"
        "              at_risk} (1 each), at_risk: [Red], keep_verticals, time_limit (60)}\n"
        "  csms: one entry per CSM: {name, segments, verticals, max_accounts, start, leave, ramp_months}\n"
        "\nexamples:\n"
        "  capacity rebalance --example\n"
        "  capacity rebalance --example --as-of 2027-02-01 --moves moves.csv\n"
        "  capacity rebalance --example --add-csm \"Jordan Lee:Enterprise\" --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _scenario_argument(b, "scenario YAML file")
    b.add_argument("--book", type=Path, help="book of accounts with a csm column; overrides the scenario's book")
    b.add_argument("--min-utilization", type=float, default=None, metavar="X",
                   help="lowest utilization (default: rebalance.min_utilization, else 0)")
    b.add_argument("--max-utilization", type=float, default=None, metavar="Y",
                   help="highest utilization (default: rebalance.max_utilization, else the fiscal year's target, "
                   "else 0.85)")
    b.add_argument("--move-cost", choices=["weighted", "accounts", "arr", "hours"], default=None,
                   help="what a move costs (default weighted: 1 + the account's ARR over its segment's average)")
    b.add_argument("--add-csm", action="append", default=[], metavar="NAME:SEGMENT",
                   help="a new CSM with an empty book in SEGMENT (repeatable); csms: in the scenario says more")
    b.add_argument("--keep-verticals", action="store_true", default=None,
                   help="move accounts only to CSMs who already own accounts of their vertical in the segment")
    b.add_argument("--as-of", metavar="YYYY-MM-DD", default=None,
                   help="the day the plan is made: the freeze window and effective dates count from it "
                   "(default: rebalance.as_of, else today)")
    b.add_argument("--freeze-days", type=int, default=None, metavar="N",
                   help="accounts renewing within N days of --as-of do not move (default: rebalance.freeze_days, "
                   "else 90)")
    b.add_argument("--overload-tolerance", type=float, default=None, metavar="P",
                   help="points of utilization (0.02 for 2) the worst overload may give up to save moves (default 0)")
    b.add_argument("--move-tolerance", type=float, default=None, metavar="S",
                   help="share of the least move cost the balance may add (default 0.1)")
    b.add_argument("--time-limit", type=float, default=None, metavar="S",
                   help="seconds the three stages may take (default: rebalance.time_limit, else 60)")
    b.add_argument("--moves", type=Path, metavar="CSV",
                   help="write the moves for a CRM import (account_id, account_name, from_csm, to_csm, reason, "
                   "effective_date), atomically")
    b.add_argument("--out", type=Path, dest="moves_out", help=argparse.SUPPRESS)  # the former name of --moves
    b.add_argument("--out-book", type=Path, help="write the book with the new owners as CSV here (atomically)")
    b.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    _add_set_argument(b)
    b.set_defaults(run=_run_rebalance)


def _run_team(args: argparse.Namespace) -> None:
    from capacity.analysis.team import book_of, team
    from capacity.views.text import render_team

    context = _context(args)
    result = team(context.scenario, book_of(context.scenario, context.book))
    sys.stdout.write(result.to_json() + "\n" if args.json else render_team(result))


def _run_rebalance(args: argparse.Namespace) -> None:
    from capacity.analysis.rebalance import rebalance, write_book, write_moves
    from capacity.analysis.team import book_of
    from capacity.views.text import render_rebalance

    if args.moves is not None and args.moves_out is not None:
        raise CapacityError("give the move list's file once (--out is the former name of --moves)", where="--moves")
    moves_path = args.moves if args.moves is not None else args.moves_out
    context = _context(args)
    scenario = context.scenario
    book = book_of(scenario, context.book)
    result = rebalance(scenario, book, min_utilization=args.min_utilization, max_utilization=args.max_utilization,
                       move_cost=args.move_cost, add_csms=args.add_csm, keep_verticals=args.keep_verticals,
                       time_limit=args.time_limit, freeze_days=args.freeze_days, as_of=args.as_of,
                       overload_tolerance=args.overload_tolerance, move_tolerance=args.move_tolerance)
    if moves_path is not None:
        write_moves(result, moves_path)
        print(f"wrote {len(result.moves)} moves to {moves_path}", file=sys.stderr)
    if args.out_book is not None:
        write_book(book, result, args.out_book)
        print(f"wrote the book with its new owners to {args.out_book}", file=sys.stderr)
    sys.stdout.write(result.to_json() + "\n" if args.json else render_rebalance(result))


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        write_text(out, text)


def _add_set_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set", action="append", default=[], metavar="PATH=VALUE", dest="changes",
        help="change one input of the scenario for this run (repeatable), e.g. "
             "--set 'segments[SMB].coverage=digital' --set 'segments[Enterprise].touchpoints[0].per_month=2'; "
             "VALUE is read as YAML (a number, text, a list)",
    )


def parse_changes(pairs: list[str]) -> dict:
    """``PATH=VALUE`` texts to a changes mapping for :meth:`~capacity.inputs.scenario.Scenario.with_changes`
    (values read as YAML scalars).

    Raises
    ------
    CapacityError
        For a text without ``=`` or a path given twice, naming it.
    """
    import yaml

    changes: dict = {}
    for text in pairs:
        path, sep, value = text.partition("=")
        path = path.strip()
        if not sep or not path:
            raise CapacityError(f"expected PATH=VALUE, e.g. csm.customer_time_share=0.6 (got {text!r})", where="--set")
        if path in changes:
            raise CapacityError("given twice", where=f"--set {path}")
        try:
            changes[path] = yaml.safe_load(value) if value.strip() else None
        except yaml.YAMLError:
            changes[path] = value
    return changes


def _context(args: argparse.Namespace, *, lean: bool = False):
    """The scenario and book a command names (SCENARIO and --book, a file or a database), loaded once, with any
    --set changes. ``lean`` reads only the book's columns a plan uses (see :func:`capacity.inputs.context.load_context`)."""
    from capacity.inputs.context import load_context

    context = load_context(args.scenario, _book_source(args), lean=lean)
    changes = parse_changes(getattr(args, "changes", []))
    return context.with_changes(changes) if changes else context


def _run_plan(args: argparse.Namespace) -> None:
    from capacity.model.plan import plan
    from capacity.views.text import render_plan

    result = plan(_context(args, lean=True))
    _emit(result.to_json() + "\n" if args.json else render_plan(result), args.out)


def _run_report(args: argparse.Namespace) -> None:
    from capacity.apps.report import echo_to_stderr, parse_parameters, render

    parameters = parse_parameters(args.parameters)
    options = {} if args.notebook is None else {"notebook": args.notebook}
    rendered = render(args.scenario, book=_book_source(args), out_dir=args.out, parameters=parameters, echo=echo_to_stderr,
                      progress_bar=sys.stderr.isatty(), **options)
    for path in (rendered.html, rendered.workbook, rendered.notebook, rendered.model):
        print(_shown(path))


def _shown(path: Path) -> str:
    """``path`` relative to the working folder when it is inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _run_fiscal(args: argparse.Namespace) -> None:
    from capacity.model.fiscal import fiscal_plan
    from capacity.views.text import render_fiscal

    if args.simulate is not None or args.seed is not None:
        if args.years:
            raise CapacityError("shows the plan's years; the simulation's ranges are for the whole plan (leave out one "
                                "of --years and --simulate)", where="--years")
        return _run_simulate(args)
    result = fiscal_plan(_context(args, lean=True))
    if args.years:
        return _print_years(args, result)
    if args.csv is not None:
        write_text(args.csv, result.to_frame().to_csv(index=False))
        print(f"wrote {len(result.rows)} rows ({len(result.months)} months x {len(result.segments)} segments) "
              f"to {args.csv}", file=sys.stderr)
    elif args.json:
        sys.stdout.write(result.to_json() + "\n")
    else:
        sys.stdout.write(render_fiscal(result))


def _print_years(args: argparse.Namespace, result) -> None:
    """``fiscal --years``: the years as a table, a JSON list or CSV rows."""
    import json

    from capacity.views.text import render_years

    if args.csv is not None:
        write_text(args.csv, result.years_frame().to_csv(index=False))
        print(f"wrote {len(result.years)} years to {args.csv}", file=sys.stderr)
    elif args.json:
        sys.stdout.write(json.dumps([y.to_dict() for y in result.years], indent=2, allow_nan=False) + "\n")
    else:
        sys.stdout.write(render_years(result))


def _run_simulate(args: argparse.Namespace) -> None:
    from capacity.analysis.simulate import simulate

    if args.simulate is None:
        raise CapacityError("needs --simulate (the seed of which simulation?)", where="--seed")
    draws = None if args.simulate is _BLOCK_DRAWS else args.simulate
    if draws is not None and not 1 <= draws <= 1_000_000:
        raise CapacityError(f"DRAWS must be from 1 to 1,000,000 (got {args.simulate})", where="--simulate")
    if args.seed is not None and args.seed < 0:
        raise CapacityError(f"must be 0 or more (got {args.seed})", where="--seed")
    context = _context(args, lean=True)
    result = simulate(context, draws=draws, seed=args.seed)
    if args.csv is not None:
        write_text(args.csv, result.to_frame().to_csv(index=False))
        print(f"wrote {len(result.months)} months of P10/P50/P90 to {args.csv}", file=sys.stderr)
    elif args.json:
        sys.stdout.write(result.to_json() + "\n")
    else:
        from capacity.views.text import render_simulation

        sys.stdout.write(render_simulation(result))


def _run_synth(args: argparse.Namespace) -> None:
    from capacity.inputs.synth import write_synthetic_book

    if args.accounts < 1:
        raise CapacityError(f"must be at least 1 (got {args.accounts})", where="--accounts")
    path = write_synthetic_book(args.out, args.accounts, args.seed)
    print(f"wrote {args.accounts:,} accounts to {path}", file=sys.stderr)


# -- calibrate: designed versus actual from an activity log -------------------------------


def _add_calibrate(commands) -> None:
    c = commands.add_parser(
        "calibrate",
        help="compare each touchpoint's planned frequency and minutes with logged activity",
        description="Read an activity log (account_id, touchpoint, date, minutes, optional csm; CSV or .xlsx) and "
        "print per segment and touchpoint the planned and observed frequency and minutes (median, interquartile "
        "range) over the window, logged hours against planned, activities that match no touchpoint, touchpoints "
        "nobody logs and accounts not in the book. --out writes the scenario with the observed values in place "
        "of the planned ones (the plan as practised).",
        epilog="the scenario may map the log's headers (activity_columns: {minutes: Duration (min)}) and its "
        "activity types (activity_types: {QBR: Business review}); types otherwise match touchpoint names "
        "ignoring case and spaces.\n\nexamples:\n  capacity calibrate --example          # the sample and its log\n"
        "  capacity calibrate my-scenario.yaml --activities my-log.csv --out calibrated.yaml",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _scenario_argument(c, "scenario YAML file")
    c.add_argument("--activities", type=Path, metavar="LOG",
                   help="activity log (CSV or .xlsx); required but with --example, whose default is the sample's log")
    c.add_argument("--book", type=Path, help="book of accounts (CSV or .xlsx); overrides the scenario's book")
    c.add_argument("--from", dest="start", metavar="DATE", help="first day counted, YYYY-MM-DD or YYYY-MM "
                   "(default: the first day of the log's first month)")
    c.add_argument("--until", dest="end", metavar="DATE", help="last day counted, YYYY-MM-DD or YYYY-MM "
                   "(default: the last day of the log's last month)")
    c.add_argument("--out", type=Path, help="write the calibrated scenario YAML here (atomically)")
    c.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    c.set_defaults(run=_run_calibrate)


def _run_calibrate(args: argparse.Namespace) -> None:
    from capacity.inputs.book import load_book
    from capacity.analysis.calibrate import calibrate, write_calibrated
    from capacity.inputs.scenario import load_scenario

    activities = args.activities
    if activities is None:
        if not args.example:
            args.command_parser.error("the following argument is required: --activities")
        activities = sample.ACTIVITIES
    scenario = load_scenario(args.scenario)
    book = None if args.book is None else load_book(args.book, currency=scenario.currency, fx_rates=scenario.fx_rates,
                                                    sheet=scenario.book_sheet)
    result = calibrate(scenario, activities, book, start=args.start, end=args.end)
    if args.out is not None:
        write_calibrated(args.scenario, result, args.out, book=args.book)
        print(f"wrote the calibrated scenario to {args.out}", file=sys.stderr)
    from capacity.views.text import render_calibration

    sys.stdout.write(result.to_json() + "\n" if args.json else render_calibration(result))


def _add_synth_activities(commands) -> None:
    a = commands.add_parser(
        "synth-activities",
        help="write a seeded synthetic activity log of a scenario's book",
        description="Write a reproducible activity log (Account ID, Activity Type, Date, Duration (min), Owner) of "
        "the scenario's book, as the sample company practises its touchpoints (capacity.analysis.activity_synth). The "
        "sample's log: capacity synth-activities --example --out activities.csv",
    )
    _scenario_argument(a, "scenario YAML file with a book")
    a.add_argument("--book", type=Path, help="book of accounts (CSV or .xlsx); overrides the scenario's book")
    a.add_argument("--start", default="2026-02", help="first month, YYYY-MM (default 2026-02)")
    a.add_argument("--months", type=int, default=12, help="months the log covers (default 12)")
    a.add_argument("--seed", type=int, default=2027, help="random seed (default 2027)")
    a.add_argument("--as-designed", action="store_true",
                   help="log the touchpoints as designed, not as the sample company practises them")
    a.add_argument("--out", type=Path, required=True, help="CSV file to write (atomically)")
    a.set_defaults(run=_run_synth_activities)


def _run_synth_activities(args: argparse.Namespace) -> None:
    import re

    from capacity.analysis.activity_synth import DEFAULT_HEADERS, DEFAULT_PRACTICE, DEFAULT_UNMATCHED, write_synthetic_activities

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", args.start):
        raise CapacityError(f"give a month as YYYY-MM (got {args.start!r})", where="--start")
    if not 1 <= args.months <= 120:
        raise CapacityError(f"must be 1 to 120 (got {args.months})", where="--months")
    designed = args.as_designed
    path = write_synthetic_activities(
        args.out, args.scenario, args.book, start=args.start, months=args.months, seed=args.seed,
        practice=None if designed else DEFAULT_PRACTICE, unmatched=None if designed else DEFAULT_UNMATCHED,
        orphan_accounts=0 if designed else 4, headers=DEFAULT_HEADERS,
    )
    print(f"wrote the activity log to {path}", file=sys.stderr)


# -- options side by side, and what a cap buys ---------------------------------------------


def _add_options_commands(commands) -> None:
    c = commands.add_parser(
        "compare",
        help="the plan beside each of the scenario's options and automations (and other scenario files)",
        description="Print the baseline plan and each option of the scenario's options: list applied alone, "
        "each automation a touchpoint lists adopted alone, and the plan of each further scenario file, side by "
        "side: CSMs, cost, cost %% of ARR, ARR per CSM, tooling, the saving a year net of tooling, customers per "
        "CSM and hours per customer a month per segment, and the change from the baseline. For each automation: "
        "the CSM hours it takes over, the CSMs and cost it saves net of tooling, and what it is worth (the "
        "break-even tooling price: the FTE it takes over at a CSM's loaded cost).",
    )
    _scenario_argument(c, "scenario YAML file (its options: list)")
    c.add_argument("more", type=Path, nargs="*", metavar="MORE.yaml", help="other scenario files to set beside it")
    c.add_argument("--book", type=Path, help="book of accounts (CSV or .xlsx) for every scenario, instead of their own")
    c.add_argument("--json", action="store_true", help='print {"options": [{"name", "changes", ...plan keys}]}')
    c.set_defaults(run=_run_compare)

    f = commands.add_parser(
        "fit",
        help="the trade-offs that fit a headcount or budget cap, giving up the fewest customer hours",
        description="Choose from the scenario's trade_offs: menu (else a default menu, printed to copy and edit) "
        "and its automations the combination that fits the cap and gives up the fewest customer hours a month "
        "(an automation gives up none; a budget counts its tooling); ties go to fewer "
        "trade-offs, then lower cost. Prints what to change, CSMs and cost after, the hours given up per segment, "
        "the accounts that move to lower-touch coverage, and the next two best packages.",
    )
    _scenario_argument(f, "scenario YAML file")
    cap = f.add_mutually_exclusive_group(required=True)
    cap.add_argument("--headcount", type=int, metavar="N", help="total CSMs at most")
    cap.add_argument("--budget", metavar="AMOUNT",
                     help="cost a year at most, tooling included, e.g. 2100000, 2.1M or 900k")
    f.add_argument("--book", type=Path, help="book of accounts (CSV or .xlsx); overrides the scenario's book")
    f.add_argument("--json", action="store_true", help="print one JSON object instead of sentences and a table")
    f.set_defaults(run=_run_fit)


def _run_compare(args: argparse.Namespace) -> None:
    import json

    from capacity.inputs.context import load_context
    from capacity.analysis.options import compare
    from capacity.views.text import render_comparison

    base = _context(args)
    # A --book given is loaded once and used by every scenario; otherwise each reads its own book.
    extras = [load_context(path, base.book if args.book is not None else None) for path in args.more]
    result = compare(base, extras)
    if args.json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2, allow_nan=False, default=str) + "\n")
    else:
        sys.stdout.write(render_comparison(result))


def _run_fit(args: argparse.Namespace) -> None:
    import json

    from capacity.analysis.fit import fit, menu_yaml, parse_budget
    from capacity.views.text import render_fit

    budget = None if args.budget is None else parse_budget(args.budget)
    result = fit(_context(args), headcount=args.headcount, budget=budget)
    if args.json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2, allow_nan=False, default=str) + "\n")
    else:
        sys.stdout.write(render_fit(result))
    if result.default_menu and not result.nothing_needed:
        note = ("The scenario has no trade_offs: menu, so this default one was used; copy it into the scenario "
                "to edit it:\n\n" + menu_yaml(result.trade_offs))
        print(note, file=sys.stderr if args.json else sys.stdout, end="")


# -- init: a starting scenario from a CRM export ------------------------------------------------


def _add_init(commands) -> None:
    i = commands.add_parser(
        "init",
        help="write a starting scenario from a CRM export (its columns recognised, tiers and touchpoints proposed)",
        description="Read a CRM export (CSV, .xlsx, .parquet or a database table), recognise its columns from the "
        "headers of Salesforce, HubSpot, Gainsight, Dynamics 365, Pipedrive, Zoho, ChurnZero, Planhat, Vitally and "
        "plain spreadsheets, propose tiers from its ARR (round thresholds, a coverage per tier) with a starting "
        "library of touchpoints that cite their sources, write the scenario with every line commented, and print "
        "what was recognised, what was set aside, and the plan. A header that could be read two ways is asked, not "
        "guessed: name it with --map.",
        epilog="examples:\n  capacity init accounts.csv --out my-scenario.yaml\n"
        "  capacity init hubspot-companies.csv --map arr=\"Annual recurring revenue\" --currency EUR\n"
        "  capacity init report.xlsx --sheet EMEA --out emea.yaml",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    i.add_argument("export", type=_book_argument, help="the export: CSV, .xlsx, .parquet, or a database URL")
    which = i.add_mutually_exclusive_group()
    which.add_argument("--book-table", metavar="TABLE", help="with a database URL: read the accounts from this table")
    which.add_argument("--book-query", metavar="SQL", help="with a database URL: read the accounts from this SELECT")
    i.add_argument("--out", type=Path, default=Path("my-scenario.yaml"),
                   help="the scenario to write (default: my-scenario.yaml; an existing file is kept)")
    i.add_argument("--force", action="store_true", help="replace --out if it exists")
    i.add_argument("--currency", default="USD", help="the export's currency and the scenario's (default USD)")
    i.add_argument("--map", action="append", default=[], metavar="COLUMN=HEADER",
                   help="read COLUMN (account_id, arr, name, vertical, renewal_date, csm, health, ...) from the "
                   "export's HEADER; an empty HEADER leaves an optional column unread; repeatable")
    i.add_argument("--sheet", help="the workbook's sheet the accounts are on (written as book_sheet)")
    i.add_argument("--fx", action="append", default=[], metavar="CODE=RATE",
                   help="convert ARR in currency CODE at RATE units of --currency per unit (EUR=1.08), for an "
                   "export with a currency column; written as fx_rates; repeatable")
    i.add_argument("--json", action="store_true", help="print one JSON object (recognised columns, tiers, plan)")
    i.set_defaults(run=_run_init)


def _map_arguments(values: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        name, sep, header = value.partition("=")
        if not sep or not name.strip():
            raise CapacityError(f"must be COLUMN=HEADER, e.g. arr=\"Total ARR\" (got {value!r})", where="--map")
        out[name.strip()] = header.strip()
    return out


def _fx_arguments(values: list[str]) -> dict[str, float] | None:
    out: dict[str, float] = {}
    for value in values:
        code, sep, rate = value.partition("=")
        code = code.strip()
        try:
            number = float(rate)
        except ValueError:
            number = float("nan")
        if not sep or len(code) != 3 or not code.isalpha() or not code.isupper() or not number > 0 \
                or number == float("inf"):
            raise CapacityError(f"must be CODE=RATE, a three-letter code in capitals and the units of --currency per "
                                f"unit of it, e.g. EUR=1.08 (got {value!r})", where="--fx")
        out[code] = number
    return out or None


def _run_init(args: argparse.Namespace) -> None:
    import json

    from capacity.apps.init import refuse_existing, start, write_scenario
    from capacity.exceptions import CurrencyRatesError
    from capacity.inputs.book.currencies import missing_rates
    from capacity.inputs.context import Context
    from capacity.inputs.scenario import load_scenario
    from capacity.model.plan import plan
    from capacity.views.text import render_init

    from capacity.inputs.sources import book_from_arguments, is_database_book

    export = book_from_arguments(args.export, args.book_table, args.book_query)
    overrides, fx_rates = _map_arguments(args.map), _fx_arguments(args.fx)
    refuse_existing(args.out, force=args.force)
    try:
        begun = start(export, overrides, currency=args.currency, sheet=args.sheet, fx_rates=fx_rates, lean=True)
    except CurrencyRatesError as exc:  # no scenario yet: the rates are options
        raise CapacityError(missing_rates(exc.counts, exc.currency, exc.missing, options=True), file=exc.file,
                            where=exc.where) from None
    path = write_scenario(begun, args.out, force=args.force)
    # The plan printed is the plan of the file written, on the book start read with the file's book_columns,
    # currency, fx_rates and book_sheet (read once: tests/apps/test_init.py checks it is `capacity plan`'s).
    result = begun.plan() if is_database_book(export) else plan(Context(load_scenario(path), begun.book))
    if args.json:
        sys.stdout.write(json.dumps({"scenario": str(path), "recognised": begun.recognition.to_dict(),
                                     "segments": [s.to_dict() | {"accounts": s.accounts, "arr": s.arr}
                                                  for s in begun.segments],
                                     "plan": result.to_dict()}, indent=2, allow_nan=False, default=str) + "\n")
    else:
        sys.stdout.write(render_init(begun, path, result))


class _NoteHandler(logging.Handler):
    """Prints a book's notes (:data:`capacity.inputs.book.load.NOTES`) as ``note: FILE: NOTE`` on the stderr of the
    moment (a test may have redirected it)."""

    def emit(self, record: logging.LogRecord) -> None:
        print(f"note: {record.getMessage()}", file=sys.stderr)


def main(argv: list[str] | None = None, prog: str = "capacity") -> int:
    """Run the command line; returns the exit code (``prog``: how messages name the program)."""
    notes = logging.getLogger("capacity.book")  # named, not imported: the command line starts without pyarrow
    handler, level = _NoteHandler(), notes.level
    notes.addHandler(handler)
    notes.setLevel(logging.INFO)
    try:
        return _main(argv, prog)
    finally:  # a program that called main prints no notes of its own books
        notes.removeHandler(handler)
        notes.setLevel(level)


def _main(argv: list[str] | None, prog: str) -> int:
    args = build_parser(prog).parse_args(argv)
    _resolve_scenario(args)
    try:
        code = args.run(args)
    except CapacityError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").partition(".")[0]
        if missing not in EXTRA_OF:
            raise
        extra = "app" if args.command == "app" else EXTRA_OF[missing]
        print(f"error: capacity {args.command} needs {missing}, which is not installed: "
              f"pip install 'capacity[{extra}]'", file=sys.stderr)
        return EXIT_MISSING_DEPENDENCY
    except BrokenPipeError:  # `... | head` closed the pipe: not an error
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    return code or 0
