"""Inbound work as a queue: staffing by a service level (Erlang C), not by average hours.

A pooled team answering inbound questions is an M/M/n queue: contacts arrive at random
(Poisson, rate :math:`\\lambda`), each takes on average :math:`h` to handle (exponential),
and :math:`n` agents answer them first come, first served. Sizing such a team by average
hours (:math:`a = \\lambda h` agents) leaves it fully occupied and the queue unbounded;
contact-centre planning instead takes the fewest agents whose share of contacts answered
within a target time meets a service level, within a cap on occupancy.

Every formula is a pure function that accepts scalars or numpy arrays. The Erlang B
recursion keeps them exact and finite for thousands of agents, where the textbook form
:math:`a^n / n!` overflows past about 170.

Sources: A. K. Erlang (1917); L. Kleinrock, *Queueing Systems* vol. 1 (1975), section 3.5;
G. Koole, *Call Center Optimization* (2013), chapter 3 (service level and the Erlang B
recursion).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

__all__ = [
    "traffic_erlangs",
    "erlang_b",
    "erlang_c_waiting_probability",
    "erlang_c_service_level_at",
    "erlang_c_expected_wait",
    "erlang_c_service_level",
    "erlang_c_agents",
    "InboundSizing",
    "inbound_sizing",
]

MINUTES_PER_HOUR = 60.0


def traffic_erlangs(arrivals_per_hour, handle_minutes):
    r"""Offered load: the agents that would be busy all the time on average.

    .. math:: a = \lambda \cdot h / 60

    Parameters
    ----------
    arrivals_per_hour : float or array
        Contacts arriving per hour [1/h].
    handle_minutes : float or array
        Average handling time of a contact [min].

    Returns
    -------
    float or array
        Offered load [Erlang = agents].

    Examples
    --------
    >>> float(traffic_erlangs(200, 3))  # 200 contacts an hour of 3 min each keep 10 agents busy
    10.0
    """
    return np.multiply(arrivals_per_hour, handle_minutes) / MINUTES_PER_HOUR


def erlang_b(agents, traffic):
    r"""Erlang B: the probability that all ``agents`` are busy in a loss system (no queue).

    .. math:: B(0, a) = 1, \qquad B(k, a) = \frac{a B(k-1, a)}{k + a B(k-1, a)}

    The recursion equals :math:`\frac{a^n/n!}{\sum_{k=0}^{n} a^k/k!}` without computing a
    factorial, so it stays finite and exact to rounding for any number of agents
    (Koole 2013, section 3.2).

    Parameters
    ----------
    agents : int or array of int
        Agents answering [agents], 0 or more.
    traffic : float or array
        Offered load :func:`traffic_erlangs` [Erlang], 0 or more.

    Returns
    -------
    float or array
        Blocking probability [-], in [0, 1].

    Examples
    --------
    >>> round(float(erlang_b(2, 1.0)), 6)  # (1/2) / (1 + 1 + 1/2) = 0.2
    0.2
    """
    n, a = np.broadcast_arrays(np.asarray(agents, dtype=np.int64), np.asarray(traffic, dtype=float))
    if (n < 0).any() or (a < 0).any():
        raise ValueError("agents and traffic must be 0 or more")
    b = np.ones(n.shape, dtype=float)
    for k in range(1, int(n.max(initial=0)) + 1):
        step = a * b / (k + a * b)
        b = np.where(k <= n, step, b)
    return b if b.ndim else float(b)


def erlang_c_waiting_probability(agents, traffic):
    r"""Erlang C: the probability that a contact has to wait for an agent.

    .. math:: C(n, a) = \frac{n B(n, a)}{n - a (1 - B(n, a))} \quad (n > a), \qquad C = 1 \quad (n \le a)

    With no more agents than the offered load the queue grows without bound and every
    contact waits (Kleinrock 1975, eq. 3.40; :func:`erlang_b` for :math:`B`).

    Parameters
    ----------
    agents : int or array of int
        Agents answering [agents].
    traffic : float or array
        Offered load [Erlang].

    Returns
    -------
    float or array
        Probability of waiting [-], in [0, 1]; 0 when there is no traffic.

    Examples
    --------
    >>> round(float(erlang_c_waiting_probability(2, 1.0)), 6)  # 2 x 0.2 / (2 - 0.8) = 1/3
    0.333333
    """
    n, a = np.broadcast_arrays(np.asarray(agents, dtype=np.int64), np.asarray(traffic, dtype=float))
    b = np.asarray(erlang_b(n, a), dtype=float)
    stable = n > a
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(stable, n * b / (n - a * (1 - b)), 1.0)
    c = np.where(a == 0, 0.0, np.clip(c, 0.0, 1.0))
    return c if c.ndim else float(c)


def erlang_c_service_level_at(agents, traffic, answer_within_handle_times):
    r"""Share of contacts answered within a target time, with the target in handling times.

    .. math:: SL = 1 - C(n, a)\, e^{-(n - a)\, t / h} \quad (n > a), \qquad SL = 0 \quad (n \le a)

    Parameters
    ----------
    agents : int or array of int
        Agents answering [agents].
    traffic : float or array
        Offered load [Erlang].
    answer_within_handle_times : float or array
        Target answer time over the average handling time, :math:`t / h` [-].

    Returns
    -------
    float or array
        Service level [-], in [0, 1]; 1 when there is no traffic.
    """
    n, a, ratio = np.broadcast_arrays(np.asarray(agents, dtype=np.int64), np.asarray(traffic, dtype=float),
                                      np.asarray(answer_within_handle_times, dtype=float))
    c = np.asarray(erlang_c_waiting_probability(n, a), dtype=float)
    level = np.where(n > a, 1.0 - c * np.exp(-np.maximum(n - a, 0.0) * ratio), 0.0)
    level = np.where(a == 0, 1.0, np.clip(level, 0.0, 1.0))
    return level if level.ndim else float(level)


def erlang_c_expected_wait(agents, arrivals_per_hour, handle_minutes):
    r"""Average wait of a contact before an agent answers (all contacts, waiting or not).

    .. math:: W_q = \frac{C(n, a)\, h}{n - a} \quad (n > a), \qquad W_q = \infty \quad (n \le a)

    Parameters
    ----------
    agents : int or array of int
        Agents answering [agents].
    arrivals_per_hour : float or array
        Contacts arriving per hour [1/h].
    handle_minutes : float or array
        Average handling time [min].

    Returns
    -------
    float or array
        Expected wait [min]; ``inf`` when the queue is unstable, 0 without traffic.

    Examples
    --------
    >>> round(float(erlang_c_expected_wait(2, 20, 3)), 6)  # a = 1: (1/3) x 3 min / (2 - 1) = 1 min
    1.0
    """
    a = np.asarray(traffic_erlangs(arrivals_per_hour, handle_minutes), dtype=float)
    n, a, h = np.broadcast_arrays(np.asarray(agents, dtype=np.int64), a, np.asarray(handle_minutes, dtype=float))
    c = np.asarray(erlang_c_waiting_probability(n, a), dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        wait = np.where(n > a, c * h / (n - a), np.inf)
    wait = np.where(a == 0, 0.0, wait)
    return wait if wait.ndim else float(wait)


def erlang_c_service_level(agents, arrivals_per_hour, handle_minutes, answer_within_minutes):
    r"""Share of contacts answered within ``answer_within_minutes`` by ``agents`` agents (Erlang C).

    .. math:: SL = 1 - C(n, a)\, e^{-(n - a)\, t / h}, \qquad a = \lambda h / 60

    Parameters
    ----------
    agents : int or array of int
        Agents answering [agents].
    arrivals_per_hour : float or array
        Contacts arriving per hour [1/h].
    handle_minutes : float or array
        Average handling time of a contact [min], above 0.
    answer_within_minutes : float or array
        Target time to answer [min], 0 or more.

    Returns
    -------
    float or array
        Service level [-]: 0 with no more agents than the offered load, 1 without contacts.

    Examples
    --------
    >>> round(erlang_c_service_level(14, 200, 3, 0.33), 3)  # 10 Erlang on 14 agents, 20 s target
    0.888
    """
    if np.any(np.asarray(handle_minutes) <= 0):
        raise ValueError("handle_minutes must be above 0")
    if np.any(np.asarray(answer_within_minutes) < 0):
        raise ValueError("answer_within_minutes must be 0 or more")
    a = traffic_erlangs(arrivals_per_hour, handle_minutes)
    return erlang_c_service_level_at(agents, a, np.divide(answer_within_minutes, handle_minutes))


def erlang_c_agents(arrivals_per_hour: float, handle_minutes: float, answer_within_minutes: float,
                    service_level: float, max_occupancy: float = 1.0) -> int:
    r"""The fewest agents that answer ``service_level`` of contacts within the target, occupancy capped.

    .. math:: n^* = \min \{ n > a : SL(n) \ge s,\; a / n \le \rho_{max} \}

    Service level rises with every agent added, so the search walks up from the smallest
    stable team, extending the Erlang B recursion one agent at a time (linear in
    :math:`n^*`). Occupancy :math:`a / n` is the share of an agent's time spent handling
    contacts; a cap below 1 may bind before the service level does (Koole 2013, section 3.4).

    Parameters
    ----------
    arrivals_per_hour : float
        Contacts arriving per hour [1/h], 0 or more.
    handle_minutes : float
        Average handling time [min], above 0.
    answer_within_minutes : float
        Target time to answer [min], 0 or more.
    service_level : float
        Share of contacts to answer within the target [-], above 0 and below 1.
    max_occupancy : float
        Highest acceptable occupancy [-], above 0 and at most 1.

    Returns
    -------
    int
        Agents [agents]; 0 without contacts.

    Examples
    --------
    >>> erlang_c_agents(200, 3, 0.33, 0.8, 0.85)  # 10 Erlang: the service level binds
    14
    >>> erlang_c_agents(200, 3, 0.33, 0.8, 0.7)   # ceil(10 / 0.7): the occupancy cap binds
    15
    """
    if not (math.isfinite(arrivals_per_hour) and arrivals_per_hour >= 0):
        raise ValueError("arrivals_per_hour must be a finite number, 0 or more")
    if not (math.isfinite(handle_minutes) and handle_minutes > 0):
        raise ValueError("handle_minutes must be a finite number above 0")
    if not (math.isfinite(answer_within_minutes) and answer_within_minutes >= 0):
        raise ValueError("answer_within_minutes must be a finite number, 0 or more")
    if not 0 < service_level < 1:
        raise ValueError("service_level must be above 0 and below 1")
    if not 0 < max_occupancy <= 1:
        raise ValueError("max_occupancy must be above 0 and at most 1")
    a = float(traffic_erlangs(arrivals_per_hour, handle_minutes))
    if a == 0:
        return 0
    ratio = answer_within_minutes / handle_minutes
    # Occupancy a / n <= cap, and a stable queue (n > a); the small tolerance keeps 10 / (10 / 0.8) from
    # asking for one more agent through rounding.
    lowest = max(math.floor(a) + 1, math.ceil(a / max_occupancy - 1e-9))
    b = 1.0
    n = 0
    while True:
        n += 1
        b = a * b / (n + a * b)
        if n < lowest:
            continue
        waiting = n * b / (n - a * (1 - b))
        if 1.0 - waiting * math.exp(-(n - a) * ratio) >= service_level:
            return n


@dataclass(frozen=True)
class InboundSizing:
    """The inbound part of a pooled segment, sized by hours and by a service level.

    FTE are CSMs; ``agents`` are the people answering the queue during working hours, so
    ``fte = agents / customer_time_share``.
    """

    contacts_per_month: float
    arrivals_per_hour: float
    handle_minutes: float
    traffic_erlangs: float
    agents: int
    service_level: float
    occupancy: float
    expected_wait_minutes: float
    inbound_fte_by_hours: float
    inbound_fte_by_service_level: float
    queueing_headroom_fte: float

    def to_dict(self) -> dict:
        return asdict(self)


def inbound_sizing(customers, minutes, per_month, working_hours_per_month: float, customer_time_share: float,
                   answer_within_minutes: float, service_level: float, max_occupancy: float = 1.0) -> InboundSizing:
    r"""Size a segment's inbound touchpoints as one queue, against sizing them by their hours.

    Contacts arrive evenly over a CSM's working hours, so

    .. math::

        \lambda = \frac{N \sum_i f_i}{H_w}, \qquad h = \frac{\sum_i f_i m_i}{\sum_i f_i}, \qquad
        a = \frac{\lambda h}{60} = \frac{N \sum_i f_i m_i / 60}{H_w}

    and the agents :math:`n^*` of :func:`erlang_c_agents` are on the queue in their customer
    time, a share :math:`s` of their working hours:

    .. math::

        FTE_{hours} = a / s = \frac{N \sum_i f_i m_i / 60}{H_w s}, \qquad
        FTE_{SL} = n^* / s, \qquad \text{headroom} = FTE_{SL} - FTE_{hours}

    :math:`FTE_{hours}` is the inbound share of the segment's FTE as
    :func:`capacity.formulas.workload.fte` computes it.

    Parameters
    ----------
    customers : int
        Customers in the segment [customers].
    minutes : sequence of float
        Handling time of each inbound touchpoint [min].
    per_month : sequence of float
        Contacts per customer per month of each inbound touchpoint [1/customer/month].
    working_hours_per_month : float
        Working hours of a CSM in a month [h/month].
    customer_time_share : float
        Share of working hours a CSM spends with customers [-].
    answer_within_minutes, service_level, max_occupancy : float
        The target, as in :func:`erlang_c_agents`.

    Returns
    -------
    InboundSizing
    """
    minutes = np.asarray(minutes, dtype=float)
    per_month = np.asarray(per_month, dtype=float)
    contacts = float(customers * per_month.sum())
    arrivals = contacts / working_hours_per_month
    weight = float(per_month.sum())
    handle = float((per_month * minutes).sum() / weight) if weight > 0 else 0.0
    traffic = float(traffic_erlangs(arrivals, handle))
    if traffic == 0:
        # No contacts, or contacts that take no time: nothing to queue for.
        agents, level, wait = 0, 1.0, 0.0
    else:
        agents = erlang_c_agents(arrivals, handle, answer_within_minutes, service_level, max_occupancy)
        level = float(erlang_c_service_level(agents, arrivals, handle, answer_within_minutes))
        wait = float(erlang_c_expected_wait(agents, arrivals, handle))
    by_hours = traffic / customer_time_share
    by_level = agents / customer_time_share
    return InboundSizing(
        contacts_per_month=contacts,
        arrivals_per_hour=arrivals,
        handle_minutes=handle,
        traffic_erlangs=traffic,
        agents=agents,
        service_level=level,
        occupancy=traffic / agents if agents else 0.0,
        expected_wait_minutes=wait,
        inbound_fte_by_hours=by_hours,
        inbound_fte_by_service_level=by_level,
        queueing_headroom_fte=by_level - by_hours,
    )


def apply_inbound_service(segment_plan, segment, working_hours_per_month: float, customer_time_share: float):
    """A segment's plan with its inbound touchpoints staffed by :attr:`Segment.inbound_service`.

    The inbound hours' share of the FTE (:attr:`InboundSizing.inbound_fte_by_hours`) is replaced
    by the FTE the service level needs; everything else of the segment is sized as before.
    Headcount, cost and ARR per CSM follow the new FTE; ``inbound`` holds the sizing.

    Parameters
    ----------
    segment_plan : capacity.model.plan.SegmentPlan
    segment : capacity.inputs.scenario.Segment
        With ``inbound_service`` set.
    working_hours_per_month : float
        A CSM's working hours [h/month].
    customer_time_share : float
        Share of them spent with customers [-].
    """
    import dataclasses

    from capacity.formulas import workload

    target = segment.inbound_service
    inbound = [tp for tp in segment.touchpoints if tp.kind == "inbound"]
    sizing = inbound_sizing(
        segment_plan.customers,
        [tp.minutes for tp in inbound],
        # Questions deflected by adopted software never reach the queue.
        [tp.frequency_per_month * (1 - tp.automated_share) for tp in inbound],
        working_hours_per_month,
        customer_time_share,
        target.answer_within_minutes,
        target.service_level,
        target.max_occupancy,
    )
    need = max(segment_plan.fte - sizing.inbound_fte_by_hours, 0.0) + sizing.inbound_fte_by_service_level
    heads = workload.headcount(need)
    return dataclasses.replace(
        segment_plan,
        fte=need,
        headcount=heads,
        cost_per_year=float(workload.annual_cost(heads, segment_plan.loaded_cost_per_year)),
        arr_per_csm=workload.safe_ratio(segment_plan.arr, heads),
        inbound=sizing,
    )
