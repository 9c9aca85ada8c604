"""``python -m skautoencoder``: the same as the ``skautoencoder`` command."""

import sys

from .cli import main

sys.exit(main())
