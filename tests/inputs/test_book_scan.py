"""The compiled scans of capacity/_book_scan.c against plain Python readings of the same bytes.

The scans are built when the package is installed. Where they are not (no C compiler), these
tests skip, except under CI=true, where a missing build fails them: the loading budget depends
on them.
"""

from __future__ import annotations

import os
import re

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

try:
    from capacity.inputs import _book_scan
except ImportError:  # pragma: no cover - only without a C compiler
    _book_scan = None


pytestmark = pytest.mark.skipif(_book_scan is None and os.environ.get("CI") != "true",
                                reason="capacity._book_scan is not built (no C compiler): books load the general way")


def test_the_scans_are_built_and_used():
    assert _book_scan is not None, "capacity._book_scan is not built: pip install -e . where a C compiler is"
    from capacity.inputs import book

    assert book._book_scan is _book_scan


def _layout(texts: list[bytes], lead: bytes = b"") -> tuple[np.ndarray, np.ndarray]:
    """The data buffer and offsets of an Arrow array of ``texts``, placed after ``lead`` in its buffer
    (a slice: the scans must not take the bytes before a string for its own)."""
    array = pa.array([lead] + texts, type=pa.binary()).slice(1)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32, count=len(array) + 1, offset=array.offset * 4)
    data = array.buffers()[2]
    return (np.frombuffer(data, dtype=np.uint8) if data is not None else np.empty(0, np.uint8)), offsets


def _prefixed(texts: list[bytes], prefix: bytes, lead: bytes = b"") -> list[int] | None:
    data, offsets = _layout(texts, lead)
    out = np.full(len(texts), -1, dtype=np.int64)
    return out.tolist() if _book_scan.prefixed_numbers(data, offsets, prefix, out) else None


def _cents(texts: list[bytes], lead: bytes = b"") -> list[int] | None:
    data, offsets = _layout(texts, lead)
    out = np.full(len(texts), -1, dtype=np.int64)
    return out.tolist() if _book_scan.amount_cents(data, offsets, out) else None


def test_ids_read_as_numbers_by_hand():
    assert _prefixed([b"ACC-0000042", b"ACC-1", b"ACC-999999999999999999"], b"ACC-") == [42, 1, 10**18 - 1]
    assert _prefixed([b"100234567", b"7"], b"") == [100234567, 7]
    assert _prefixed([b"ACC-0000042", b"ACX-0000043"], b"ACC-") is None  # another prefix
    assert _prefixed([b"ACC-"], b"ACC-") is None  # no digits
    assert _prefixed([b"ACC-12a"], b"ACC-") is None
    assert _prefixed([b"ACC-1000000000000000000"], b"ACC-") is None  # 19 digits: more than an int64 is sure to hold
    assert _prefixed([b"12 "], b"") is None and _prefixed([b" 12"], b"") is None


def test_amounts_read_as_cents_by_hand():
    assert _cents([b"12500", b"12500.5", b"12500.50", b"0.07", b"0", b"9999999999999.99"]) == [
        1250000, 1250050, 1250050, 7, 0, 999999999999999]
    for text in (b"", b"-5", b"+5", b"1e5", b"120.000", b"1.200", b".5", b"5.", b"$5", b"1,200", b" 5", b"5 ",
                 b"12.5.0", b"nan", b"10000000000000"):
        assert _cents([b"100", text]) is None, text


_DIGITS = st.text(alphabet="0123456789", min_size=0, max_size=20)
_JUNK = st.sampled_from(["", "x", " ", "-", ".", "\u00e9", "0", "\x00", ":", "/"])


@given(prefix=st.sampled_from(["", "ACC-", "C", "salesforce-emea-enterprise-account-", "\u00fc-"]),
       cells=st.lists(st.tuples(st.booleans(), _DIGITS, _JUNK, _JUNK), min_size=1, max_size=30),
       lead=st.binary(max_size=20))
@settings(max_examples=300, deadline=None)
def test_ids_read_as_python_reads_them(prefix, cells, lead):
    texts = [((prefix if keep else "B") + before + digits + after).encode() for keep, digits, before, after in cells]
    expected = []
    for text in texts:
        match = re.fullmatch(re.escape(prefix.encode()) + rb"([0-9]{1,18})", text)
        expected.append(int(match.group(1)) if match else None)
    want = None if None in expected else expected
    assert _prefixed(texts, prefix.encode(), lead) == want


_AMOUNT = st.builds(lambda whole, dot, decimals, junk: whole + dot + decimals + junk,
                    st.text(alphabet="0123456789", max_size=15), st.sampled_from(["", ".", ",", ".."]),
                    st.text(alphabet="0123456789", max_size=4), _JUNK)


@given(cells=st.lists(_AMOUNT, min_size=1, max_size=30), lead=st.binary(max_size=20))
@settings(max_examples=300, deadline=None)
def test_amounts_read_as_python_reads_them(cells, lead):
    expected = []
    for text in cells:
        match = re.fullmatch(r"([0-9]{1,13})(?:\.([0-9]{1,2}))?", text)
        expected.append(int(match.group(1)) * 100 + int((match.group(2) or "").ljust(2, "0")) if match else None)
    want = None if None in expected else expected
    assert _cents([text.encode() for text in cells], lead) == want
    if want is not None:  # exact: what the general path's float parse and rounding give
        assert want == [round(float(text) * 100) for text in cells]


@given(keys=st.lists(st.integers(-(2**63), 2**63 - 1), max_size=50) | st.lists(st.integers(0, 300), max_size=200)
       | st.lists(st.integers(-(2**63), 2**63 - 1), min_size=1, max_size=20).map(lambda k: k * 40),
       order=st.sampled_from(["as drawn", "ascending", "descending"]))
@settings(max_examples=300, deadline=None)
def test_repeated_keys_are_told_as_a_set_tells_them(keys, order):
    keys = {"as drawn": keys, "ascending": sorted(set(keys)), "descending": sorted(keys, reverse=True)}[order]
    signed = np.array(keys, dtype=np.int64)
    assert _book_scan.all_distinct(signed) == (len(set(keys)) == len(keys))
    assert _book_scan.all_distinct(signed.view(np.uint64)) == (len(set(keys)) == len(keys))


def test_repeats_are_found_among_many_keys_of_every_range():
    rng = np.random.default_rng(3)
    for keys in (rng.permutation(200_000), rng.integers(-(2**63), 2**63 - 1, 200_000, dtype=np.int64),
                 np.arange(200_000, dtype=np.int64) * 10**9, rng.integers(0, 2**64 - 1, 200_000, dtype=np.uint64)):
        assert _book_scan.all_distinct(keys) == (len(np.unique(keys)) == len(keys))
        repeated = keys.copy()
        repeated[-1] = repeated[len(keys) // 3]
        assert _book_scan.all_distinct(repeated) is False


@given(texts=st.lists(st.binary(min_size=0, max_size=30), min_size=1, max_size=40), lead=st.binary(max_size=20))
@settings(max_examples=300, deadline=None)
def test_ids_hash_equal_when_their_bytes_are_equal(texts, lead):
    data, offsets = _layout(texts, lead)
    hashes = np.zeros(len(texts), dtype=np.uint64)
    trimmed = all(t and 0x21 <= t[0] <= 0x7E and 0x21 <= t[-1] <= 0x7E for t in texts)
    assert _book_scan.string_hashes(data, offsets, hashes) == trimmed
    if trimmed:
        by_text = {}
        for text, value in zip(texts, hashes.tolist()):
            assert by_text.setdefault(text, value) == value
        # 64-bit hashes of a few dozen distinct strings: a clash would be a defect, not bad luck
        assert len(set(hashes.tolist())) == len(set(texts))


@given(cents=st.lists(st.integers(0, 10**14), max_size=100),
       bounds=st.lists(st.integers(0, 10**14), min_size=1, max_size=16, unique=True))
@settings(max_examples=200, deadline=None)
def test_accounts_are_binned_as_a_binary_search_bins_them(cents, bounds):
    cents, bounds = np.array(cents, dtype=np.int64), np.sort(np.array(bounds, dtype=np.int64))
    counts, sums = np.zeros(len(bounds) + 1, np.int64), np.zeros(len(bounds) + 1, np.int64)
    _book_scan.bin_cents(cents, bounds, counts, sums)
    slot = np.searchsorted(bounds, cents, side="right")
    assert counts.tolist() == np.bincount(slot, minlength=len(bounds) + 1).tolist()
    assert sums.tolist() == [int(cents[slot == k].sum()) for k in range(len(bounds) + 1)]


def test_outputs_of_the_wrong_length_are_refused():
    data, offsets = _layout([b"1", b"2"])
    with pytest.raises(ValueError, match="one value per string"):
        _book_scan.prefixed_numbers(data, offsets, b"", np.empty(1, np.int64))
    with pytest.raises(ValueError, match="one value per string"):
        _book_scan.amount_cents(data, offsets, np.empty(3, np.int64))
    with pytest.raises(TypeError, match="64-bit integers"):
        _book_scan.all_distinct(np.zeros(3, dtype=np.int32))
    with pytest.raises(TypeError, match="unsigned 64-bit"):
        _book_scan.string_hashes(data, offsets, np.empty(2, np.int64))
    with pytest.raises(ValueError, match="one slot more"):
        _book_scan.bin_cents(np.array([1], np.int64), np.array([0], np.int64), np.zeros(1, np.int64),
                             np.zeros(2, np.int64))
