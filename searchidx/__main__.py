"""``python -m searchidx``: the same entry point as the ``searchidx`` command."""

from .cli import run

if __name__ == "__main__":  # not when NER worker processes import this module
    run()
