"""The model: segments, each account's work, sizing, the steady-state plan and the fiscal year.

``segments`` (accounts to segments by ARR), ``accounts`` (per-account work: multipliers, who is
served), ``sizing`` (the array core behind every headcount), ``plan`` (:func:`capacity.plan`),
``fiscal`` (:func:`capacity.fiscal_plan`, month by month), ``knobs`` (the drivers a person may move:
sliders, the tornado, options), ``automation`` (software that takes over part of a touchpoint), ``payback``
(each segment's cost against the ARR it must keep or add to pay back).

May import :mod:`capacity.inputs`, :mod:`capacity.formulas` and the shared leaves.
"""
