"""The ``skautoencoder`` command: the demo, ``embed`` and ``compare`` on CSV tables.

The command line is built on the library's public API; the library never
imports it.
"""

from ._commands import main

__all__ = ["main"]
