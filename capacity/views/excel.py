"""The live Excel model: the steady-state plan as spreadsheet formulas finance can change.

``write_model(scenario, book, path=...)`` writes a workbook of three sheets:

- **Inputs**: every driver of the plan (a CSM's time and cost, the internal activities
  or the customer time share, each segment's customers and ARR counted from the book,
  new-customer rates and loaded costs, each touchpoint's kind, minutes and frequency,
  the top-down guideposts), styled as inputs (blue on light yellow), with units in
  their own column, and the constants the formulas use (12 months, 60 minutes, 5 days,
  the headcount rounding tolerance) as labelled cells;
- **Calculation**: every quantity of the method (see :mod:`capacity.formulas.workload`) as a
  formula on Inputs, in the same order of operations as :func:`capacity.model.plan`, so a
  recalculated workbook gives the plan's numbers to the last few bits;
- **Summary**: the headline, per segment and top-down figures, read from Calculation;
- **Calendar** (when the scenario dates some work: ``at``, ``spread_months``): each touchpoint's
  share of its year in each month (values: from the book's renewal dates and the scenario's months,
  :func:`capacity.model.calendar.book_calendar`), its hours there as formulas on Calculation, each
  segment's months, the average month and the busiest month against the plan's CSMs.

Workbook-level defined names (:data:`NAMES`) point at the main inputs and headline
cells, so other models can link to ``TotalHeadcount`` or ``CostPctARR``.

What the formulas cannot express (see :data:`LIMITATIONS`) is said in a visible note on
Summary and returned in :class:`ExcelModel`'s ``limitations``, never silently computed another
way. The book is data: customers and ARR per segment are values counted at the
scenario's thresholds, so changing a threshold in Excel does not recount them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from capacity import formatting as fmt
from capacity.formulas import workload
from capacity.inputs.book import Book
from capacity.inputs.context import Context, load_context
from capacity.files import atomic_path
from capacity.model.calendar import BookCalendar, book_calendar, has_calendar
from capacity.views.content import timing_text
from capacity.model.plan import Plan, plan
from capacity.inputs.scenario import RULE_OF_THUMB_CUSTOMER_SHARE, Scenario

__all__ = ["ExcelModel", "LIMITATIONS", "NAMES", "SHEETS", "CALENDAR_SHEET", "limitation", "limitations",
           "write_model"]

#: Sheet names in workbook order ("Calendar" only when the scenario dates some work).
SHEETS = ("Summary", "Inputs", "Calculation", "Calendar")
CALENDAR_SHEET = "Calendar"

#: Defined names every model has, and what they hold. ``CustomerTimeShare`` is an input,
#: or, when the scenario lists internal activities, the share they leave (a formula).
NAMES = {
    "HoursPerWeek": "contracted hours per CSM a week [h/week]",
    "WeeksPerYear": "weeks in the working year [weeks/year]",
    "PTODays": "working days off per CSM a year [days/year]",
    "CustomerTimeShare": "share of working time spent with customers [-]",
    "LoadedCostPerYear": "loaded cost of one CSM [currency/year]",
    "MonthsPerYear": "constant: 12 [months/year]",
    "MinutesPerHour": "constant: 60 [min/h]",
    "WorkingDaysPerWeek": "constant: 5 [days/week]",
    "HeadcountTolerance": "FTE below a whole CSM that still rounds down [FTE]",
    "WorkingHoursPerMonth": "working hours per CSM a month [h/month]",
    "CustomerHoursPerMonth": "customer hours per CSM a month [h/month]",
    "TotalCustomers": "customers of every segment [customers]",
    "TotalARR": "ARR of every segment [currency/year]",
    "TotalFTE": "full-time CSMs needed [FTE]",
    "TotalHeadcount": "CSMs to hire, each segment rounded up [people]",
    "TotalCostPerYear": "cost of those CSMs [currency/year]",
    "CostPctARR": "cost as a share of ARR [-]",
}

#: A limitation check: given the scenario and its plan, a sentence saying what the
#: workbook's formulas do not express (and what that changes), or None.
Limitation = Callable[[Scenario, Plan], "str | None"]

#: Registered limitation checks, run in order by :func:`limitations`.
LIMITATIONS: list[Limitation] = []


def limitation(check: Limitation) -> Limitation:
    """Register ``check`` in :data:`LIMITATIONS` (a decorator)."""
    LIMITATIONS.append(check)
    return check


def limitations(scenario: Scenario, result: Plan) -> tuple[str, ...]:
    """What the workbook's formulas cannot express for ``scenario``: one sentence each."""
    return tuple(text for check in LIMITATIONS if (text := check(scenario, result)))


@limitation
def _vertical_pools(scenario: Scenario, result: Plan) -> str | None:
    pooled = [sp for seg, sp in zip(scenario.segments, result.segments) if seg.pool_by == "vertical"]
    if not pooled:
        return None
    one_team = result.totals.headcount - sum(sp.pool_split_extra_headcount for sp in pooled)
    each = ", ".join(f"{sp.name} as one team ({sp.headcount - sp.pool_split_extra_headcount} CSMs; "
                     f"{sp.headcount} in the plan's vertical pools)" for sp in pooled)
    return (f"vertical pools (pool_by: vertical) are not modelled: the formulas size {each}, "
            f"{one_team} CSMs in all where the plan needs {result.totals.headcount}; "
            "take pooled segments from python -m capacity plan")


@limitation
def _adopted_automation(scenario: Scenario, result: Plan) -> str | None:
    adopted = [tp.automation.name for seg in scenario.segments for tp in seg.touchpoints if tp.automated_share]
    if not adopted:
        return None
    return (f"adopted automations ({', '.join(adopted)}) are not modelled: the formulas size their touchpoints in full "
            f"and leave out the {fmt.money(result.totals.tooling_cost_per_year, result.currency)} a year of tooling; "
            "take them from "
            "python -m capacity plan")


@limitation
def _names_equal_ignoring_case(scenario: Scenario, result: Plan) -> str | None:
    seen: dict[str, str] = {}
    for seg in scenario.segments:
        other = seen.setdefault(seg.name.casefold(), seg.name)
        if other != seg.name:
            return (f"segments {other!r} and {seg.name!r} differ only in case, and spreadsheets compare text ignoring "
                    "case, so their touchpoints are added together; rename one")
    return None


@dataclass(frozen=True)
class ExcelModel:
    """What :func:`write_model` wrote and where each quantity sits.

    Attributes
    ----------
    path : Path
    cells : tuple of (address, key)
        Every formula cell, as ``"Sheet!$B$5"``, with the path of the value it computes in
        ``Plan.to_dict()`` (``("segments", 0, "fte")``); quantities of a CSM's month that the
        plan does not report (internal activities, the share they leave) have keys under
        ``("csm", ...)`` named like the scenario's.
    inputs : tuple of (address, key)
        Every input cell with its path in the scenario's dict (``("csm", "pto_days")``,
        ``("segments", 1, "touchpoints", 0, "minutes")``); a segment's ``customers`` and
        ``arr`` are the book's counts.
    names : dict
        Defined name -> address.
    limitations : tuple of str
        What the formulas do not express for this scenario (see :func:`limitations`).
    """

    path: Path
    cells: tuple[tuple[str, tuple], ...]
    inputs: tuple[tuple[str, tuple], ...]
    names: dict[str, str] = field(default_factory=dict)
    limitations: tuple[str, ...] = ()


def write_model(
    scenario: Context | Scenario | dict | str | Path,
    book: Book | str | Path | None = None,
    *,
    path: str | Path,
    result: Plan | None = None,
    calendar: BookCalendar | None = None,
) -> ExcelModel:
    """Write the live Excel model of ``scenario`` to ``path`` (atomically).

    Parameters
    ----------
    scenario : Context, Scenario, dict or path
        A loaded context (:func:`capacity.inputs.context.load_context`), or a scenario to load one from.
    book : Book or path, optional
        The accounts whose customers and ARR per segment become inputs; as for
        :func:`capacity.model.plan`.
    path : path
        The ``.xlsx`` file to write; replaced only once complete.
    result : Plan, optional
        The plan of ``scenario`` and ``book`` already made (its customers and ARR are used).
    calendar : BookCalendar, optional
        Today's book placed month by month (:func:`capacity.model.calendar.book_calendar`), already made; the
        Calendar sheet's shares. Computed from the context when the scenario dates work and none is given.

    Returns
    -------
    ExcelModel

    Raises
    ------
    CapacityError
        For a bad scenario or book, or a path that cannot be written.
    """
    from openpyxl import Workbook

    context = load_context(scenario, book)
    scenario = context.scenario
    if result is None:
        result = plan(context)
    notes = limitations(scenario, result)
    workbook = Workbook()
    workbook.remove(workbook.active)
    builder = _Builder(workbook, scenario, result)
    builder.inputs()
    builder.calculation()
    if has_calendar(scenario):
        builder.calendar(calendar if calendar is not None else book_calendar(context))
    builder.summary(notes)
    builder.keep_text_as_text()
    workbook.properties.title = f"{scenario.name}: live capacity model"
    with atomic_path(path) as temporary:
        workbook.save(temporary)
    return ExcelModel(Path(path), tuple(builder.cells), tuple(builder.input_cells), dict(builder.names), notes)


# -- layout ------------------------------------------------------------------------

_INPUT_FONT = dict(color="0000FF")
_INPUT_FILL = "FFF2CC"
_CONSTANT_FILL = "EDEDED"
_HEADER_FILL = "DDEBF7"


def _ref(sheet: str, column: str, row: int) -> str:
    return f"{sheet}!${column}${row}"


class _Builder:
    """Writes the three sheets, remembering where every input and formula went."""

    def __init__(self, workbook, scenario: Scenario, result: Plan):
        from openpyxl.styles import Font, PatternFill

        from capacity.views.workbook import number_format

        self.book = workbook
        self.scenario = scenario
        self.result = result
        self.cells: list[tuple[str, tuple]] = []
        self.input_cells: list[tuple[str, tuple]] = []
        self.names: dict[str, str] = {}
        self.summary_sheet = workbook.create_sheet("Summary")  # first, but written last: it reads the others
        self._font, self._fill = Font, PatternFill
        money = number_format("money", result.currency)
        self.formats = {"money": money, "count": "#,##0", "share": "0.00%", "hours": "0.00", "fte": "0.00",
                        "minutes": "#,##0", "frequency": "0.00", "tolerance": "0.0E+00", "text": "General",
                        "integer": "0", "number": "General"}

    # -- cells --

    def _name(self, name: str, sheet, row: int, column: str = "B") -> None:
        from openpyxl.workbook.defined_name import DefinedName

        address = _ref(sheet.title, column, row)
        self.book.defined_names[name] = DefinedName(name, attr_text=address)
        self.names[name] = address

    def _title(self, sheet, text: str, subtitle: str) -> None:
        sheet["A1"] = text
        sheet["A1"].font = self._font(bold=True, size=14)
        sheet["A2"] = subtitle

    def _section(self, sheet, row: int, text: str) -> None:
        sheet.cell(row=row, column=1, value=text).font = self._font(bold=True, size=12)

    def _header(self, sheet, row: int, labels: list[str]) -> None:
        for c, label in enumerate(labels, start=1):
            cell = sheet.cell(row=row, column=c, value=label)
            cell.font = self._font(bold=True)
            cell.fill = self._fill("solid", fgColor=_HEADER_FILL)

    def _units(self, sheet, row: int, units: list[str]) -> None:
        for c, unit in enumerate(units, start=1):
            if unit:
                sheet.cell(row=row, column=c, value=unit).font = self._font(italic=True, color="595959")

    def _input(self, sheet, row: int, column: int, value, key: tuple, kind: str) -> None:
        cell = sheet.cell(row=row, column=column, value=value)
        cell.font = self._font(**_INPUT_FONT)
        cell.fill = self._fill("solid", fgColor=_INPUT_FILL)
        cell.number_format = self.formats[kind]
        self.input_cells.append((_ref(sheet.title, cell.column_letter, row), key))

    def _formula(self, sheet, row: int, column: int, formula: str, key: tuple | None, kind: str) -> None:
        cell = sheet.cell(row=row, column=column, value=formula)
        cell.number_format = self.formats[kind]
        if key is not None:
            self.cells.append((_ref(sheet.title, cell.column_letter, row), key))

    def keep_text_as_text(self) -> None:
        """Store a name such as "=Tier 1" as text: openpyxl writes any string starting with "=" as a formula."""
        formulas = {address for address, _ in self.cells}
        for sheet in self.book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if (isinstance(cell.value, str) and cell.value.startswith("=")
                            and _ref(sheet.title, cell.column_letter, cell.row) not in formulas):
                        cell.data_type = "s"

    def _widths(self, sheet, widths: dict[str, float]) -> None:
        for column, width in widths.items():
            sheet.column_dimensions[column].width = width

    # -- Inputs --

    def inputs(self) -> None:
        s = self.book.create_sheet("Inputs")
        self.inputs_sheet = s
        scenario, csm = self.scenario, self.scenario.csm
        source = "" if scenario.book is None else f" {scenario.book.name}"
        self._title(s, f"Inputs: {scenario.name}",
                    "Blue cells on yellow are inputs: change them and the model recalculates. "
                    "Grey cells are constants.")
        row = 4
        self._section(s, row, "Constants")
        self._header(s, row + 1, ["Constant", "Value", "Unit", "Why"])
        constants = [
            ("MonthsPerYear", "Months per year", workload.MONTHS_PER_YEAR, "months/year", "integer", ""),
            ("MinutesPerHour", "Minutes per hour", 60, "min/h", "integer", ""),
            ("WorkingDaysPerWeek", "Working days per week", workload.WORKING_DAYS_PER_WEEK, "days/week", "integer",
             "a PTO day is hours_per_week / 5 hours"),
            ("HeadcountTolerance", "Headcount rounding tolerance", workload._CEIL_TOLERANCE, "FTE", "tolerance",
             "FTE is a ratio of sums: 3.0000000000000004 FTE is 3 CSMs, not 4"),
        ]
        row += 2
        for name, label, value, unit, kind, why in constants:
            s.cell(row=row, column=1, value=label)
            cell = s.cell(row=row, column=2, value=value)
            cell.fill = self._fill("solid", fgColor=_CONSTANT_FILL)
            cell.number_format = self.formats[kind]
            s.cell(row=row, column=3, value=unit)
            s.cell(row=row, column=4, value=why)
            self._name(name, s, row)
            row += 1

        row += 1
        self._section(s, row, "A CSM's time and cost")
        self._header(s, row + 1, ["Driver", "Value", "Unit", "Note"])
        row += 2
        drivers = [
            ("HoursPerWeek", "Hours per week", csm.hours_per_week, "h/week", "number", ("csm", "hours_per_week"), ""),
            ("WeeksPerYear", "Weeks per year", csm.weeks_per_year, "weeks/year", "number", ("csm", "weeks_per_year"),
             ""),
            ("PTODays", "PTO days", csm.pto_days, "days/year", "number", ("csm", "pto_days"),
             "holidays, vacation and sick days: working days off"),
        ]
        if csm.internal_activities is None:
            share = RULE_OF_THUMB_CUSTOMER_SHARE if csm.customer_time_share is None else csm.customer_time_share
            note = ("the two-thirds rule (the scenario gives no share)" if csm.customer_time_share is None
                    else "the rest is company time")
            drivers.append(("CustomerTimeShare", "Customer time share", share, "share of working time", "share",
                            ("csm", "customer_time_share"), note))
        drivers.append(("LoadedCostPerYear", "Loaded cost per CSM", csm.loaded_cost_per_year,
                        f"{self.result.currency}/year", "money", ("csm", "loaded_cost_per_year"),
                        "salary + benefits + overhead; a segment may have its own"))
        for name, label, value, unit, kind, key, note in drivers:
            s.cell(row=row, column=1, value=label)
            self._input(s, row, 2, value, key, kind)
            s.cell(row=row, column=3, value=unit)
            s.cell(row=row, column=4, value=note)
            self._name(name, s, row)
            row += 1

        self.internal_rows: list[int] = []
        if csm.internal_activities is not None:
            row += 1
            self._section(s, row, "Internal activities (company time; the customer time share is what they leave)")
            self._header(s, row + 1, ["Activity", "Minutes", "Per month", "Per year"])
            self._units(s, row + 2, ["", "min", "1/month", "1/year"])
            row += 3
            for i, activity in enumerate(csm.internal_activities):
                s.cell(row=row, column=1, value=activity.name)
                base = ("csm", "internal_activities", i)
                self._input(s, row, 2, activity.minutes, (*base, "minutes"), "minutes")
                self._input(s, row, 3, activity.per_month, (*base, "per_month"), "frequency")
                self._input(s, row, 4, activity.per_year, (*base, "per_year"), "frequency")
                self.internal_rows.append(row)
                row += 1

        row += 1
        self._section(s, row, "Top-down guideposts")
        self._header(s, row + 1, ["Guidepost", "ARR per CSM", "Unit"])
        row += 2
        self.guidepost_rows: list[int] = []
        for k, ratio in enumerate(scenario.top_down_arr_per_csm):
            s.cell(row=row, column=1, value=f"Guidepost {k + 1}")
            self._input(s, row, 2, ratio, ("top_down_arr_per_csm", k), "money")
            s.cell(row=row, column=3, value=f"{self.result.currency} ARR per CSM")
            self.guidepost_rows.append(row)
            row += 1

        row += 1
        self._section(s, row, f"Segments: customers and ARR counted from the book{source} at these thresholds")
        self._header(s, row + 1, ["Segment", "Coverage", "Min ARR", "Customers", "ARR", "New-customer rate",
                                  "Loaded cost per CSM"])
        self._units(s, row + 2, ["", "", f"{self.result.currency} (for reference)", "customers",
                                 f"{self.result.currency}/year", "share new a year",
                                 f"{self.result.currency}/year (blank: the CSM's)"])
        row += 3
        self.segment_rows: list[int] = []
        for i, (seg, sp) in enumerate(zip(scenario.segments, self.result.segments)):
            s.cell(row=row, column=1, value=seg.name).font = self._font(bold=True)
            s.cell(row=row, column=2, value=seg.coverage)
            s.cell(row=row, column=3, value=seg.min_arr).number_format = self.formats["money"]
            self._input(s, row, 4, sp.customers, ("segments", i, "customers"), "count")
            self._input(s, row, 5, sp.arr, ("segments", i, "arr"), "money")
            self._input(s, row, 6, seg.new_customer_rate, ("segments", i, "new_customer_rate"), "share")
            self._input(s, row, 7, seg.loaded_cost_per_year, ("segments", i, "loaded_cost_per_year"), "money")
            self.segment_rows.append(row)
            row += 1

        row += 1
        self._section(s, row, "Touchpoints (kind: recurring, inbound, one_time or program; give per month or per year)")
        self._header(s, row + 1, ["Touchpoint", "Segment", "Kind", "Minutes", "Per month", "Per year"])
        self._units(s, row + 2, ["", "", "", "min", "1/month", "1/year"])
        row += 3
        self.touchpoint_rows: list[tuple[int, int, int]] = []  # (row, segment, touchpoint)
        for i, seg in enumerate(scenario.segments):
            for j, tp in enumerate(seg.touchpoints):
                base = ("segments", i, "touchpoints", j)
                s.cell(row=row, column=1, value=tp.name)
                s.cell(row=row, column=2, value=seg.name)
                self._input(s, row, 3, tp.kind, (*base, "kind"), "text")
                self._input(s, row, 4, tp.minutes, (*base, "minutes"), "minutes")
                self._input(s, row, 5, tp.per_month, (*base, "per_month"), "frequency")
                self._input(s, row, 6, tp.per_year, (*base, "per_year"), "frequency")
                self.touchpoint_rows.append((row, i, j))
                row += 1
        self._widths(s, {"A": 36, "B": 16, "C": 22, "D": 14, "E": 16, "F": 18, "G": 26})
        s.freeze_panes = "A4"

    # -- Calculation --

    def calculation(self) -> None:
        c = self.book.create_sheet("Calculation")
        self.calc_sheet = c
        csm = self.scenario.csm
        self._title(c, "Calculation",
                    "Every number here is a formula on Inputs (the method: README, capacity/workload.py).")
        row = 4
        self._section(c, row, "A CSM's month")
        self._header(c, row + 1, ["Quantity", "Value", "Unit", "Formula"])
        row += 2
        internal = csm.internal_activities is not None
        quantities = [
            ("WorkingHoursPerMonth", "Working hours per CSM",
             "=(HoursPerWeek*WeeksPerYear-PTODays*(HoursPerWeek/WorkingDaysPerWeek))/MonthsPerYear",
             "h/month", ("csm", "working_hours_per_month"),
             "(hours per week x weeks - PTO days x hours per day) / 12"),
        ]
        if internal:
            quantities += [
                ("InternalHoursPerMonth", "Internal hours per CSM", None,  # the sum of the table below
                 "h/month", ("csm", "internal_hours_per_month"), "sum of the internal activities below"),
                ("CustomerHoursPerMonth", "Customer hours per CSM", "=WorkingHoursPerMonth-InternalHoursPerMonth",
                 "h/month", ("csm", "customer_hours_per_month"), "working hours - internal hours"),
                ("CustomerTimeShare", "Customer time share", "=CustomerHoursPerMonth/WorkingHoursPerMonth",
                 "share", ("csm", "customer_time_share"), "what the internal activities leave"),
            ]
        else:
            quantities.append(("CustomerHoursPerMonth", "Customer hours per CSM",
                               "=WorkingHoursPerMonth*CustomerTimeShare", "h/month",
                               ("csm", "customer_hours_per_month"), "working hours x customer time share"))
        internal_total_row = None
        for name, label, formula, unit, key, text in quantities:
            c.cell(row=row, column=1, value=label)
            if formula is None:
                internal_total_row = row
            else:
                self._formula(c, row, 2, formula, key, "share" if unit == "share" else "hours")
            c.cell(row=row, column=3, value=unit)
            c.cell(row=row, column=4, value=text)
            self._name(name, c, row)
            row += 1

        if internal:
            row += 1
            self._section(c, row, "Internal activities")
            self._header(c, row + 1, ["Activity", "Frequency per month", "Hours per CSM per month"])
            self._units(c, row + 2, ["", "1/month", "h/month"])
            row += 3
            first = row
            for i, r in enumerate(self.internal_rows):
                base = ("csm", "internal_activities", i)
                self._formula(c, row, 1, f"=Inputs!$A${r}", (*base, "name"), "text")
                self._formula(c, row, 2, f"=IF(ISBLANK(Inputs!$C${r}),Inputs!$D${r}/MonthsPerYear,Inputs!$C${r})",
                              (*base, "frequency_per_month"), "frequency")
                self._formula(c, row, 3, f"=Inputs!$B${r}*$B${row}/MinutesPerHour", (*base, "hours_per_month"), "hours")
                row += 1
            last = max(first, row - 1)
            self._formula(c, internal_total_row, 2, f"=SUM($C${first}:$C${last})", ("csm", "internal_hours_per_month"),
                          "hours")

        row += 1
        self._section(c, row, "Touchpoints: hours a month")
        self._header(c, row + 1, ["Touchpoint", "Segment", "Kind", "Frequency per month",
                                  "Hours per customer per month", "Program hours per month"])
        self._units(c, row + 2, ["", "", "", "1/month (one_time: new-customer rate / 12)", "h/customer/month",
                                 "h/month (one-to-many)"])
        row += 3
        tp_first = row
        self.calc_touchpoint_rows: list[int] = []
        for r, i, j in self.touchpoint_rows:
            base = ("segments", i, "touchpoints", j)
            q = row
            self.calc_touchpoint_rows.append(q)
            rate = f"Inputs!$F${self.segment_rows[i]}"  # the segment's new-customer rate
            self._formula(c, q, 1, f"=Inputs!$A${r}", (*base, "name"), "text")
            self._formula(c, q, 2, f"=Inputs!$B${r}", ("segments", i, "name"), "text")
            self._formula(c, q, 3, f"=Inputs!$C${r}", (*base, "kind"), "text")
            self._formula(c, q, 4, f'=IF($C${q}="one_time",{rate}/MonthsPerYear,'
                                   f"IF(ISBLANK(Inputs!$E${r}),Inputs!$F${r}/MonthsPerYear,Inputs!$E${r}))",
                          (*base, "frequency_per_month"), "frequency")
            self._formula(c, q, 5, f'=IF($C${q}="program",0,IF($C${q}="one_time",'
                                   f"Inputs!$D${r}*{rate}/MinutesPerHour/MonthsPerYear,"
                                   f"Inputs!$D${r}*$D${q}/MinutesPerHour))",
                          (*base, "hours_per_customer_per_month"), "hours")
            self._formula(c, q, 6, f'=IF($C${q}="program",Inputs!$D${r}*$D${q}/MinutesPerHour,0)',
                          (*base, "program_hours_per_month"), "hours")
            row += 1
        tp_last = max(tp_first, row - 1)  # sums over one blank row when there is no touchpoint at all
        row = max(row, tp_first + 1)
        # A segment's touchpoints by exact name: SUMIF would read "*", "?" and a leading "<" or "=" in a
        # name as patterns. Text compares ignoring case, hence the limitation on such names.
        def of_segment(p: int, column: str) -> str:
            return f"SUMPRODUCT(($B${tp_first}:$B${tp_last}=$A${p})*${column}${tp_first}:${column}${tp_last})"

        row += 1
        self._section(c, row, "Segments: bottom-up")
        self._header(c, row + 1, ["Segment", "Customers", "ARR", "Hours per customer per month",
                                  "Program hours per month", "Customers per CSM", "FTE", "Headcount",
                                  "Loaded cost per CSM", "Cost per year", "ARR per CSM"])
        cur = self.result.currency
        self._units(c, row + 2, ["", "customers", f"{cur}/year", "h/customer/month", "h/month", "customers",
                                 "FTE", "people", f"{cur}/year", f"{cur}/year", f"{cur}/CSM"])
        row += 3
        seg_first = row
        for i, r in enumerate(self.segment_rows):
            base = ("segments", i)
            p = row
            self._formula(c, p, 1, f"=Inputs!$A${r}", (*base, "name"), "text")
            self._formula(c, p, 2, f"=Inputs!$D${r}", (*base, "customers"), "count")
            self._formula(c, p, 3, f"=Inputs!$E${r}", (*base, "arr"), "money")
            self._formula(c, p, 4, "=" + of_segment(p, "E"),
                          (*base, "hours_per_customer_per_month"), "hours")
            self._formula(c, p, 5, "=" + of_segment(p, "F"),
                          (*base, "program_hours_per_month"), "hours")
            self._formula(c, p, 6, f'=IF($D${p}>0,CustomerHoursPerMonth/$D${p},"unbounded")',
                          (*base, "customers_per_csm"), "fte")
            self._formula(c, p, 7, f"=($B${p}*$D${p}+$E${p})/CustomerHoursPerMonth", (*base, "fte"), "fte")
            self._formula(c, p, 8, f"=CEILING(MAX($G${p}-HeadcountTolerance,0),1)", (*base, "headcount"), "count")
            self._formula(c, p, 9, f"=IF(ISBLANK(Inputs!$G${r}),LoadedCostPerYear,Inputs!$G${r})",
                          (*base, "loaded_cost_per_year"), "money")
            self._formula(c, p, 10, f"=$H${p}*$I${p}", (*base, "cost_per_year"), "money")
            self._formula(c, p, 11, f'=IF($H${p}>0,$C${p}/$H${p},"")', (*base, "arr_per_csm"), "money")
            row += 1
        seg_last = row - 1
        self.calc_segment_rows = list(range(seg_first, seg_last + 1))

        row += 1
        self._section(c, row, "Totals")
        self._header(c, row + 1, ["Quantity", "Value", "Unit"])
        row += 2
        totals = [
            ("TotalCustomers", "Customers", f"=SUM($B${seg_first}:$B${seg_last})", "customers", "count", "customers"),
            ("TotalARR", "ARR", f"=SUM($C${seg_first}:$C${seg_last})", f"{cur}/year", "money", "arr"),
            ("TotalFTE", "FTE", f"=SUM($G${seg_first}:$G${seg_last})", "FTE", "fte", "fte"),
            ("TotalHeadcount", "Headcount", f"=SUM($H${seg_first}:$H${seg_last})", "people", "count", "headcount"),
            ("TotalCostPerYear", "Cost per year", f"=SUM($J${seg_first}:$J${seg_last})", f"{cur}/year", "money",
             "cost_per_year"),
            ("CostPctARR", "Cost as a share of ARR", '=IF(TotalARR>0,TotalCostPerYear/TotalARR,"")', "share", "share",
             "cost_pct_arr"),
        ]
        for name, label, formula, unit, kind, key in totals:
            c.cell(row=row, column=1, value=label)
            self._formula(c, row, 2, formula, ("totals", key), kind)
            c.cell(row=row, column=3, value=unit)
            self._name(name, c, row)
            row += 1

        row += 1
        self._section(c, row, "Top-down: one CSM per so much ARR")
        self._header(c, row + 1, ["ARR per CSM", "Headcount", "Cost per year"])
        self._units(c, row + 2, [f"{cur}/CSM", "people", f"{cur}/year (at the CSM's loaded cost)"])
        row += 3
        self.calc_top_down_rows = []
        for k, r in enumerate(self.guidepost_rows):
            base = ("top_down", k)
            self._formula(c, row, 1, f"=Inputs!$B${r}", (*base, "arr_per_csm"), "money")
            self._formula(c, row, 2, f"=CEILING(MAX(TotalARR/$A${row}-HeadcountTolerance,0),1)",
                          (*base, "headcount"), "count")
            self._formula(c, row, 3, f"=$B${row}*LoadedCostPerYear", (*base, "cost_per_year"), "money")
            self.calc_top_down_rows.append(row)
            row += 1
        self._widths(c, {"A": 36, "B": 18, "C": 16, "D": 22, "E": 22, "F": 22, "G": 12, "H": 12, "I": 18,
                         "J": 16, "K": 16})
        c.freeze_panes = "A4"

    # -- Calendar --

    def calendar(self, calendar: BookCalendar) -> None:
        """The Calendar sheet: where each touchpoint's hours fall, month by month, as formulas on Calculation.

        Each touchpoint's share of its year in a month is a value (the book's renewal dates, the scenario's
        months and arrivals); its hours there are that share times twelve months of its hours on Calculation,
        so a change of minutes, frequency or customers on Inputs moves the calendar too.
        """
        from openpyxl.utils import get_column_letter

        c = self.book.create_sheet(CALENDAR_SHEET)
        self._title(c, "Calendar: when the work lands",
                    "Each touchpoint's share of its year in each month (values, from the book's renewal dates and the "
                    "scenario's months), times its hours on Calculation. Every twelve months hold a year of its work.")
        months = list(calendar.months)
        first_col = 4
        cols = [get_column_letter(first_col + m) for m in range(len(months))]
        first, last = cols[0], cols[-1]
        row = 4
        self._section(c, row, "Months")
        self._header(c, row + 1, ["", "", "Month"] + months)
        self.calendar_label_row = row + 1  # the month labels the Summary's busiest month reads
        row += 3
        self._section(c, row, "Share of each touchpoint's year in each month (values)")
        self._header(c, row + 1, ["Touchpoint", "Segment", "When"] + months)
        row += 2
        share_rows = []
        when = [timing_text(tp) or "evenly" for seg in self.scenario.segments for tp in seg.touchpoints]
        for t, (segment, name, _) in enumerate(calendar.touchpoints):
            c.cell(row=row, column=1, value=name)
            c.cell(row=row, column=2, value=segment)
            c.cell(row=row, column=3, value=when[t])
            for m, share in enumerate(calendar.shares[t]):
                cell = c.cell(row=row, column=first_col + m, value=share)
                cell.number_format = "0.0%"
            share_rows.append(row)
            row += 1
        row += 1
        self._section(c, row, "Hours of each touchpoint in each month")
        self._header(c, row + 1, ["Touchpoint", "Segment", "Hours a year"] + months)
        self._units(c, row + 2, ["", "", "h/year"] + ["h"] * len(months))
        row += 3
        segment_names = list(calendar.segments)
        hours_first = row
        for t, (segment, name, _) in enumerate(calendar.touchpoints):
            q = self.calc_touchpoint_rows[t]
            p = self.calc_segment_rows[segment_names.index(segment)]
            c.cell(row=row, column=1, value=name)
            c.cell(row=row, column=2, value=segment)
            self._formula(c, row, 3, f"=MonthsPerYear*(Calculation!$E${q}*Calculation!$B${p}+Calculation!$F${q})",
                          ("calendar", "touchpoint_year", t), "hours")
            for m, col in enumerate(cols):
                self._formula(c, row, first_col + m, f"=$C${row}*{col}${share_rows[t]}",
                              ("calendar", "touchpoint_hours", t, m), "hours")
            row += 1
        hours_last = max(hours_first, row - 1)
        row += 1
        average_col = get_column_letter(first_col + len(months))
        peak_col = get_column_letter(first_col + len(months) + 1)
        busy_col = get_column_letter(first_col + len(months) + 2)
        self._section(c, row, "Hours a month by segment")
        self._header(c, row + 1, ["Segment", "", ""] + months + ["Average month", "Busiest month's hours",
                                                                 "Busiest month against the plan's CSMs"])
        self._units(c, row + 2, ["", "", ""] + ["h"] * len(months) + ["h/month", "h", "utilization"])
        row += 3
        seg_first = row
        for s, name in enumerate(segment_names):
            p = self.calc_segment_rows[s]
            self._formula(c, row, 1, f"=Calculation!$A${p}", ("calendar", "segments", s), "text")
            for m, col in enumerate(cols):
                self._formula(c, row, first_col + m,
                              f"=SUMPRODUCT(($B${hours_first}:$B${hours_last}=$A${row})*{col}${hours_first}:{col}${hours_last})",
                              ("calendar", "hours", s, m), "hours")
            self._formula(c, row, first_col + len(months), f"=Calculation!$G${p}*CustomerHoursPerMonth",
                          ("calendar", "hours_per_month", s), "hours")
            self._formula(c, row, first_col + len(months) + 1, f"=MAX(${first}${row}:${last}${row})",
                          ("calendar", "peak_hours_by_segment", s), "hours")
            self._formula(c, row, first_col + len(months) + 2,
                          f'=IF(Calculation!$H${p}>0,${peak_col}${row}/(Calculation!$H${p}*CustomerHoursPerMonth),"")',
                          ("calendar", "peak_utilization", s), "share")
            row += 1
        seg_last = row - 1
        c.cell(row=row, column=1, value="Total").font = self._font(bold=True)
        for m, col in enumerate(cols):
            self._formula(c, row, first_col + m, f"=SUM({col}${seg_first}:{col}${seg_last})", ("calendar", "total", m),
                          "hours")
        self._formula(c, row, first_col + len(months), f"=SUM(${average_col}${seg_first}:${average_col}${seg_last})",
                      ("calendar", "average_hours"), "hours")
        self.calendar_total_row, self.calendar_first_column, self.calendar_last_column = row, first, last
        self.calendar_average_column = average_col
        row += 2
        c.cell(row=row, column=1, value="The shares are the book's (renewal dates, segments at the scenario's thresholds) "
               "and the scenario's (months, arrivals): values; a new book or threshold needs a new model.")
        self._widths(c, {"A": 36, "B": 16, "C": 22, **{col: 10 for col in cols}, average_col: 14, peak_col: 14,
                         busy_col: 18})
        c.freeze_panes = "D4"

    # -- Summary --

    def summary(self, notes: tuple[str, ...]) -> None:
        s = self.summary_sheet
        cur = self.result.currency
        self._title(s, f"{self.scenario.name}: CS capacity, live model",
                    "Change the blue cells on Inputs; every figure here follows (Calculation shows the working).")
        row = 4
        for text in notes:
            cell = s.cell(row=row, column=1, value=f"Note: {text[0].upper()}{text[1:]}.")
            cell.font = self._font(bold=True, color="C00000")
            row += 1
        s.cell(row=row, column=1, value="Customers and ARR per segment are the book's counts at the scenario's "
               "thresholds: values, not formulas (a new threshold needs a new model).")
        row += 2
        self._section(s, row, "Headline")
        row += 1
        headline = [
            ("CSMs needed", "=TotalHeadcount", "people", "count", ("totals", "headcount")),
            ("Cost per year", "=TotalCostPerYear", f"{cur}/year", "money", ("totals", "cost_per_year")),
            ("Cost as a share of ARR", "=CostPctARR", "share", "share", ("totals", "cost_pct_arr")),
            ("FTE", "=TotalFTE", "FTE", "fte", ("totals", "fte")),
            ("Customers", "=TotalCustomers", "customers", "count", ("totals", "customers")),
            ("ARR", "=TotalARR", f"{cur}/year", "money", ("totals", "arr")),
        ]
        for label, formula, unit, kind, key in headline:
            s.cell(row=row, column=1, value=label)
            self._formula(s, row, 2, formula, key, kind)
            s.cell(row=row, column=3, value=unit)
            row += 1

        row += 1
        self._section(s, row, "Per segment")
        self._header(s, row + 1, ["Segment", "Customers", "Customers per CSM", "FTE", "CSMs", "Cost per year"])
        row += 2
        for i, p in enumerate(self.calc_segment_rows):
            base = ("segments", i)
            for col, (source, key, kind) in enumerate([("A", "name", "text"), ("B", "customers", "count"),
                                                       ("F", "customers_per_csm", "fte"), ("G", "fte", "fte"),
                                                       ("H", "headcount", "count"), ("J", "cost_per_year", "money")],
                                                      start=1):
                self._formula(s, row, col, f"=Calculation!${source}${p}", (*base, key), kind)
            row += 1

        row += 1
        self._section(s, row, "Top-down guideposts")
        self._header(s, row + 1, ["ARR per CSM", "CSMs", "Cost per year"])
        row += 2
        for k, p in enumerate(self.calc_top_down_rows):
            base = ("top_down", k)
            for col, (source, key, kind) in enumerate([("A", "arr_per_csm", "money"), ("B", "headcount", "count"),
                                                       ("C", "cost_per_year", "money")], start=1):
                self._formula(s, row, col, f"=Calculation!${source}${p}", (*base, key), kind)
            row += 1
        if getattr(self, "calendar_total_row", None) is not None:
            row += 1
            self._section(s, row, "The calendar (sheet Calendar)")
            row += 1
            c, first, last = self.calendar_total_row, self.calendar_first_column, self.calendar_last_column
            months = f"Calendar!${first}${c}:${last}${c}"
            labels = f"Calendar!${first}${self.calendar_label_row}:${last}${self.calendar_label_row}"
            lines = [
                ("Busiest month, all segments", f"=INDEX({labels},MATCH(MAX({months}),{months},0))",
                 "month", "text", ("calendar", "peak_month")),
                ("Hours that month", f"=MAX({months})", "h", "hours", ("calendar", "peak_hours")),
                ("Hours of the average month", f"=Calendar!${self.calendar_average_column}${c}", "h/month", "hours",
                 ("calendar", "average_hours")),
            ]
            for label, formula, unit, kind, key in lines:
                s.cell(row=row, column=1, value=label)
                self._formula(s, row, 2, formula, key, kind)
                s.cell(row=row, column=3, value=unit)
                row += 1

        row += 1
        self._section(s, row, "Linking to this model")
        s.cell(row=row + 1, column=1, value="Defined names: " + ", ".join(sorted(self.names)))
        self._widths(s, {"A": 30, "B": 18, "C": 20, "D": 12, "E": 10, "F": 16})

