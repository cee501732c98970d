"""Formulas: small pure functions of numbers, scalars or arrays alike, each with its units and source.

``workload`` (hours a touchpoint asks of a customer, a CSM's customer hours), ``staffing`` (ramp,
attrition, monthly rates of the fiscal year), ``queueing`` (Erlang C for inbound work), ``payback``
(the break-even ARR of a cost at a gross margin, the return of coverage by retention, what automation
tooling is worth).

Imports only the shared leaves (:mod:`capacity.exceptions`, :mod:`capacity.formatting`,
:mod:`capacity.files`) and numpy; nothing else of capacity.
"""
