"""``python -m capacity``, the same as the ``capacity`` command: see :mod:`capacity.apps.cli`."""

import sys

from capacity.apps.cli import main

sys.exit(main(prog="python -m capacity"))
