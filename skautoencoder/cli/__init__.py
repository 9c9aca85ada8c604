"""The ``skautoencoder`` command: the demo, ``embed`` and ``compare`` on CSV tables.

The command line fits, plots and scores through the library's public API;
it saves and loads models, with their input scaling, through the
library's private file format (``_persistence``, ``_loading``) and writes
files through its atomic writer (``_atomic_files``); it reads the version
from ``_version``. The library never imports it.
"""

from ._commands import main

__all__ = ["main"]
