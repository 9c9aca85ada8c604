"""What every benchmark script prints and writes."""

import json
import os
import platform
import sys


def machine():
    """The processor, its core count and the Python version, in one line."""
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}"


def publish(results, table, output):
    """Print the markdown ``table``; write it with ``results`` to ``output`` as JSON."""
    print(table)
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    with open(output, "w") as file:
        json.dump({**results, "table": table}, file, indent=2)
    print(f"\nJSON written to {output}", file=sys.stderr)
