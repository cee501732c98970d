"""Reading inputs: the scenario file, the book of accounts and its sources, column mapping, activity logs.

``scenario`` (the validated, frozen :class:`~capacity.inputs.scenario.Scenario`), ``keypath`` (one
scenario key by path, for changes), ``book`` (a package: a CRM export read, checked and sorted
once; its ``__init__`` says which module holds which rule), ``book_columns`` (which header is which
column), ``headers`` (the checks of a table's file and header row, shared by books and activity
logs), ``sources`` (books in Parquet files and databases), ``activities`` (activity logs),
``context`` (a scenario and its book loaded once), ``synth`` (the seeded sample book).

May import :mod:`capacity.formulas` and the shared leaves; never the model, analyses, views or apps.
"""
