"""From a CRM export to a starting scenario: what ``capacity init`` and the app's start page share.

:func:`start` reads an export's header, recognises its columns (:mod:`capacity.inputs.recognise`),
loads the book with that mapping, and proposes tiers with a starting library of touchpoints
(:mod:`capacity.inputs.starter`). A :class:`Start` is frozen: a person's edits (another column for
ARR, another threshold, a renamed touchpoint) make a new one (:func:`with_mapping`,
:func:`with_segments`), and :meth:`Start.scenario_text` writes the scenario they lead to. The plan
of a start is the plan of that text, loaded as the command line would load it: the app's numbers and
``capacity plan`` on the downloaded scenario are the same call.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from capacity.exceptions import ScenarioError
from capacity.files import write_text
from capacity.inputs import sources
from capacity.inputs.book import Book, load_book
from capacity.inputs.book.layout import export_header
from capacity.inputs.book_columns import BOOK_COLUMNS
from capacity.inputs.recognise import Recognition, recognise
from capacity.inputs.scenario import Scenario, load_scenario
from capacity.inputs.starter import SegmentDraft, drafts, propose_segments, relative_book, scenario_yaml, tier_sizes

__all__ = ["Start", "refuse_existing", "start", "with_mapping", "with_segments", "write_scenario"]


@dataclass(frozen=True)
class Start:
    """An export read and a starting scenario proposed for it.

    Attributes
    ----------
    export : path or database book
        Where the accounts come from.
    header : tuple of str
        The export's header row.
    recognition : Recognition
        Which column is which, and where each header comes from.
    overrides : mapping
        The columns the person named (``--map``), canonical name to header ("" leaves a column unread).
    book : Book
        The accounts, read with the recognised mapping.
    segments : tuple of SegmentDraft
        The tiers and their touchpoints, as proposed or as edited.
    currency : str
        The three-letter code the scenario's money is in.
    sheet : str, optional
        The workbook's sheet the book is on.
    fx_rates : mapping, optional
        Units of ``currency`` per unit of each other currency of the book's currency column.
    """

    export: Any
    header: tuple[str, ...]
    recognition: Recognition
    overrides: Mapping[str, str]
    book: Book
    segments: tuple[SegmentDraft, ...]
    currency: str = "USD"
    sheet: str | None = None
    fx_rates: Mapping[str, float] | None = None

    @property
    def label(self) -> str:
        """The export's name, as the scenario and the messages call it."""
        if sources.is_database_book(self.export):
            return sources.DatabaseBook.of(self.export).label
        return Path(self.export).name

    @property
    def book_columns(self) -> dict[str, str]:
        """The scenario's ``book_columns``: every recognised column the book reader knows."""
        return {name: header for name, header in self.recognition.mapping.items() if name in BOOK_COLUMNS}

    def column_notes(self) -> dict[str, str]:
        """A comment per mapped column: where its header comes from, or why it is only a fallback."""
        notes = {}
        for column in self.recognition.columns:
            if column.mapped:
                notes[column.name] = "named on the command line"
            else:
                where = ", ".join(column.tools)
                notes[column.name] = f"{where}: {column.note}" if column.note else where
        return notes

    def scenario_text(self, scenario_path: str | Path | None = None, *, today: datetime.date | None = None) -> str:
        """The starting scenario's YAML. ``book:`` is the export relative to ``scenario_path``'s folder (its file
        name without a path), or the database book's keys."""
        if sources.is_database_book(self.export):
            spec = sources.DatabaseBook.of(self.export)
            book: str | dict = {k: v for k, v in (("url", spec.url), ("table", spec.table), ("query", spec.query)) if v}
        elif scenario_path is None:
            book = Path(self.export).name
        else:
            book = relative_book(Path(self.export), Path(scenario_path))
        return scenario_yaml(self.segments, book=book, book_columns=self.book_columns, column_notes=self.column_notes(),
                             export_name=self.label, currency=self.currency, today=today,
                             starting_headcount=self.starting_headcount(), book_sheet=self.sheet,
                             fx_rates=self.fx_rates)

    def scenario(self, scenario_path: str | Path | None = None) -> Scenario:
        """The starting scenario, validated (its book given by this start's, not read again)."""
        import yaml

        data = yaml.safe_load(self.scenario_text(scenario_path))
        data.pop("book", None)
        return load_scenario(data)

    def plan(self):
        """The plan of the starting scenario on this start's book: :func:`capacity.plan` of :meth:`scenario`."""
        from capacity.inputs.context import Context
        from capacity.model.plan import plan

        return plan(Context(self.scenario(), self.book))

    def starting_headcount(self) -> dict[str, int]:
        """CSMs on each tier today, when the book names owners: each owner counted once, on the tier that holds
        most of their ARR. Empty without a csm column."""
        if not self.book.has_column("csm"):
            return {}
        import numpy as np

        codes, owners = self.book.category("csm")
        bounds = np.array([s.min_arr for s in self.segments], dtype=float)
        tier = np.searchsorted(-np.round(bounds * 100), -self.book.arr_cents, side="left")
        tier = np.minimum(tier, len(bounds) - 1)
        counts = {s.name: 0 for s in self.segments}
        for k, owner in enumerate(owners):
            mine = codes == k
            if not owner.strip() or not mine.any():
                continue
            arr = np.bincount(tier[mine], weights=self.book.arr_cents[mine].astype(float), minlength=len(bounds))
            counts[self.segments[int(arr.argmax())].name] += 1
        return counts


def start(export, overrides: Mapping[str, str] | None = None, *, currency: str = "USD",
          sheet: str | None = None, fx_rates: Mapping[str, float] | None = None, lean: bool = False) -> Start:
    """Read an export, recognise its columns, load its accounts and propose a starting scenario.

    Parameters
    ----------
    export : path, DatabaseBook or dict
        A CSV, .xlsx or .parquet file, or a database table or query.
    overrides : mapping, optional
        Columns the person names: canonical name to the export's header (``--map arr="Total ARR"``).
    currency : str
        The three-letter code of the export's amounts and the scenario's money.
    sheet : str, optional
        The workbook's sheet the accounts are on.
    fx_rates : mapping, optional
        Units of ``currency`` per unit of each other currency of the book's currency column (``--fx EUR=1.08``).
    lean : bool
        Read only what the starting scenario and its plan use (ids, ARR, currency, owners), as ``capacity init``
        does; by default every recognised column is read (the app shows them).

    Raises
    ------
    BookError
        When a column could be read two ways, ids or ARR are missing, or the accounts fail the book's checks.
    ScenarioError
        For a currency that is not three capital letters.
    """
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha() and currency.isupper()):
        raise ScenarioError(f"must be a three-letter code such as USD or EUR (got {currency!r})", where="--currency")
    label = sources.DatabaseBook.of(export).label if sources.is_database_book(export) else export
    header = tuple(export_header(export, sheet))
    recognition = recognise(header, overrides, source=label)
    mapping = {name: h for name, h in recognition.mapping.items() if name in BOOK_COLUMNS}
    book = load_book(export, columns=mapping, currency=currency, fx_rates=fx_rates, sheet=sheet,
                     needs=("csm",) if lean else None)
    return Start(export, header, recognition, dict(overrides or {}), book, drafts(propose_segments(book.arr_cents)),
                 currency, sheet, dict(fx_rates) if fx_rates else None)


def with_mapping(current: Start, overrides: Mapping[str, str]) -> Start:
    """The same export read with other columns named: recognised again, its book loaded again, tiers proposed again."""
    return start(current.export, {**current.overrides, **overrides}, currency=current.currency, sheet=current.sheet,
                 fx_rates=current.fx_rates)


def with_segments(current: Start, segments: Sequence[SegmentDraft]) -> Start:
    """The start with its tiers and touchpoints as a person edited them; each tier's accounts and ARR recounted from
    the book (tiers ordered by threshold, top first)."""
    ordered = sorted(segments, key=lambda s: -s.min_arr)
    counts, arrs = tier_sizes(current.book.arr_cents, [s.min_arr for s in ordered])
    return replace(current, segments=tuple(replace(s, accounts=n, arr=a) for s, n, a in zip(ordered, counts, arrs)))


def refuse_existing(path: str | Path, *, force: bool = False) -> None:
    """Refuse to write over ``path`` unless ``force``: said before the export is read, and again as it is written."""
    if Path(path).exists() and not force:
        raise ScenarioError("exists; give another --out, or --force to replace it", file=path)


def write_scenario(current: Start, path: str | Path, *, force: bool = False) -> Path:
    """Write the starting scenario to ``path`` atomically; an existing file is kept unless ``force``.

    Raises
    ------
    ScenarioError
        When ``path`` exists and ``force`` is not given (a scenario someone has edited is not overwritten).
    """
    path = Path(path)
    refuse_existing(path, force=force)
    if not os.path.isdir(path.parent if str(path.parent) else "."):
        raise ScenarioError("the folder does not exist", file=path)
    return write_text(path, current.scenario_text(path))
