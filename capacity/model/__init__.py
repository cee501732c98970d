"""The model: segments, each account's work, sizing, the steady-state plan and the fiscal year.

``segments`` (accounts to segments by ARR), ``accounts`` (per-account work: multipliers, who is
served), ``sizing`` (the array core behind every headcount), ``plan`` (:func:`capacity.plan`),
``fiscal`` (:func:`capacity.fiscal_plan`, month by month), ``knobs`` (the drivers a person may move:
sliders, the tornado, options).

May import :mod:`capacity.inputs`, :mod:`capacity.formulas` and the shared leaves.
"""
