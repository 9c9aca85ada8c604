import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Figures are written to files in tests, never shown.
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_collection_modifyitems(config, items):
    """Mark as slow the items a test module's ``is_slow(item)`` names, and run the slow ones first.

    Slow tests first: pytest-xdist hands tests out in this order, so the
    long ones start early and the short ones even out the workers at the
    end, instead of one worker finishing a long test alone.
    """
    for item in items:
        is_slow = getattr(getattr(item, "module", None), "is_slow", None)
        if is_slow is not None and is_slow(item):
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
