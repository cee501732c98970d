"""Views: results turned into something a person reads, adding no numbers of their own.

``content`` (the numbers, tables and sentences every view shares), ``text`` (the command line's
tables), ``charts`` (plotly figures), ``html`` and ``sections`` (the report's pages), ``workbook``
and ``excel`` (values and the live Excel model), ``widgets`` (the what-if's ipywidgets).

May import :mod:`capacity.analysis` and everything below it; never :mod:`capacity.apps`.
"""
