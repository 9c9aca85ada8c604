import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Figures are written to files in tests, never shown.
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_collection_modifyitems(config, items):
    """Mark as slow the items a test module's ``is_slow(item)`` names."""
    for item in items:
        is_slow = getattr(getattr(item, "module", None), "is_slow", None)
        if is_slow is not None and is_slow(item):
            item.add_marker(pytest.mark.slow)
