"""A ``currency`` column: each account's ARR in the scenario's currency, converted exactly, never summed unread.

CRMs with several currencies export each account's amount in its own currency beside a code
("Account Currency", "Currency ISO Code"): USD, EUR and GBP rows in one column of ARR. Summed as they
are, they would be a number in no currency. So, per account:

- a code is three letters, any case ("eur" is EUR); a symbol ("$" is the dollar of a dozen countries,
  "€") or any other text is refused naming its row, as is a blank cell in a column that names other
  currencies (a column blank throughout is no column);
- an account in the scenario's currency is kept as it is;
- an account in another currency is converted with the scenario's ``fx_rates`` (units of the
  scenario's currency per unit of the account's: ``{EUR: 1.08}`` makes EUR 1,000.00 USD 1,080.00),
  exactly: the rate is the decimal written, and ``cents x rate`` is rounded to the cent once, half away
  from zero (:func:`converted_cents`). The book says so in a note: "converted 120 EUR and 70 GBP
  accounts to USD at fx_rates (EUR 1.08, GBP 1.27)";
- without a rate for every other currency, the book is refused in one line naming the currencies,
  their accounts and the ``fx_rates`` to add.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from fractions import Fraction

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from capacity.exceptions import BookError, CurrencyRatesError
from capacity.inputs.book.amounts import MAX_PLAUSIBLE_ARR
from capacity.inputs.book.rows import Origin, row_of
from capacity.inputs.book.typed_cells import as_text

__all__ = ["CODE", "converted_cents", "in_currency", "missing_rates"]

#: A currency code: three letters (ISO 4217), matched ignoring case.
CODE = re.compile(r"^[A-Za-z]{3}$")
# Integer arithmetic on int64 stays exact below this.
_INT64_SAFE = 2**62


def converted_cents(cents: np.ndarray, rate: float) -> np.ndarray:
    """Amounts in cents times ``rate``, each rounded to the cent once, half away from zero [cents].

    Formula: ``round(cents x p / q)`` with ``p / q`` the rate as the decimal written (1.08 is 108/100, not
    the binary float nearest it), in integers: ``(2 x cents x p + q) // (2 q)`` for amounts of 0 or more,
    which is half away from zero. Python integers take over where int64 could overflow.

    >>> converted_cents(np.array([100_000, 5, 0]), 1.08).tolist()    # 1,000.00 -> 1,080.00; 0.05 -> 0.054 -> 0.05
    [108000, 5, 0]
    >>> converted_cents(np.array([25]), 1.1).tolist()                 # 0.25 x 1.1 = 0.275: half a cent, up
    [28]
    """
    cents = np.asarray(cents, dtype=np.int64)
    ratio = Fraction(repr(float(rate)))
    p, q = ratio.numerator, ratio.denominator
    if len(cents) == 0:
        return cents.copy()
    top = int(cents.max())
    if (2 * top * p + q) < _INT64_SAFE:
        return (2 * cents * p + q) // (2 * q)
    exact = [(2 * int(c) * p + q) // (2 * q) for c in cents]
    return np.array(exact, dtype=object) if max(exact) >= _INT64_SAFE else np.array(exact, dtype=np.int64)


def in_currency(cents: np.ndarray, column: pa.Array | pa.ChunkedArray, ids: pa.Array, origin: Origin,
                currency: str, fx_rates: Mapping[str, float] | None) -> tuple[np.ndarray, pa.Array, str | None]:
    """ARR in ``currency`` [cents], the currency column as it now reads, and a note (None when nothing was converted).

    ``cents`` are each account's ARR in its own currency, ``column`` the codes, ``ids`` the account ids
    (for messages).

    Raises
    ------
    BookError
        On a cell that is not a code or is blank among codes (naming the row), or currencies without a rate
        in ``fx_rates`` (naming each and its accounts).
    """
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    text = pc.utf8_trim_whitespace(as_text(column))
    encoded = pc.dictionary_encode(pc.utf8_upper(text))
    labels = encoded.dictionary.to_pylist()
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    if all(label == "" for label in labels):
        return cents, column, None  # a column blank throughout says nothing
    present, first = np.unique(codes, return_index=True)
    for k in present[np.argsort(first)]:  # the earliest bad cell in file order
        label = labels[k]
        if label == "" or not CODE.match(label):
            position = int(first[np.searchsorted(present, k)])
            others = sorted(lb for lb in labels if CODE.match(lb))
            raise BookError(_bad_code(text[position].as_py(), others), file=origin.file,
                            where=row_of(position, ids[position].as_py(), origin) + ", column currency")
    counts = dict(zip((labels[k] for k in present), np.bincount(codes)[present].tolist()))
    rates = {str(code).upper(): rate for code, rate in (fx_rates or {}).items()}
    foreign = sorted(code for code in counts if code != currency)
    if not foreign:
        return cents, column, None
    missing = [code for code in foreign if code not in rates]
    if missing:
        raise CurrencyRatesError(missing_rates(counts, currency, missing), counts=counts, currency=currency,
                                 missing=tuple(missing), file=origin.file, where="column currency")
    out = cents.copy()
    for code in foreign:
        mine = np.flatnonzero(codes == labels.index(code))
        amounts = converted_cents(cents[mine], rates[code])
        too_large = np.asarray(amounts, dtype=float) > MAX_PLAUSIBLE_ARR * 100
        if too_large.any():
            position = int(mine[np.argmax(too_large)])
            raise BookError(f"arr converted from {code} to {currency} is implausibly large (above "
                            f"{MAX_PLAUSIBLE_ARR:.0e} a year); check fx_rates.{code} in the scenario", file=origin.file,
                            where=row_of(position, ids[position].as_py(), origin) + ", column arr")
        out[mine] = amounts
    converted = " and ".join(_accounts(counts[code], code) for code in foreign)
    shown = ", ".join(f"{code} {_rate(rates[code])}" for code in foreign)
    note = f"converted {converted} to {currency} at fx_rates ({shown})"
    return out, pa.array(np.full(len(out), currency, dtype=object), type=pa.string()), note


def _rate(rate: float) -> str:
    """A rate as the decimal written: 1.08, 2 (not 2.0)."""
    text = repr(float(rate))
    return text[:-2] if text.endswith(".0") else text


def _accounts(count: int, code: str) -> str:
    return f"{count:,} {code} account{'s' if count != 1 else ''}"


def _bad_code(value: str, others: list[str]) -> str:
    if value == "":
        named = ", ".join(others) if others else "codes"
        return (f"currency is blank, but other accounts name theirs ({named}); give every account its currency, "
                "so that no amount is read in the wrong one")
    if not re.search(r"[A-Za-z]", value):
        return (f"currency {value!r} is a symbol, not a code; write the three-letter code (USD, CAD, AUD, EUR, GBP, "
                "...), as one symbol stands for several currencies")
    return f"currency {value!r} is not a three-letter code such as USD, EUR or GBP"


def missing_rates(counts: Mapping[str, int], currency: str, missing: Sequence[str], *, options: bool = False) -> str:
    """The refusal of ARR in currencies without a rate: the currencies, their accounts, and the ``fx_rates`` to add
    to the scenario (``options``: the ``--fx`` options to give ``capacity init``)."""
    listed = ", ".join(_accounts(n, code) for code, n in sorted(counts.items()))
    if options:
        flags = " ".join(f"--fx {code}=<{currency} per {code}>" for code in missing)
        if len(counts) > 1:
            return (f"ARR is in more than one currency ({listed}) and --currency is {currency}; give {flags}, so "
                    f"that they are converted and not summed as {currency}")
        return (f"ARR is in {missing[0]} ({listed}), not {currency}; give --currency {missing[0]}, or {flags} to "
                "convert it")
    wanted = ", ".join(f"{code}: <{currency} per {code}>" for code in missing)
    return (f"ARR is in more than one currency ({listed}) and the scenario's currency is {currency}; add "
            f"fx_rates: {{{wanted}}} to the scenario, so that they are converted and not summed as {currency}"
            if len(counts) > 1 else
            f"ARR is in {missing[0]} ({listed}), not the scenario's {currency}; set currency: {missing[0]} in the "
            f"scenario, or add fx_rates: {{{wanted}}} to convert it")
