"""The compiled part of capacity: scans of a book's text columns (capacity/_book_scan.c).

Everything else is declared in pyproject.toml. The extension is optional: where it cannot be
built (no C compiler), capacity reads books through its general path, at about twice the time.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("capacity._book_scan", ["capacity/_book_scan.c"], optional=True,
                             extra_compile_args=["-O3", "-Wall", "-Wextra", "-Wno-unused-parameter"])])
