"""The seeded generator: the embedded book regenerates byte for byte, and books look like SaaS books."""

import numpy as np
import pandas as pd

from capacity import load_book
from capacity.inputs import synth

from tests.conftest import DEFAULT_BOOK


def test_embedded_book_regenerates_byte_for_byte(tmp_path):
    out = synth.write_synthetic_book(tmp_path / "book.csv", 3000, seed=2027)
    assert out.read_bytes() == DEFAULT_BOOK.read_bytes()


def test_written_in_chunks_equals_the_frame(tmp_path, monkeypatch):
    monkeypatch.setattr(synth, "_CHUNK", 70)
    path = synth.write_synthetic_book(tmp_path / "b.csv", 250, seed=5)
    written = pd.read_csv(path, dtype={"account_id": str}, keep_default_na=False)  # a blank owner stays ""
    expected = synth.synthetic_book(250, seed=5)
    pd.testing.assert_frame_equal(written, expected, check_dtype=False)
    assert list(written["account_id"][:2]) == ["0000001", "0000002"]
    assert written["account_id"].is_unique


def test_long_tail_and_verticals():
    book = synth.synthetic_book(20_000, seed=1)
    arr = np.sort(book["arr"].to_numpy())[::-1]
    top_5_percent_share = arr[: len(arr) // 20].sum() / arr.sum()
    assert top_5_percent_share > 0.25
    assert arr.min() >= 600 and arr.max() <= 2_500_000
    shares = book["vertical"].value_counts(normalize=True)
    for vertical, share in synth.VERTICALS.items():
        assert abs(shares[vertical] - share) < 0.02


def test_different_seeds_differ_and_books_load(tmp_path):
    a = synth.synthetic_book(100, seed=1)
    b = synth.synthetic_book(100, seed=2)
    assert not a["arr"].equals(b["arr"])
    path = synth.write_synthetic_book(tmp_path / "b.csv", 100, seed=1)
    assert len(load_book(path)) == 100
