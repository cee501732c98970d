"""Which column of a CRM export is which, recognised from its headers alone.

The headers Salesforce, HubSpot, Gainsight, Dynamics 365, Pipedrive, Zoho, ChurnZero, Planhat,
Vitally and plain spreadsheets give each column live in one data file, ``headers.yaml`` beside this
module: extending capacity to another export is a line there. :func:`recognise` reads an export's
header row against it and answers the ``book_columns`` mapping a scenario needs, column by column
with the tool each header comes from.

What it refuses instead of guessing (one :class:`~capacity.exceptions.BookError` line naming the
candidates and the ``--map`` or ``book_columns`` line to write):

- two headers of the best tier for one column ("ARR" and "Total ARR"), or an ARR column beside a company's
  revenue ("ARR" and "Annual Revenue");
- no column of account ids;
- no ARR column, or only a monthly one (MRR is never multiplied by twelve behind the user's back).

A fallback tier is read only when nothing better exists, with a note that says so: a company's
"Annual Revenue" is its own revenue, not what it pays you, and an "Account Owner" is often the
account executive rather than the CSM (beside a CSM column it stays unread).
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from capacity.exceptions import BookError
from capacity.inputs.book_columns import BOOK_COLUMNS

__all__ = ["HeaderEntry", "Tier", "Recognised", "Recognition", "dictionary", "header_key", "recognise",
           "REQUIRED", "MONTHLY"]

#: The columns an export must have.
REQUIRED = ("account_id", "arr")
#: The dictionary's entry for monthly amounts: recognised so that they can be refused by name.
MONTHLY = "monthly"


@dataclass(frozen=True)
class HeaderEntry:
    """A header as an export writes it, and the tools known to write it."""

    header: str
    tools: tuple[str, ...]


@dataclass(frozen=True)
class Tier:
    """Headers of one column that are equally good; ``note`` says why a fallback tier is not the best."""

    name: str
    headers: tuple[HeaderEntry, ...]
    note: str | None = None


@dataclass(frozen=True)
class Recognised:
    """One column read: its canonical name, the export's header, where that header comes from.

    ``tools`` is empty and ``mapped`` true for a column named on the command line (``--map``).
    """

    name: str
    header: str
    tools: tuple[str, ...]
    tier: str
    note: str | None = None
    mapped: bool = False

    def to_dict(self) -> dict:
        return {"column": self.name, "header": self.header, "tools": list(self.tools), "tier": self.tier,
                "note": self.note, "mapped": self.mapped}


@dataclass(frozen=True)
class Recognition:
    """What an export's headers were recognised as: the columns read and the headers left unread."""

    columns: tuple[Recognised, ...]
    unread: tuple[str, ...]

    @property
    def mapping(self) -> dict[str, str]:
        """Canonical name to header, for every column read (a scenario's ``book_columns``)."""
        return {c.name: c.header for c in self.columns}

    def column(self, name: str) -> Recognised | None:
        return next((c for c in self.columns if c.name == name), None)

    def to_dict(self) -> dict:
        return {"columns": [c.to_dict() for c in self.columns], "unread": list(self.unread)}


def header_key(header: object) -> str:
    """A header as the dictionary matches it: lower case, letters and digits only, no "__c" suffix.

    >>> header_key(" Account ID (18) "), header_key("ARR__c"), header_key("Organization - ID")
    ('accountid18', 'arr', 'organizationid')
    """
    text = str(header).strip().lstrip("\ufeff").casefold()
    text = re.sub(r"__c$", "", text)
    return re.sub(r"[\W_]+", "", text)


@functools.cache
def dictionary() -> dict[str, tuple[Tier, ...]]:
    """The header dictionary (``headers.yaml``), checked: each header belongs to one column only."""
    import yaml

    raw = yaml.safe_load(resources.files("capacity.inputs").joinpath("headers.yaml").read_text(encoding="utf-8"))
    out: dict[str, tuple[Tier, ...]] = {}
    owner: dict[str, str] = {}
    for name, tiers in raw.items():
        if name not in BOOK_COLUMNS and name not in (MONTHLY, "currency"):
            raise ValueError(f"headers.yaml: {name!r} is not a book column")
        built = []
        for tier in tiers:
            entries = tuple(HeaderEntry(str(h["header"]), tuple(h["tools"])) for h in tier["headers"])
            for entry in entries:
                key = header_key(entry.header)
                if owner.setdefault(key, name) != name or sum(header_key(e.header) == key for e in entries) > 1:
                    raise ValueError(f"headers.yaml: {entry.header!r} is listed twice")
            built.append(Tier(str(tier["tier"]), entries, tier.get("note")))
        out[name] = tuple(built)
    return out


def recognise(header: Iterable[object], overrides: Mapping[str, str] | None = None, *,
              source: str | Path | None = None) -> Recognition:
    """Recognise an export's columns from its header row.

    Parameters
    ----------
    header : iterable of str
        The export's column names, in order.
    overrides : mapping, optional
        Columns named by the user (``--map arr="Total ARR"``): canonical name to header. An empty
        header leaves an optional column unread.
    source : path, optional
        The export, for messages.

    Returns
    -------
    Recognition

    Raises
    ------
    BookError
        When a column could be read two ways, no column holds account ids or ARR, the only amount is
        monthly, or an override names an unknown column or a header the export does not have.
    """
    header = [str(h) for h in header]
    overrides = dict(overrides or {})
    keys = [header_key(h) for h in header]
    taken: set[int] = set()
    columns: list[Recognised] = []
    for name, wanted in overrides.items():
        if name not in BOOK_COLUMNS and name != "currency":
            hint = difflib.get_close_matches(name, BOOK_COLUMNS, n=1, cutoff=0.6)
            suggestion = f"did you mean {hint[0]!r}?" if hint else f"the columns are: {', '.join(BOOK_COLUMNS)}"
            raise BookError(f"--map {name}: unknown book column; {suggestion}", file=source)
        if not wanted.strip():
            if name in REQUIRED:
                raise BookError(f"--map {name}: a book needs its {name} column; name its header", file=source)
            continue
        position = _position(header, wanted, name, source)
        if position in taken:
            raise BookError(f"--map {name}: {wanted!r} is already read as another column", file=source)
        taken.add(position)
        columns.append(Recognised(name, header[position], (), "named on the command line", mapped=True))
    found: dict[str, list[tuple[Tier, int, HeaderEntry]]] = {}
    for name, tiers in dictionary().items():
        if name in overrides:
            continue
        for tier in tiers:
            hits = [(tier, i, entry) for entry in tier.headers for i, key in enumerate(keys)
                    if key == header_key(entry.header) and i not in taken]
            if hits:
                found[name] = sorted(hits, key=lambda hit: hit[1])
                break
    for name in (*BOOK_COLUMNS, "currency"):
        hits = found.get(name)
        if not hits:
            continue
        if len(hits) > 1:
            raise _two_ways(name, [header[i] for _, i, _ in hits], source)
        if name == "arr" and hits[0][0] is dictionary()[name][0]:
            # A company's revenue beside an ARR column is asked about, not passed over: exports name fields loosely,
            # and "Annual Revenue" holds ARR in some CRMs' set-ups.
            revenue = [i for tier in dictionary()[name][1:] for entry in tier.headers for i, key in enumerate(keys)
                       if key == header_key(entry.header) and i not in taken]
            if revenue:
                raise _two_ways(name, [header[hits[0][1]], *(header[i] for i in sorted(revenue))], source,
                                because=f"{header[min(revenue)]!r} is usually the company's own revenue")
        tier, position, entry = hits[0]
        taken.add(position)
        first_tier = dictionary()[name][0]
        columns.append(Recognised(name, header[position], entry.tools, tier.name,
                                  None if tier is first_tier else tier.note))
    arr = next((c for c in columns if c.name == "arr"), None)
    monthly = [header[i] for _, i, _ in found.get(MONTHLY, [])]
    if arr is not None and arr.note is not None and monthly:  # a company's revenue is no stand-in for 12 x MRR
        columns.remove(arr)
    read = {c.name for c in columns}
    if "account_id" not in read:
        raise _missing_ids(header, source)
    if "arr" not in read:
        raise _missing_arr(header, monthly, source)
    order = {name: k for k, name in enumerate((*BOOK_COLUMNS, "currency"))}
    columns.sort(key=lambda c: order[c.name])
    return Recognition(tuple(columns), tuple(h for i, h in enumerate(header) if i not in taken))


def _position(header: list[str], wanted: str, name: str, source) -> int:
    if wanted in header:
        return header.index(wanted)
    loose = [i for i, h in enumerate(header) if h.strip().casefold() == wanted.strip().casefold()]
    if len(loose) == 1:
        return loose[0]
    hint = difflib.get_close_matches(wanted, header, n=1, cutoff=0.6)
    suggestion = f"did you mean {hint[0]!r}?" if hint else "columns found: " + _shown(header)
    raise BookError(f"--map {name}: the export has no column {wanted!r}; {suggestion}", file=source)


def _shown(header: list[str], limit: int = 8) -> str:
    return ", ".join(repr(h) for h in header[:limit]) + (", ..." if len(header) > limit else "")


def _map_line(name: str, header: str) -> str:
    quoted = f'"{header}"' if re.search(r"[\s\"']", header) else header
    return f"--map {name}={quoted} (or book_columns: {{{name}: {header}}} in the scenario)"


def _two_ways(name: str, headers: list[str], source, because: str | None = None) -> BookError:
    shown = " and ".join(repr(h) for h in headers)
    what = {"account_id": "account ids", "arr": "ARR"}.get(name, f"the {name}")
    why = f" ({because}, not what it pays you a year)" if because else ""
    return BookError(f"{len(headers)} columns could hold {what}: {shown}{why}; say which one with "
                     f"{_map_line(name, headers[0])}", file=source)


def _missing_ids(header: list[str], source) -> BookError:
    like = [h for h in header if re.search(r"(^|[^a-z])(id|number|key|code)($|[^a-z])", h.casefold())]
    candidates = f"; candidates: {', '.join(repr(h) for h in like)}" if like else f"; columns found: {_shown(header)}"
    example = like[0] if like else "HEADER"
    return BookError(f"no column is recognised as the account id{candidates}; name it with "
                     f"{_map_line('account_id', example)}", file=source)


def _missing_arr(header: list[str], monthly: list[str], source) -> BookError:
    if monthly:
        shown = " and ".join(repr(h) for h in monthly)
        return BookError(f"{shown} is recurring revenue a month, and capacity reads ARR a year: add a column of "
                         f"12 x {monthly[0]} to the export, or name a column that holds ARR with "
                         f"{_map_line('arr', 'HEADER')}", file=source)
    like = [h for h in header if re.search(r"arr|revenue|amount|value|acv|contract", h.casefold())]
    candidates = f"; candidates: {', '.join(repr(h) for h in like)}" if like else f"; columns found: {_shown(header)}"
    return BookError(f"no column is recognised as ARR{candidates}; name it with "
                     f"{_map_line('arr', like[0] if like else 'HEADER')}", file=source)
