"""The sizing core: a scenario's numbers and its segment sizes in; hours, FTE, headcount and cost out, on arrays.

Every number of a plan is computed here, once, with the formulas of :mod:`capacity.formulas.workload`,
on arrays with a leading axis of *variants*: one row sizes one plan (:func:`capacity.model.plan`),
many rows size the points of a what-if curve, the two ends of every tornado bar, or the draws
of a simulation in one call. :class:`Variants` holds the numbers (what a knob can turn) beside
the scenario's structure (which touchpoint belongs to which segment, of which kind, which
segment is pooled by vertical), and :func:`size` turns them into :class:`Sizing`.

Sums run in the scenario's order (touchpoints within a segment, then segments), as one loop
over the short axis, so a row gives the same floating-point result as sizing that scenario on
its own, to the last bit.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from capacity.formulas import payback, workload
from capacity.inputs.book import UNASSIGNED_VERTICAL, Book
from capacity.exceptions import ScenarioError
from capacity.inputs.scenario import Scenario
from capacity.model.segments import check_thresholds, counts_at, segment_sizes

__all__ = ["Variants", "Loads", "Sizing", "variants", "touchpoint_hours", "loads", "size", "segment_counts", "MIXED_POOL",
           "pool_groups"]

#: The name of the pool that holds every vertical not listed in ``pool_verticals``.
MIXED_POOL = "Other verticals"


@dataclass(frozen=True, eq=False)
class Variants:
    """The numbers sizing reads, one row per variant, beside the structure all rows share.

    Arrays are ``(V,)`` per variant, ``(V, S)`` per segment and ``(V, T)`` per touchpoint, with
    segments in scenario order and touchpoints in scenario order, segment after segment.

    Attributes
    ----------
    scenario : Scenario
        The scenario the structure comes from (names, kinds, pools); row 0 is its own numbers
        unless a knob set them otherwise.
    book : Book or None
        The accounts that ``min_arr`` splits into segments; None when segments give their counts.
    working_hours : ndarray (V,)
        Working hours per CSM per month [h/month].
    customer_hours : ndarray (V,)
        Customer hours per CSM per month [h/month].
    minutes : ndarray (V, T)
        Duration of each touchpoint [min].
    per_month : ndarray (V, T)
        Occurrences per month [1/month]; 0 for one-time touchpoints.
    new_customer_rate : ndarray (V, S)
        Share of each segment's customers new in a year [1/year].
    min_arr : ndarray (V, S)
        Thresholds [USD/year].
    cost_each : ndarray (V, S)
        Loaded cost of one of each segment's CSMs [USD/year].
    csm_cost : ndarray (V,)
        ``csm.loaded_cost_per_year``, which the top-down guideposts cost at [USD/year].
    customers, arr : ndarray (V, S) or None
        Segment sizes given outright (no book, or already counted); None to count them in the
        book at ``min_arr``.
    automated : ndarray (V, T)
        Share of each touchpoint's CSM time adopted software takes over [-]; 0 where none is adopted
        (:mod:`capacity.model.automation`).
    tooling_fixed, tooling_per_account : ndarray (V, T)
        The adopted automations' tooling: a fee a year [USD/year] and a fee per account of the
        segment a year [USD/account/year]; 0 where none is adopted.
    """

    scenario: Scenario
    book: Book | None
    working_hours: np.ndarray
    customer_hours: np.ndarray
    minutes: np.ndarray
    per_month: np.ndarray
    new_customer_rate: np.ndarray
    min_arr: np.ndarray
    cost_each: np.ndarray
    csm_cost: np.ndarray
    customers: np.ndarray | None = None
    arr: np.ndarray | None = None
    #: Account-level work (:mod:`capacity.model.accounts`): each segment's average work per account against an
    #: ordinary one, and its accounts that need CSM time, (V, S); None when the scenario weighs no account.
    workload_weight: np.ndarray | None = None
    served_customers: np.ndarray | None = None
    automated: np.ndarray | None = None
    tooling_fixed: np.ndarray | None = None
    tooling_per_account: np.ndarray | None = None

    def __post_init__(self) -> None:
        # Variants made before automation existed (or by hand) take none.
        if self.automated is None:
            zeros = np.zeros_like(self.minutes, dtype=float)
            object.__setattr__(self, "automated", zeros)
            object.__setattr__(self, "tooling_fixed", zeros)
            object.__setattr__(self, "tooling_per_account", zeros)

    def __len__(self) -> int:
        return len(self.customer_hours)

    @cached_property
    def segment_of(self) -> np.ndarray:
        """The segment index of each touchpoint, (T,)."""
        return np.array([s for s, seg in enumerate(self.scenario.segments) for _ in seg.touchpoints], dtype=np.int64)

    @cached_property
    def kind(self) -> np.ndarray:
        """Each touchpoint's kind, (T,)."""
        return np.array([tp.kind for seg in self.scenario.segments for tp in seg.touchpoints], dtype=object)

    def touchpoint_index(self, segment: int, touchpoint: int) -> int:
        """The column of touchpoint ``touchpoint`` of segment ``segment`` in the (V, T) arrays."""
        return sum(len(seg.touchpoints) for seg in self.scenario.segments[:segment]) + touchpoint

    def repeat(self, count: int) -> "Variants":
        """``count`` copies of row 0, to be set apart by a knob."""
        def rows(a):
            return None if a is None else np.repeat(a[:1], count, axis=0)

        return replace(self, **{k: rows(getattr(self, k)) for k in _ROW_FIELDS})

    def stack(self, others: "list[Variants]") -> "Variants":
        """These rows followed by the rows of ``others`` (same scenario structure)."""
        def joined(key):
            parts = [getattr(v, key) for v in [self, *others]]
            if any(p is None for p in parts):
                if not all(p is None for p in parts):
                    raise ValueError(f"cannot stack variants with and without given {key}")
                return None
            return np.concatenate(parts, axis=0)

        return replace(self, **{k: joined(k) for k in _ROW_FIELDS})

    def with_rows(self, **arrays) -> "Variants":
        """These variants with some arrays replaced (same number of rows)."""
        return replace(self, **arrays)


_ROW_FIELDS = ("working_hours", "customer_hours", "minutes", "per_month", "new_customer_rate", "min_arr", "cost_each",
               "csm_cost", "customers", "arr", "workload_weight", "served_customers", "automated", "tooling_fixed",
               "tooling_per_account")


def variants(scenario: Scenario, book: Book | None = None, *, customers=None, arr=None) -> Variants:
    """One variant: the scenario's own numbers.

    Parameters
    ----------
    scenario : Scenario
    book : Book, optional
        Segment sizes are counted in it at the scenario's thresholds (and at any thresholds
        a knob sets later). Without one, each segment's ``customers`` and ``arr`` are used.
    customers, arr : array-like (S,), optional
        Segment sizes already counted, used instead of counting.

    Raises
    ------
    ScenarioError
        Without a book and without sizes, when a segment lacks ``customers`` or ``arr``.
    """
    segments = scenario.segments
    csm = scenario.csm
    touchpoints = [tp for seg in segments for tp in seg.touchpoints]
    if book is None and customers is None:
        given = segment_sizes(scenario)
        customers, arr = given.customers, given.arr

    def row(values, dtype=float):
        return np.array([values], dtype=dtype).reshape(1, -1)

    weights = _account_weights(scenario, book)
    adopted = [tp.automation if tp.automated_share else None for tp in touchpoints]

    return Variants(
        scenario=scenario,
        book=book,
        working_hours=np.array([csm.working_hours_per_month]),
        customer_hours=np.array([csm.customer_hours_per_month]),
        minutes=row([tp.minutes for tp in touchpoints]),
        per_month=row([0.0 if tp.kind == "one_time" else tp.frequency_per_month for tp in touchpoints]),
        new_customer_rate=row([seg.new_customer_rate for seg in segments]),
        min_arr=row([seg.min_arr for seg in segments]),
        cost_each=row([scenario.loaded_cost_of(seg) for seg in segments]),
        csm_cost=np.array([csm.loaded_cost_per_year], dtype=float),
        customers=None if customers is None else row(customers, np.int64),
        arr=None if arr is None else row(arr),
        workload_weight=None if weights is None else row(weights.weight),
        served_customers=None if weights is None else row(weights.served_customers, np.int64),
        automated=row([tp.automated_share for tp in touchpoints]),
        tooling_fixed=row([(a.cost_per_year or 0.0) if a is not None else 0.0 for a in adopted]),
        tooling_per_account=row([(a.cost_per_account_per_year or 0.0) if a is not None else 0.0 for a in adopted]),
    )


def _account_weights(scenario: Scenario, book: Book | None, min_arr=None):
    """The segments' workload weights (:func:`capacity.model.accounts.workload_weights`), or None when no account is weighed."""
    from capacity.model import accounts

    if not accounts.uses_account_work(scenario, book):
        return None
    return accounts.workload_weights(scenario, book, min_arr=min_arr)


def _weights_at_thresholds(v: Variants) -> Variants:
    """Account weights for rows whose thresholds moved: which accounts a segment holds decides its weight."""
    if v.workload_weight is None or v.book is None:
        return v
    base = np.array([seg.min_arr for seg in v.scenario.segments], dtype=float)
    moved = np.flatnonzero((v.min_arr != base).any(axis=1))
    if not len(moved):
        return v
    weight, served = v.workload_weight.copy(), v.served_customers.copy()
    cache: dict[tuple, object] = {}
    for r in moved:
        key = tuple(v.min_arr[r])
        if key not in cache:
            cache[key] = _account_weights(v.scenario, v.book, min_arr=v.min_arr[r])
        weight[r], served[r] = cache[key].weight, cache[key].served_customers
    return v.with_rows(workload_weight=weight, served_customers=served)


@dataclass(frozen=True)
class Loads:
    """What the touchpoints cost, per touchpoint and summed per segment (see :mod:`capacity.formulas.workload`).

    Attributes
    ----------
    touchpoint : ndarray (V, T)
        Hours per customer per month of each touchpoint; for a program, hours per month of the
        whole segment [h/customer/month or h/month].
    frequency : ndarray (V, T)
        Occurrences per month; for a one-time touchpoint, the share of customers new in a
        month [1/month].
    per_customer : ndarray (V, S)
        Recurring, inbound and smoothed one-time hours per customer per month [h/customer/month].
    recurring : ndarray (V, S)
        The same without one-time work [h/customer/month].
    per_new_customer : ndarray (V, S)
        One-time work for one new customer, in the month it arrives [h/new customer].
    program : ndarray (V, S)
        One-to-many program hours of each segment per month [h/month].
    automated_per_customer, automated_program : ndarray (V, S)
        The hours adopted software delivers instead of CSMs: per customer a month (recurring, inbound,
        smoothed one-time) and of the segment's programs a month [h/customer/month, h/month]. Every
        figure above is CSM hours, after automation.
    """

    touchpoint: np.ndarray
    frequency: np.ndarray
    per_customer: np.ndarray
    recurring: np.ndarray
    per_new_customer: np.ndarray
    program: np.ndarray
    automated_per_customer: np.ndarray | None = None
    automated_program: np.ndarray | None = None


def touchpoint_hours(kind, minutes, per_month, new_customer_rate):
    r"""What one touchpoint costs a month, by its kind, and how often it happens.

    .. math:: h = \frac{m}{60} f \text{ (recurring, inbound, program)}, \quad
              h = \frac{m}{60} \frac{r_{new}}{12} \text{ (one-time)}

    Parameters
    ----------
    kind : str or array of str
        ``recurring``, ``inbound``, ``one_time`` or ``program``.
    minutes : float or array
        Duration of one occurrence [min].
    per_month : float or array
        Occurrences per month [1/month]; ignored for a one-time touchpoint.
    new_customer_rate : float or array
        Share of the segment's customers new in a year [1/year]; used by one-time touchpoints.

    Returns
    -------
    hours : float or array
        Hours per customer per month; for a program, hours per month of the whole segment
        [h/customer/month or h/month] (:func:`capacity.formulas.workload.activity_hours_per_month`,
        :func:`capacity.formulas.workload.one_time_hours_per_month`).
    frequency : float or array
        Occurrences per month; for a one-time touchpoint, the share of customers new in a
        month [1/month].
    """
    one_time = np.asarray(kind) == "one_time"
    hours = np.where(one_time, workload.one_time_hours_per_month(minutes, new_customer_rate),
                     workload.activity_hours_per_month(minutes, per_month))
    frequency = np.where(one_time, np.divide(new_customer_rate, workload.MONTHS_PER_YEAR), per_month)
    return hours, frequency


def loads(v: Variants) -> Loads:
    """Each touchpoint's hours and each segment's sums, in the scenario's order."""
    kind, segment_of = v.kind, v.segment_of
    rate = v.new_customer_rate[:, segment_of] if len(segment_of) else np.zeros_like(v.minutes)
    hours, frequency = touchpoint_hours(kind, v.minutes, v.per_month, rate)
    if v.workload_weight is not None:
        # Account-level work scales each account's own hours (recurring, inbound, one-time), not the programs.
        hours = np.where(kind == "program", hours, hours * v.workload_weight[:, segment_of])
    # Adopted software takes its share of the minutes (or, inbound, of the occurrences): the same CSM hours.
    automating = bool(v.automated.any())
    if automating:
        delivered = hours
        kept = 1.0 - v.automated
        hours = delivered * kept
        frequency = np.where(kind == "inbound", frequency * kept, frequency)
        taken = delivered * v.automated
    segments = len(v.scenario.segments)
    shape = (len(v), segments)
    per_customer, recurring, per_new, program, auto_customer, auto_program = (np.zeros(shape) for _ in range(6))
    for t, s in enumerate(segment_of):
        # One column at a time, in order: the same sums as adding a segment's touchpoints one by one.
        if kind[t] == "program":
            program[:, s] = program[:, s] + hours[:, t]
            if automating:
                auto_program[:, s] = auto_program[:, s] + taken[:, t]
            continue
        per_customer[:, s] = per_customer[:, s] + hours[:, t]
        if automating:
            auto_customer[:, s] = auto_customer[:, s] + taken[:, t]
        if kind[t] == "one_time":
            once = workload.one_time_hours_per_new_customer(v.minutes[:, t])
            if v.workload_weight is not None:
                once = once * v.workload_weight[:, s]
            if automating:
                once = once * kept[:, t]
            per_new[:, s] = per_new[:, s] + once
        else:
            recurring[:, s] = recurring[:, s] + hours[:, t]
    return Loads(hours, frequency, per_customer, recurring, per_new, program, auto_customer, auto_program)


@dataclass(frozen=True)
class Sizing:
    """The bottom-up answer for every variant.

    Per segment (V, S): ``customers``, ``arr``, ``fte`` (of one unsplit team), ``headcount`` and
    ``cost_per_year`` (CSMs' loaded cost, summed over vertical pools for a segment pooled by vertical),
    ``tooling`` (the adopted automations' tooling a year, :func:`capacity.formulas.payback.tooling_cost`),
    ``customers_per_csm`` (``inf`` when a customer needs no time). Per pool (V, S, P):
    ``pool_customers``, ``pool_arr``, ``pool_fte``, ``pool_headcount``, ``pool_cost`` for the pools
    of :func:`pool_groups` (zeros for segments not pooled). Per variant (V,): the totals.
    """

    loads: Loads
    customers: np.ndarray
    arr: np.ndarray
    workload_weight: np.ndarray | None  # (V, S), None when no account is weighed (capacity.model.accounts)
    served_customers: np.ndarray | None
    fte: np.ndarray
    headcount: np.ndarray
    cost_per_year: np.ndarray
    customers_per_csm: np.ndarray
    unsplit_headcount: np.ndarray
    pooled: np.ndarray  # (S,) bool: sized per vertical pool
    pool_customers: np.ndarray
    pool_arr: np.ndarray
    pool_fte: np.ndarray
    pool_headcount: np.ndarray
    pool_cost: np.ndarray
    total_customers: np.ndarray
    total_arr: np.ndarray
    total_fte: np.ndarray
    total_headcount: np.ndarray
    total_cost: np.ndarray
    tooling: np.ndarray | None = None
    total_tooling: np.ndarray | None = None


def segment_counts(book: Book, min_arr) -> tuple[np.ndarray, np.ndarray]:
    """Customers and ARR [USD/year] of each segment at thresholds ``min_arr`` (V, S), by binary searches.

    Thresholds of one row must be distinct; they need not be in order.
    """
    return counts_at(book, np.atleast_2d(np.asarray(min_arr, dtype=float)))


def pool_groups(scenario: Scenario, book: Book) -> list[list[tuple[str, tuple[str, ...]]]]:
    """Per segment, its vertical pools as (pool name, its verticals); empty for a segment not pooled.

    One pool per vertical of the book, or with ``pool_verticals`` the listed verticals on their
    own and every other vertical in one :data:`MIXED_POOL`.

    Raises
    ------
    ScenarioError
        When a segment pools by vertical without a book with verticals, or lists a vertical the
        book does not have.
    """
    pooled = [i for i, seg in enumerate(scenario.segments) if seg.pool_by == "vertical"]
    if not pooled:
        return [[] for _ in scenario.segments]
    where = f"segments[{pooled[0]}].pool_by"
    if book is None:
        raise ScenarioError(
            "pool_by: vertical needs a book of accounts with a vertical column to count customers per vertical",
            file=scenario.source, where=where,
        )
    known = sorted(book.by_vertical)
    if set(known) == {UNASSIGNED_VERTICAL}:
        raise ScenarioError(
            f"pool_by: vertical, but the book {'' if book.source is None else str(book.source) + ' '}has no verticals "
            "(every account is Unassigned); add a vertical column",
            file=scenario.source, where=where,
        )
    out = []
    for index, seg in enumerate(scenario.segments):
        if seg.pool_by != "vertical":
            out.append([])
        elif seg.pool_verticals is None:
            out.append([(v, (v,)) for v in known])
        else:
            for j, vertical in enumerate(seg.pool_verticals):
                if vertical not in known:
                    hint = difflib.get_close_matches(vertical, known, n=1, cutoff=0.6)
                    suggestion = f" (did you mean {hint[0]!r}?)" if hint else f"; the book's verticals are: {', '.join(known)}"
                    raise ScenarioError(f"vertical {vertical!r} is not in the book{suggestion}",
                                        file=scenario.source, where=f"segments[{index}].pool_verticals[{j}]")
            rest = tuple(v for v in known if v not in seg.pool_verticals)
            out.append([(v, (v,)) for v in seg.pool_verticals] + ([(MIXED_POOL, rest)] if rest else []))
    return out


def size(v: Variants) -> Sizing:
    """Size every variant: FTE, headcount and cost per segment (and vertical pool), and totals.

    Raises
    ------
    ScenarioError, BookError
        Thresholds that meet or leave accounts below the lowest segment; vertical pools without
        a book of verticals.
    """
    scenario = v.scenario
    v = _weights_at_thresholds(v)
    load = loads(v)
    if v.customers is not None:
        customers, arr = v.customers, v.arr
    else:
        check_thresholds(v.scenario, v.book, v.min_arr)
        customers, arr = counts_at(v.book, v.min_arr)
    count, segments = customers.shape
    hours = v.customer_hours[:, None]
    fte = workload.fte(customers, load.per_customer, load.program, hours)
    unsplit = workload.headcount(fte)
    heads = unsplit.copy()
    groups = pool_groups(scenario, v.book) if any(seg.pool_by == "vertical" for seg in scenario.segments) else \
        [[] for _ in scenario.segments]
    width = max((len(g) for g in groups), default=0)
    pool_customers = np.zeros((count, segments, width), dtype=np.int64)
    pool_arr = np.zeros((count, segments, width))
    pool_fte = np.zeros((count, segments, width))
    pool_heads = np.zeros((count, segments, width), dtype=np.int64)
    pool_cost = np.zeros((count, segments, width))
    cost = workload.annual_cost(unsplit, v.cost_each)
    pooled = np.array([bool(g) for g in groups])
    if width:
        by_vertical = {name: counts_at(sorted_arr, v.min_arr) for name, sorted_arr in v.book.by_vertical.items()}
        for s, group in enumerate(groups):
            if not group:
                continue
            split_cost = np.zeros(count)
            for p, (_, verticals) in enumerate(group):
                for name in verticals:
                    pool_customers[:, s, p] += by_vertical[name][0][:, s]
                    pool_arr[:, s, p] = pool_arr[:, s, p] + by_vertical[name][1][:, s]
                share = workload.pool_share(pool_customers[:, s, p], customers[:, s])
                program = load.program[:, s] * share
                pool_fte[:, s, p] = workload.fte(pool_customers[:, s, p], load.per_customer[:, s], program, v.customer_hours)
                pool_heads[:, s, p] = workload.headcount(pool_fte[:, s, p])
                pool_cost[:, s, p] = workload.annual_cost(pool_heads[:, s, p], v.cost_each[:, s])
                split_cost = split_cost + pool_cost[:, s, p]
            # A segment without customers stays one team: its programs alone need no split.
            staffed = customers[:, s] > 0
            heads[:, s] = np.where(staffed, pool_heads[:, s].sum(axis=1), unsplit[:, s])
            cost[:, s] = np.where(staffed, split_cost, cost[:, s])
    total_fte, total_cost = np.zeros(count), np.zeros(count)
    for s in range(segments):
        total_fte = total_fte + fte[:, s]
        total_cost = total_cost + cost[:, s]
    tooling = np.zeros((count, segments))
    for t, s in enumerate(v.segment_of):
        tooling[:, s] = tooling[:, s] + payback.tooling_cost(v.tooling_fixed[:, t], v.tooling_per_account[:, t],
                                                             customers[:, s])
    total_tooling = np.zeros(count)
    for s in range(segments):
        total_tooling = total_tooling + tooling[:, s]
    return Sizing(
        loads=load,
        customers=customers,
        arr=arr,
        workload_weight=v.workload_weight,
        served_customers=v.served_customers,
        fte=fte,
        headcount=heads,
        cost_per_year=cost,
        customers_per_csm=workload.customers_per_csm(hours, load.per_customer),
        unsplit_headcount=unsplit,
        pooled=pooled,
        pool_customers=pool_customers,
        pool_arr=pool_arr,
        pool_fte=pool_fte,
        pool_headcount=pool_heads,
        pool_cost=pool_cost,
        total_customers=customers.sum(axis=1),
        total_arr=np.sum(arr, axis=1),
        total_fte=total_fte,
        total_headcount=heads.sum(axis=1),
        total_cost=total_cost,
        tooling=tooling,
        total_tooling=total_tooling,
    )
