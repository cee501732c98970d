"""The compiled part of capacity: scans of a book's text columns (capacity/inputs/_book_scan.c).

Everything else is declared in pyproject.toml. The extension is optional: where it cannot be
built (no C compiler), capacity reads books through its general path: the same answers, more slowly
(1.7x to 2.9x of a bare pandas.read_csv on a million rows, against 0.8x to 1.35x).
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("capacity.inputs._book_scan", ["capacity/inputs/_book_scan.c"], optional=True,
                             extra_compile_args=["-O3", "-Wall", "-Wextra", "-Wno-unused-parameter"])])
