"""``python -m skautoencoder``: the same as the ``skautoencoder`` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
