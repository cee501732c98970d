"""The sample company, shipped with the package: a scenario, its book of accounts and its activity log.

``capacity report`` and ``capacity app`` without a scenario, and every command given ``--example``,
run on :data:`SCENARIO`; ``capacity sample --out DIR`` copies the files to edit them. The folder's
``README.md`` says how each file was made (all of them are synthetic and regenerate byte for byte).

>>> from capacity import sample
>>> sample.SCENARIO.name, sample.BOOK.name
('scenario.yaml', 'book.csv')
>>> all(path.is_file() for path in sample.FILES)
True

A leaf: imports nothing from capacity, so that every layer may name the sample.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["FOLDER", "SCENARIO", "BOOK", "ACTIVITIES", "HEALTHCARE_POOL", "README", "FILES"]

#: The folder holding the sample's files (inside the installed package).
FOLDER = Path(__file__).resolve().parent
#: The sample scenario: four segments, a fiscal year, an uncertainty block, options and a trade-off menu.
SCENARIO = FOLDER / "scenario.yaml"
#: 3,000 synthetic accounts (``account_id``, ``name``, ``arr``, ``vertical``, ``renewal_date``, ``csm``, ``health``).
BOOK = FOLDER / "book.csv"
#: A synthetic year of logged activity of :data:`BOOK`, as a CRM exports it.
ACTIVITIES = FOLDER / "activities.csv"
#: :data:`SCENARIO` with a dedicated Healthcare pool in Mid-Market.
HEALTHCARE_POOL = FOLDER / "scenario-healthcare-pool.yaml"
#: How the files were made.
README = FOLDER / "README.md"
#: Every file of the sample, as ``capacity sample --out DIR`` copies them.
FILES = (SCENARIO, HEALTHCARE_POOL, BOOK, ACTIVITIES, README)
