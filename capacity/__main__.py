"""``python -m capacity``: see :mod:`capacity.cli`."""

import sys

from .cli import main

sys.exit(main())
