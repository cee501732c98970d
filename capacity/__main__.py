"""``python -m capacity``: see :mod:`capacity.apps.cli`."""

import sys

from capacity.apps.cli import main

sys.exit(main())
