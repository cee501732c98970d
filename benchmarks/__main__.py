"""``python -m benchmarks [--smoke] [-k NAME]``: run every budget and print PASS/FAIL lines."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import traceback
from pathlib import Path

from .harness import REGISTRY, Measurement


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the benchmarks run, not the budgets")
    parser.add_argument("-k", dest="keyword", default="", help="only budgets whose name contains this")
    args = parser.parse_args(argv)
    for module in sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])):
        if module.startswith("bench_"):
            importlib.import_module(f"benchmarks.{module}")
    failed = broken = 0
    for item in REGISTRY:
        if args.keyword not in item.name:
            continue
        try:
            result = item.run(args.smoke)
        except Exception:
            traceback.print_exc()
            print(f"ERROR {item.name}: the benchmark raised", flush=True)
            broken += 1
            continue
        measured = result if isinstance(result, Measurement) else Measurement(float(result))
        ok = measured.value <= item.limit
        failed += not ok
        verdict = "PASS" if ok else ("over" if args.smoke else "FAIL")
        note = f"  [{measured.note}]" if measured.note else ""
        print(f"{verdict:5} {item.name}: {measured.value:.3g} {item.unit} (budget {item.limit:g} {item.unit}){note}", flush=True)
    if args.smoke:
        return 1 if broken else 0
    return 1 if (failed or broken) else 0


if __name__ == "__main__":
    sys.exit(main())
