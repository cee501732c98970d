"""One person's start page: an export uploaded, its columns and tiers as they edit them, the files they take away.

The app's start page (``capacity app`` without a scenario; :mod:`capacity.views.start_page` draws it)
holds a :class:`Session`. Voila starts one kernel per page load, so each browser tab gets its own
session, and each session its own temporary folder (under the app's, ``$CAPACITY_SESSIONS_DIR``, which
``capacity app`` removes when it stops; each folder is also removed when its kernel ends). The upload,
the scenario, the report and the Excel model are written there and nowhere else.

Every step is the shared flow of ``capacity init`` (:mod:`capacity.apps.init`): the export's header is read,
its columns recognised (or named by the person: :meth:`Session.remap`), the book loaded and tiers proposed
(:func:`~capacity.apps.init.start`); an edit of a tier or a touchpoint is :func:`~capacity.apps.init.with_segments`.
An edit is kept only if the scenario it leads to loads and plans: otherwise it raises the one-line error and the
session stays as it was. The plan shown is the plan of the scenario text the download button saves
(:meth:`~capacity.apps.init.Start.scenario`), so ``capacity plan`` on the downloaded file gives the same plan.

Errors are :class:`~capacity.exceptions.CapacityError`; :meth:`Session.line` words one as the command line
prints it (``error: FILE: WHERE: WHAT``), naming the file as the person named it.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import weakref
from dataclasses import replace
from pathlib import Path

import numpy as np

from capacity.apps.init import Start, start, with_segments, write_scenario
from capacity.exceptions import BookError, CapacityError, CurrencyRatesError, ReportError, ScenarioError
from capacity.files import write_bytes
from capacity.inputs.starter import ProposedSegment, SegmentDraft, TouchpointDraft, drafts, nice_amount

__all__ = ["Session", "fx_rates_of", "UPLOAD_LIMIT_MB", "UPLOAD_LIMIT_BYTES", "EXPORT_TYPES", "SESSIONS_VARIABLE", "KINDS",
           "UNITS", "open_start_page"]

#: The largest export the page takes [MB]; the command line (``capacity init``) has no limit.
UPLOAD_LIMIT_MB = 200
UPLOAD_LIMIT_BYTES = UPLOAD_LIMIT_MB * 1024 * 1024
#: What the file dialog offers.
EXPORT_TYPES = (".csv", ".xlsx")
#: The folder under which each page's session folder is made (``capacity app`` sets it).
SESSIONS_VARIABLE = "CAPACITY_SESSIONS_DIR"
#: The kinds of touchpoint, as a scenario names them.
KINDS = ("recurring", "one_time", "inbound", "program")
#: How a frequency is given: a touchpoint's ``per_month`` or ``per_year``.
UNITS = ("per_month", "per_year")
#: A new touchpoint, before the person says what it is.
NEW_TOUCHPOINT = TouchpointDraft("New touchpoint", "recurring", 30.0, per_month=1.0)
#: How long the budget report may take [s].
REPORT_TIMEOUT = 600


class Session:
    """An export and the starting scenario a person builds from it, in a folder of its own.

    Parameters
    ----------
    folder : path, optional
        Where the session's files go (created if missing; kept when given). By default a new temporary
        folder under ``$CAPACITY_SESSIONS_DIR`` (or the system's), removed when the session is.

    Attributes
    ----------
    folder : Path
    export : Path or None
        The uploaded export, in ``folder``.
    header : tuple of str
        Its header row (empty before an upload, or when the upload is not a book).
    overrides : dict
        The columns the person named: canonical name to header ("" leaves an optional column unread).
    currency : str
    sheets : tuple of str
        The sheets of an uploaded workbook (empty for a CSV file).
    sheet : str or None
        The sheet the accounts are read from (None: the one capacity finds, as ``capacity init`` without ``--sheet``).
    fx_rates : dict
        Units of ``currency`` per unit of each other currency of the export's currency column (``--fx``).
    start : Start or None
        The export read and the tiers as edited; None before an upload or while its columns are refused.
    """

    #: What the page states and its file dialog offers.
    upload_limit_mb = UPLOAD_LIMIT_MB
    upload_limit_bytes = UPLOAD_LIMIT_BYTES
    export_types = EXPORT_TYPES
    kinds = KINDS
    units = UNITS

    def __init__(self, folder: str | Path | None = None):
        if folder is None:
            root = os.environ.get(SESSIONS_VARIABLE) or None
            if root:
                Path(root).mkdir(parents=True, exist_ok=True)
            self.folder = Path(tempfile.mkdtemp(prefix="session-", dir=root)).resolve()
            self._cleanup = weakref.finalize(self, shutil.rmtree, str(self.folder), ignore_errors=True)
        else:
            self.folder = Path(folder).resolve()
            self.folder.mkdir(parents=True, exist_ok=True)
            self._cleanup = None
        self.export: Path | None = None
        self.header: tuple[str, ...] = ()
        self.overrides: dict[str, str] = {}
        self.currency = "USD"
        self.sheets: tuple[str, ...] = ()
        self.sheet: str | None = None
        self.fx_rates: dict[str, float] = {}
        self.start: Start | None = None
        self._bench = None
        self._written: set[Path] = set()  # the files taken away so far: an upload of another export removes them

    def _forget_files(self) -> None:
        for path in self._written:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        self._written = set()

    def close(self) -> None:
        """Remove the session's folder (a folder given to the session is kept)."""
        if self._cleanup is not None:
            self._cleanup()

    # -- what the page shows -------------------------------------------------------------

    @property
    def bench(self):
        """The :class:`~capacity.analysis.whatif.Workbench` of the current scenario and book (its plan, its book chart)."""
        return self._bench

    @property
    def plan(self):
        """The plan of the current scenario on the export's accounts (None without one)."""
        return None if self._bench is None else self._bench.base_plan

    @property
    def notes(self) -> tuple[str, ...]:
        """What the book reader set aside (report footers, title blocks), one line each."""
        return tuple(str(note) for note in getattr(self.start.book, "notes", ())) if self.start else ()

    def line(self, exc: CapacityError) -> str:
        """The error as ``capacity init`` prints it when run beside the export: files named as the person named them."""
        return "error: " + str(exc).replace(f"{self.folder}{os.sep}", "")

    @staticmethod
    def too_large(name: str, size: int) -> BookError:
        """The error of an upload over :data:`UPLOAD_LIMIT_MB`."""
        return BookError(f"{size / 1024 / 1024:,.0f} MB is more than the app takes ({UPLOAD_LIMIT_MB} MB); "
                         f"run `capacity init {name}` on the command line, which reads an export of any size",
                         file=name)

    # -- the export ----------------------------------------------------------------------

    def upload(self, name: str, content: bytes) -> None:
        """Take an uploaded export: write it into the folder, read its header, recognise it, propose tiers.

        Raises
        ------
        CapacityError
            When the file is too large or not a book (``header`` is then empty), or when its columns are
            refused or its accounts fail the book's checks (``header`` is read: :meth:`remap` can settle it).
        """
        from capacity.inputs.book.layout import export_header

        file_name = _file_name(name)
        if len(content) > UPLOAD_LIMIT_BYTES:
            raise self.too_large(file_name, len(content))
        previous = self.export
        self._forget_files()
        self.export, self.header, self.overrides, self.start, self._bench = None, (), {}, None, None
        self.sheets, self.sheet, self.fx_rates = (), None, {}
        path = self.folder / file_name
        if previous is not None and previous != path:
            previous.unlink(missing_ok=True)
        write_bytes(path, content)
        try:
            header = tuple(export_header(path))
            sheets = _sheet_names(path)
        except CapacityError:
            path.unlink(missing_ok=True)
            raise
        self.export, self.header, self.sheets = path, header, sheets
        self._begin()

    def remap(self, column: str, header: str | None) -> None:
        """Read ``column`` from ``header`` ("" leaves an optional column unread; None lets capacity recognise it).

        The export is read again and its tiers proposed again (as ``capacity init --map column=header``).
        """
        overrides = {k: v for k, v in self.overrides.items() if k != column}
        if header is not None:
            overrides[column] = header
        self._begin(overrides)

    def set_currency(self, code: str) -> None:
        """The export's currency and the scenario's (a three-letter code); the tiers as edited are kept."""
        self._begin(currency=code.strip(), keep_segments=True)

    def set_fx_rates(self, text: str) -> None:
        """The exchange rates, as ``EUR=1.08, GBP=1.27`` (units of the currency per unit of each; "" for none);
        the tiers as edited are kept."""
        self._begin(fx_rates=fx_rates_of(text), keep_segments=True)

    def set_sheet(self, sheet: str | None) -> None:
        """Read the accounts from a workbook's ``sheet`` (None: the sheet capacity finds); the header is read again."""
        if self.export is None:
            raise BookError("upload an export first (CSV or .xlsx)")
        from capacity.inputs.book.layout import export_header

        header = tuple(export_header(self.export, sheet))  # a sheet without a header: the session is kept
        self.sheet, self.header, self.overrides, self.start, self._bench = sheet, header, {}, None, None
        self._begin()

    def _begin(self, overrides: dict[str, str] | None = None, currency: str | None = None,
               fx_rates: dict[str, float] | None = None, keep_segments: bool = False) -> None:
        if self.export is None:
            raise BookError("upload an export first (CSV or .xlsx)")
        overrides = self.overrides if overrides is None else overrides
        currency = self.currency if currency is None else currency
        fx_rates = self.fx_rates if fx_rates is None else fx_rates
        previous = self.start
        # Whatever the outcome, the page shows the columns, currency and rates as the person gave them.
        self.overrides, self.currency, self.fx_rates = overrides, currency, fx_rates
        try:
            begun = start(self.export, overrides, currency=currency, sheet=self.sheet, fx_rates=fx_rates or None)
        except CurrencyRatesError as exc:  # worded as `capacity init` words it: no scenario yet, the rates are options
            from capacity.inputs.book.currencies import missing_rates

            self.start, self._bench = None, None
            raise CapacityError(missing_rates(exc.counts, exc.currency, exc.missing, options=True), file=exc.file,
                                where=exc.where) from None
        except CapacityError:
            self.start, self._bench = None, None
            raise
        if keep_segments and previous is not None:
            begun = with_segments(begun, previous.segments)
        self._commit(begun)

    def _commit(self, candidate: Start) -> None:
        """Keep ``candidate`` if its scenario loads and plans; else raise and keep the session as it was."""
        from capacity.analysis.whatif import Workbench
        from capacity.inputs.context import Context

        bench = Workbench(Context(candidate.scenario(), candidate.book))
        self.start, self._bench = candidate, bench

    def _edit(self, segments) -> None:
        if self.start is None:
            raise ScenarioError("upload an export and settle its columns first")
        self._commit(with_segments(self.start, segments))

    # -- tiers -------------------------------------------------------------------------

    @property
    def segments(self) -> tuple[SegmentDraft, ...]:
        return self.start.segments if self.start else ()

    def set_tier(self, index: int, **changes) -> None:
        """Change a tier's ``name``, ``min_arr`` (its threshold), ``coverage`` or ``new_customer_rate``.

        Tiers are kept in order of threshold, the highest first: a threshold moved past a neighbour's
        reorders them.
        """
        unknown = set(changes) - {"name", "min_arr", "coverage", "new_customer_rate"}
        if unknown:
            raise TypeError(f"not a tier's field: {', '.join(sorted(unknown))}")
        segments = list(self.segments)
        if "name" in changes:
            changes["name"] = str(changes["name"]).strip()
        for key in ("min_arr", "new_customer_rate"):
            if key in changes:
                changes[key] = float(changes[key])
        segments[index] = replace(segments[index], **changes)
        self._edit(segments)

    def add_tier(self) -> None:
        """A tier below the lowest: the lowest tier splits at the round amount nearest the median ARR of its
        accounts, and the new tier (from 0) starts with the starter library's one-to-many touchpoints."""
        segments = list(self.segments)
        if not segments:
            raise ScenarioError("upload an export and settle its columns first")
        upper = segments[-2].min_arr if len(segments) > 1 else None
        cents = self.start.book.arr_cents
        lowest = cents[cents < round(upper * 100)] if upper is not None else cents
        split = float(nice_amount(float(np.median(lowest)) / 100)) if len(lowest) else 0.0
        if not (split > 0 and (upper is None or split < upper)):
            raise ScenarioError(f"{segments[-1].name} cannot be split: its accounts have no ARR between 0 and its "
                                "neighbour's threshold; lower a threshold instead", where="segments")
        name = _unique("New tier", [s.name for s in segments])
        new = drafts((ProposedSegment(name, 0.0, "digital", "digital", 0, 0.0),))[0]
        segments[-1] = replace(segments[-1], min_arr=split)
        self._edit([*segments, new])

    def remove_tier(self, index: int) -> None:
        """Remove a tier: its accounts join the tier below (the lowest tier's join the tier above, which then starts at 0)."""
        segments = list(self.segments)
        if len(segments) <= 1:
            raise ScenarioError("a scenario needs one tier at least", where="segments")
        del segments[index]
        if index == len(segments):  # the lowest went: the one above now catches every account
            segments[-1] = replace(segments[-1], min_arr=0.0)
        self._edit(segments)

    # -- touchpoints -------------------------------------------------------------------

    def set_touchpoint(self, tier: int, index: int, *, name: str | None = None, kind: str | None = None,
                       minutes: float | None = None, frequency: float | None = None, unit: str | None = None) -> None:
        """Change a touchpoint: its name, kind, minutes, or frequency (``unit``: ``per_month`` or ``per_year``).

        A touchpoint the person changed cites no source any more (its cadence or length is theirs). A one-time
        touchpoint has no frequency; made recurring, inbound or a program, it starts at once a month.
        """
        segments = list(self.segments)
        touchpoints = list(segments[tier].touchpoints)
        tp = touchpoints[index]
        if name is not None:
            tp = replace(tp, name=str(name).strip())
        if kind is not None and kind != tp.kind:
            if kind not in KINDS:
                raise ScenarioError(f"must be one of {', '.join(KINDS)} (got {kind!r})",
                                    where=f"segments[{tier}].touchpoints[{index}].kind")
            tp = replace(tp, kind=kind, source=None)
            if kind != "one_time" and tp.per_month is None and tp.per_year is None:
                tp = replace(tp, per_month=1.0)
        if minutes is not None:
            tp = replace(tp, minutes=float(minutes), source=None)
        if unit is not None or frequency is not None:
            unit = unit or ("per_year" if tp.per_month is None and tp.per_year is not None else "per_month")
            if unit not in UNITS:
                raise ScenarioError(f"must be per_month or per_year (got {unit!r})",
                                    where=f"segments[{tier}].touchpoints[{index}]")
            value = float(frequency) if frequency is not None else (tp.per_month if tp.per_month is not None
                                                                   else tp.per_year)
            tp = replace(tp, per_month=value if unit == "per_month" else None,
                         per_year=value if unit == "per_year" else None, source=None)
        touchpoints[index] = tp
        segments[tier] = replace(segments[tier], touchpoints=tuple(touchpoints))
        self._edit(segments)

    def add_touchpoint(self, tier: int) -> None:
        """A new recurring touchpoint (30 minutes once a month) at the end of the tier's list, to edit."""
        segments = list(self.segments)
        name = _unique(NEW_TOUCHPOINT.name, [t.name for t in segments[tier].touchpoints])
        touchpoints = (*segments[tier].touchpoints, replace(NEW_TOUCHPOINT, name=name))
        segments[tier] = replace(segments[tier], touchpoints=touchpoints)
        self._edit(segments)

    def remove_touchpoint(self, tier: int, index: int) -> None:
        segments = list(self.segments)
        touchpoints = list(segments[tier].touchpoints)
        del touchpoints[index]
        segments[tier] = replace(segments[tier], touchpoints=tuple(touchpoints))
        self._edit(segments)

    # -- what the person takes away ----------------------------------------------------

    def _stem(self) -> str:
        if self.start is None or self.export is None:
            raise ScenarioError("upload an export and settle its columns first")
        return self.export.stem

    def scenario_file(self) -> tuple[str, Path]:
        """The scenario written beside the export (its ``book:`` is the export's name): ``(name, path)``.

        ``capacity plan NAME`` in a folder holding it and the export gives the page's plan.
        """
        path = self.folder / f"{self._stem()}-scenario.yaml"
        write_scenario(self.start, path, force=True)
        self._written.add(path)
        return path.name, path

    def model_file(self) -> tuple[str, Path]:
        """The live Excel model of the plan (:func:`capacity.views.excel.write_model`): ``(name, path)``."""
        from capacity.views.excel import write_model

        path = self.folder / f"{self._stem()}-model.xlsx"
        write_model(self._bench.context, path=path, result=self.plan)
        self._written.add(path)
        return path.name, path

    def report_file(self) -> tuple[str, Path]:
        """The budget report of the scenario, as ``capacity report`` renders it in the session's folder: ``(name, path)``.

        The report runs in a process of its own (papermill starts a kernel of its own), with the session's folder
        as its working and temporary folder.
        """
        name, scenario = self.scenario_file()
        scratch = self.folder / "tmp"
        scratch.mkdir(exist_ok=True)
        # The report's kernel keeps its runtime files and IPython's history in the scratch folder, not the home's.
        env = {**os.environ, "TMPDIR": str(scratch), "JUPYTER_RUNTIME_DIR": str(scratch / "runtime"),
               "IPYTHONDIR": str(scratch / "ipython")}
        try:
            done = subprocess.run([sys.executable, "-m", "capacity", "report", name, "--out", "report"],
                                  cwd=self.folder, env=env, capture_output=True, text=True, timeout=REPORT_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise ReportError(f"the report took more than {REPORT_TIMEOUT} s; run `capacity report {name}` "
                              "on the command line", file=name) from None
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        if done.returncode != 0:
            errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
            raise ReportError(errors[-1].removeprefix("error: ") if errors
                              else f"the report failed (exit {done.returncode})", where=None)
        self._written.add(self.folder / "report")
        html = self.folder / "report" / f"{Path(name).stem}.html"
        return f"{self._stem()}-budget-report.html", html


def fx_rates_of(text: str) -> dict[str, float]:
    """Exchange rates as a person types them: ``EUR=1.08, GBP=1.27`` (commas, semicolons or spaces between).

    >>> fx_rates_of("EUR=1.08; GBP = 1.27")
    {'EUR': 1.08, 'GBP': 1.27}
    """
    out: dict[str, float] = {}
    for item in re.split(r"[,;\s]+", re.sub(r"\s*=\s*", "=", text.strip())):
        if not item:
            continue
        code, sep, rate = item.partition("=")
        try:
            number = float(rate)
        except ValueError:
            number = math.nan
        if not sep or not re.fullmatch(r"[A-Z]{3}", code) or not 0 < number < math.inf:
            raise ScenarioError(f"must be CODE=RATE, a three-letter code in capitals and the units of the scenario's "
                                f"currency per unit of it, e.g. EUR=1.08 (got {item!r})", where="fx_rates")
        out[code] = number
    return out


def _sheet_names(path: Path) -> tuple[str, ...]:
    """The sheets of an Excel workbook (empty for any other file)."""
    from capacity.inputs.headers import EXCEL_SUFFIXES, open_workbook

    if path.suffix.lower() not in EXCEL_SUFFIXES:
        return ()
    workbook = open_workbook(path, BookError)
    try:
        return tuple(workbook.sheetnames)
    finally:
        workbook.close()


def _file_name(name: str) -> str:
    """An uploaded file's name, safe in the session's folder: no folders, no leading dot, plain characters."""
    base = re.split(r"[\\/]", str(name))[-1].strip()
    base = re.sub(r"[^\w.\- ()]+", "_", base).lstrip(".")[-120:]
    return base or "export"


def _unique(name: str, taken) -> str:
    taken = {t.casefold() for t in taken}
    if name.casefold() not in taken:
        return name
    k = 2
    while f"{name} {k}".casefold() in taken:
        k += 1
    return f"{name} {k}"


def open_start_page():
    """The start page of ``capacity app`` in a new session (what ``notebooks/start.ipynb`` displays)."""
    from capacity.views.start_page import StartPage

    return StartPage(Session())

