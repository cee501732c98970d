"""A currency column: ARR converted to the scenario's currency with fx_rates, exactly, or refused; never summed."""

import csv
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from capacity import BookError, load_book, load_context, plan
from capacity.inputs.book.currencies import converted_cents

from tests.conftest import DEFAULT_SCENARIO, ROOT, write

EXPORT = ROOT / "tests" / "fixtures" / "exports" / "salesforce-currencies.csv"
SF = {"account_id": "Account ID", "arr": "ARR", "currency": "Account Currency"}
RATES = {"EUR": 1.08, "GBP": 1.27}


def _error(path, **options) -> str:
    with pytest.raises(BookError) as info:
        load_book(path, **options)
    assert "\n" not in str(info.value)
    return str(info.value)


def test_conversion_by_hand():
    # EUR 1,000.00 at 1.08 is USD 1,080.00; GBP 0.05 at 1.27 is 0.0635, a cent rounded once to 0.06.
    assert converted_cents(np.array([100_000, 5, 0]), 1.08).tolist() == [108_000, 5, 0]
    assert converted_cents(np.array([5]), 1.27).tolist() == [6]
    assert converted_cents(np.array([50]), 1.01).tolist() == [51]   # 0.505 -> 0.51: half up, not to even


@given(st.lists(st.integers(0, 10**13), min_size=1, max_size=20), st.decimals("0.001", "1000", places=4))
def test_conversion_is_the_decimal_rate_rounded_once(cents, rate):
    expected = [int((Decimal(c) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP)) for c in cents]
    assert converted_cents(np.array(cents, dtype=np.int64), float(rate)).tolist() == expected


def test_export_with_three_currencies_is_converted():
    with EXPORT.open(newline="") as handle:
        rows = list(csv.reader(handle))
    accounts = rows[1: rows.index([])]
    book = load_book(EXPORT, columns=SF, fx_rates=RATES)
    expected = 0
    for row in accounts:
        amount = Decimal(row[5].split(" ", 1)[1].replace(",", "")) * 100
        rate = Decimal(str(RATES.get(row[4], 1)))
        expected += int((amount * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert int(book.arr_cents.sum()) == expected
    counts = {code: sum(r[4] == code for r in accounts) for code in ("EUR", "GBP")}
    assert book.notes[-1] == (f"converted {counts['EUR']} EUR accounts and {counts['GBP']} GBP accounts to USD at "
                              "fx_rates (EUR 1.08, GBP 1.27)")
    assert set(book.accounts["currency"]) == {"USD"}


def test_without_rates_it_is_refused_naming_currencies_and_counts():
    assert _error(EXPORT, columns=SF).endswith(
        "salesforce-currencies.csv: column currency: ARR is in more than one currency (77 EUR accounts, 48 GBP "
        "accounts, 175 USD accounts) and the scenario's currency is USD; add fx_rates: {EUR: <USD per EUR>, "
        "GBP: <USD per GBP>} to the scenario, so that they are converted and not summed as USD")
    assert "add fx_rates: {GBP: <USD per GBP>}" in _error(EXPORT, columns=SF, fx_rates={"EUR": 1.08})


def test_one_other_currency_throughout(tmp_path):
    path = write(tmp_path / "b.csv", "account_id,arr,currency\nA,100,eur\nB,200,EUR\n")
    assert _error(path).endswith("column currency: ARR is in EUR (2 EUR accounts), not the scenario's USD; set "
                                 "currency: EUR in the scenario, or add fx_rates: {EUR: <USD per EUR>} to convert it")
    assert list(load_book(path, currency="EUR").arr_cents) == [10_000, 20_000]
    assert list(load_book(path, fx_rates={"EUR": 1.5}).arr_cents) == [15_000, 30_000]


@pytest.mark.parametrize(("cell", "expected"), [
    ("$", "currency '$' is a symbol, not a code; write the three-letter code (USD, CAD, AUD, EUR, GBP, ...), as one "
          "symbol stands for several currencies"),
    ("Euro", "currency 'Euro' is not a three-letter code such as USD, EUR or GBP"),
    ("", "currency is blank, but other accounts name theirs (USD); give every account its currency, so that no "
         "amount is read in the wrong one"),
])
def test_a_bad_code_names_its_row(tmp_path, cell, expected):
    path = write(tmp_path / "b.csv", f"account_id,arr,currency\nA,100,USD\nB,200,{cell}\n")
    assert _error(path).endswith(f"row 3 (account_id 'B'), column currency: {expected}")


def test_a_column_blank_throughout_is_no_column(tmp_path):
    path = write(tmp_path / "b.csv", "account_id,arr,currency\nA,100,\nB,200,\n")
    assert list(load_book(path).arr_cents) == [10_000, 20_000]


def test_the_scenario_converts_for_every_command(tmp_path):
    import yaml

    data = yaml.safe_load(DEFAULT_SCENARIO.read_text())
    data.update(book=str(EXPORT), book_columns=SF)
    write(tmp_path / "s.yaml", yaml.safe_dump(data))
    with pytest.raises(BookError, match="add fx_rates"):
        load_context(tmp_path / "s.yaml")
    data["fx_rates"] = RATES
    write(tmp_path / "s.yaml", yaml.safe_dump(data))
    result = plan(tmp_path / "s.yaml")
    book = load_book(EXPORT, columns=SF, fx_rates=RATES)
    assert sum(s.arr for s in result.segments) == pytest.approx(book.total_arr)


def test_the_currency_headers_read_without_a_mapping_are_the_dictionarys():
    import yaml

    from capacity.inputs.book_columns import CURRENCY_HEADERS, canonical

    dictionary = yaml.safe_load((ROOT / "capacity" / "inputs" / "headers.yaml").read_text())
    headers = {canonical(entry["header"]) for tier in dictionary["currency"] for entry in tier["headers"]}
    assert headers - {"currency"} <= set(CURRENCY_HEADERS)


def test_a_crm_currency_column_is_read_without_a_mapping(tmp_path):
    path = write(tmp_path / "b.csv", "Account ID,ARR,Currency ISO Code\nA,100,USD\nB,200,GBP\n")
    assert list(load_book(path, fx_rates={"GBP": 1.25}).arr_cents) == [10_000, 25_000]
    path = write(tmp_path / "b.csv", "account_id,arr,Currency ISO Code,ARR Currency\nA,100,USD,USD\n")
    assert _error(path).endswith("row 1: columns 'Currency ISO Code', 'ARR Currency' may each be the currency ARR is "
                                 "in; name it in the scenario with book_columns: {currency: Currency ISO Code}")
    assert len(load_book(path, columns={"currency": "ARR Currency"})) == 1


def test_a_parquet_book_converts_currencies_as_a_csv(tmp_path):
    import pandas as pd

    frame = pd.DataFrame({"account_id": ["A", "B", "C"], "arr": [100.0, 200.0, 300.0],
                          "Currency ISO Code": ["USD", "EUR", "GBP"]})
    frame.to_parquet(tmp_path / "b.parquet")
    frame.to_csv(tmp_path / "b.csv", index=False)
    rates = {"EUR": 1.08, "GBP": 1.27}
    parquet, text = (load_book(tmp_path / name, fx_rates=rates) for name in ("b.parquet", "b.csv"))
    assert list(parquet.arr_cents) == list(text.arr_cents) == [10_000, 21_600, 38_100]
    assert parquet.notes == text.notes == ("converted 1 EUR account and 1 GBP account to USD at fx_rates (EUR 1.08, "
                                           "GBP 1.27)",)


def test_what_reads_the_book_is_not_changed_once_it_is_read(tmp_path):
    import yaml

    from capacity import ScenarioError

    data = yaml.safe_load(DEFAULT_SCENARIO.read_text())
    data.update(book=str(EXPORT), book_columns=SF, fx_rates=RATES)
    write(tmp_path / "s.yaml", yaml.safe_dump(data))
    context = load_context(tmp_path / "s.yaml")
    for path, value in (("fx_rates.EUR", 1.1), ("currency", "EUR"), ("book_columns.arr", "ARR"), ("book_sheet", "A")):
        with pytest.raises(ScenarioError, match="changes how the book is read, and the book is read already"):
            context.with_changes({path: value})
    # A book without a currency column: the currency is only how money reads.
    plain = load_context(DEFAULT_SCENARIO)
    assert plain.with_changes({"currency": "EUR"}).scenario.currency == "EUR"
    with pytest.raises(ScenarioError, match="an option cannot change fx_rates"):
        data["options"] = [{"name": "Dearer euro", "changes": {"fx_rates.EUR": 1.2}}]
        load_context(data)
