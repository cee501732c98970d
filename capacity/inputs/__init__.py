"""Reading inputs: the scenario file, the book of accounts and its sources, column mapping.

``scenario`` (the validated, frozen :class:`~capacity.inputs.scenario.Scenario`), ``keypath`` (one
scenario key by path, for changes), ``book`` (a CRM export read, checked and sorted once),
``book_columns`` (which header is which column), ``sources`` (books in databases), ``context`` (a
scenario and its book loaded once), ``synth`` (the seeded sample book).

May import :mod:`capacity.formulas` and the shared leaves; never the model, analyses, views or apps.
"""
