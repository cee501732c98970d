"""Analyses on top of the model: each takes a loaded context and answers one question with the model.

``sensitivity`` (the tornado), ``simulate`` (Monte Carlo ranges), ``options`` and ``fit`` (variants
side by side, the exact fit to a cap), ``team`` and ``rebalance`` (today's books and the fewest
moves), ``calibrate`` and ``activity_synth`` (designed against logged work), ``whatif`` (the state
behind the what-if's sliders), ``hire_or_automate`` (each automation against hiring) and ``business_case``
(does it pay back, which coverage change pays back most).

May import :mod:`capacity.model` and everything below it; no view, widget, chart or app library.
"""
