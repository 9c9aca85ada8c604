"""Shared helpers for the tests."""

import subprocess
import sys


def run_python(code, *args, timeout=180):
    """Run ``code`` in a fresh Python process; return its completed process."""
    return subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
