"""Benchmarks for `make bench`: one line per budget, figure vs budget, PASS/FAIL."""
