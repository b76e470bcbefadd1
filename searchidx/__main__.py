"""``python -m searchidx``: the same entry point as the ``searchidx`` command."""

import sys

from .cli import main

if __name__ == "__main__":  # not when NER worker processes import this module
    sys.exit(main())
