"""The book of accounts: read as CRMs export it, checked, ARR in cents sorted once.

A book has one row per account: ``account_id`` and ``arr`` required; ``name``, ``vertical``,
``renewal_date``, ``csm``, ``health``, ``workload_multiplier``, ``locked``, ``parent_account_id`` and
``currency`` optional. It comes as a CSV
file, an Excel workbook, a Parquet file or a database table; column names are matched loosely
("Account ID", "ARR") or through a scenario's ``book_columns``. It is read with pyarrow and
checked with pyarrow.compute and numpy, in Arrow columns (no Python object per account).

Where each rule lives:

- ``load``: :func:`~capacity.inputs.book.load.load_book`, which reader for which source; ``csv_file``, ``excel``: reading
  those formats (:mod:`capacity.inputs.sources`: Parquet files and databases);
  :mod:`capacity.inputs.headers`: the header checks shared with activity logs (other formats,
  UTF-8, semicolons, a header below row 1, missing or repeated columns);
  :mod:`capacity.inputs.book_columns`: which header is which column, which columns a plan reads.
- cells: ``ids`` (trimmed text, none blank or repeated), ``amounts`` (ARR as exports write it, in
  cents; what reads two ways is refused), ``categories`` (vertical, csm, health), ``multipliers``
  (workload_multiplier), ``typed_cells`` (Excel's, Parquet's and databases' numbers and dates as text).
- ``report_lines``: a report's title block and footer, set aside with a note each (``Book.notes``);
  ``layout``: an export's header row before anyone has said which column is which.
- ``currencies``: a ``currency`` column, ARR converted to the scenario's currency with ``fx_rates``
  or refused.
- ``checks``: the order every book is checked in, and the checks of whole rows (a total row,
  blank rows at the end, rows shifted by an unquoted comma).
- ``rows``: the row a message names, as the user sees the file.
- ``book``: :class:`~capacity.inputs.book.book.Book` and :class:`~capacity.inputs.book.book.SortedARR`: ARR in integer cents, sorted once, so segment
  counts and ARR for any thresholds are binary searches.
"""

# The names every other module imports from here; they are documented where they are defined.
from capacity.inputs.book.amounts import MAX_PLAUSIBLE_ARR
from capacity.inputs.book.book import Book, SortedARR
from capacity.inputs.book.categories import UNASSIGNED_VERTICAL
from capacity.inputs.book.load import load_book
from capacity.inputs.book.multipliers import MAX_WORKLOAD_MULTIPLIER
from capacity.inputs.book_columns import CATEGORY_COLUMNS, OPTIONAL_COLUMNS, REQUIRED_COLUMNS

