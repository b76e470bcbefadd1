"""``python -m searchidx``: the same entry point as the ``searchidx`` command."""

import sys

from .cli import main

sys.exit(main())
