"""Write the scenario notebooks from their sources and execute them, keeping their outputs.

Each notebook redoes one source scenario with AutoencoderTransformer. Its
cells live in ``notebooks/NN_name.py``, a script in jupytext's percent
format (``# %%`` starts a code cell, ``# %% [markdown]`` a Markdown cell whose
lines are commented; IPython magics are commented too), so that they read,
diff and lint as Python. Running

    python notebooks/build_notebooks.py            # all notebooks
    python notebooks/build_notebooks.py 01 04      # some of them

writes ``notebooks/NN_name.ipynb`` and executes it top to bottom with nbclient,
saving the outputs (figures included). The test suite executes the committed
notebooks again, and checks that they hold their sources' cells.
"""

import glob
import os
import re
import sys

import nbformat
from nbclient import NotebookClient

HERE = os.path.dirname(os.path.abspath(__file__))

CELL_START = re.compile(r"^# %%( \[markdown\])?$")
# IPython magics and shell commands, commented in the script.
MAGIC = re.compile(r"^# ([%!].*)$")


def read_cells(path):
    """The ``(kind, text)`` cells of a percent-format script: kind "md" or "code"."""
    cells = []
    for line in open(path, encoding="utf-8").read().split("\n"):
        start = CELL_START.match(line)
        if start:
            cells.append(("md" if start.group(1) else "code", []))
        elif cells:
            cells[-1][1].append(line)
    result = []
    for kind, lines in cells:
        while lines and lines[-1] == "":
            lines.pop()
        if kind == "md":
            lines = [line[2:] if line.startswith("# ") else line[1:] for line in lines]
        else:
            lines = [MAGIC.sub(r"\1", line) for line in lines]
        result.append((kind, "\n".join(lines)))
    return result


NOTEBOOKS = {
    os.path.basename(path)[:-3]: read_cells(path) for path in sorted(glob.glob(os.path.join(HERE, "[0-9][0-9]_*.py")))
}


def build(name, cells, execute=True):
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [
        nbformat.v4.new_markdown_cell(text) if kind == "md" else nbformat.v4.new_code_cell(text) for kind, text in cells
    ]
    if execute:
        NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": HERE}}).execute()
    path = os.path.join(HERE, f"{name}.ipynb")
    nbformat.write(notebook, path)
    return path


def main(argv):
    wanted = [name for name in NOTEBOOKS if not argv or any(name.startswith(prefix) for prefix in argv)]
    for name in wanted:
        print("built", build(name, NOTEBOOKS[name]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
