"""How numbers read to a CS leader: "$5.7M", "14%", "32 customers per CSM"."""

from __future__ import annotations

import math

__all__ = ["currency_symbol", "money", "money_short", "percent", "number"]

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def currency_symbol(currency: str) -> str:
    """The symbol of a currency ("$" for USD), or its code where it has none in this table ("CHF")."""
    return _SYMBOLS.get(currency, currency)


def _symbol(currency: str) -> tuple[str, str]:
    symbol = _SYMBOLS.get(currency)
    return (symbol, "") if symbol else ("", f" {currency}")


def money(value: float | None, currency: str = "USD") -> str:
    """Whole currency units with thousands separators: ``$1,234,567``."""
    if value is None:
        return "n/a"
    prefix, suffix = _symbol(currency)
    return f"{'-' if value < 0 else ''}{prefix}{abs(value):,.0f}{suffix}"


def money_short(value: float | None, currency: str = "USD") -> str:
    """Compact money for sentences and axis labels: ``$5.7M``, ``$150k``, ``$900``."""
    if value is None:
        return "n/a"
    prefix, suffix = _symbol(currency)
    size = abs(value)
    for scale, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if size >= scale:
            text = f"{size / scale:.1f}".removesuffix(".0")
            return f"{'-' if value < 0 else ''}{prefix}{text}{unit}{suffix}"
    return f"{'-' if value < 0 else ''}{prefix}{size:,.0f}{suffix}"


def percent(fraction: float | None, digits: int = 1) -> str:
    """A fraction as a percentage: ``0.0712`` -> ``7.1%``."""
    if fraction is None or not math.isfinite(fraction):
        return "n/a"
    return f"{fraction * 100:.{digits}f}%"


def number(value: float | None, digits: int = 1) -> str:
    """A count or ratio for tables; infinity reads as "unbounded"."""
    if value is None:
        return "n/a"
    if math.isinf(value):
        return "unbounded"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"
