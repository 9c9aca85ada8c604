"""Every notebook runs top to bottom; a failing cell fails the suite."""

import pathlib
import re

import nbformat
import pytest
from jupyter_client import KernelManager
from nbclient import NotebookClient

NOTEBOOKS = sorted((pathlib.Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_is_a_notebook_for_each_scenario():
    names = [path.stem for path in NOTEBOOKS]
    assert [name[:2] for name in names] == ["01", "02", "03", "04", "05", "06"]


# Every cell runs, on one epoch per fit and in the kernel's own process: what
# this proves is that the notebook's code runs top to bottom against the
# library as it is (its committed outputs, from full runs, are not compared).
# One epoch instead of three took the six notebooks from 76 s to 59 s; notebook
# 06's grid search in one process instead of two workers, which each start
# TensorFlow again, from 11 s to 7 s alone (a search in two processes is
# test_pipelines.py's).
TEST_EPOCHS = 1


def reduced_for_the_test(notebook):
    """The notebook with each ``epochs=N`` of its code cells capped at :data:`TEST_EPOCHS`, and ``n_jobs=1``."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.source = re.sub(r"(?<![\w.])epochs=(\d+)", rf"epochs=min(\1, {TEST_EPOCHS})", cell.source)
            cell.source = re.sub(r"(?<![\w.])n_jobs=-?\d+", "n_jobs=1", cell.source)
    return notebook


def code_of_the_notebooks(reduced):
    """The source of every cell of every notebook, as committed or as the test runs it."""
    notebooks = [nbformat.read(path, as_version=4) for path in NOTEBOOKS]
    if reduced:
        notebooks = [reduced_for_the_test(notebook) for notebook in notebooks]
    return [cell.source for notebook in notebooks for cell in notebook.cells]


def test_every_fit_of_the_notebooks_gets_its_epochs_capped():
    sources = code_of_the_notebooks(reduced=True)
    capped = sum(source.count(f", {TEST_EPOCHS})") for source in sources)
    assert capped >= 10 and not any(re.search(r"(?<![\w.])epochs=\d", source) for source in sources)


def test_every_search_of_the_notebooks_runs_in_one_process():
    committed, tested = code_of_the_notebooks(reduced=False), code_of_the_notebooks(reduced=True)
    assert any("n_jobs=2" in source for source in committed)
    assert not any(re.search(r"n_jobs=(?!1\b)", source) for source in tested)


@pytest.fixture(scope="module")
def kernel():
    """One kernel for the notebooks a test worker runs, each started on an emptied namespace.

    A kernel of its own per notebook spent about 5 s starting Python and
    TensorFlow; the notebooks are cleared of one another's names instead
    (``%reset -f``), so each must still import and define all it uses.
    """
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(cwd=str(NOTEBOOKS[0].parent))
    yield manager
    manager.shutdown_kernel(now=True)


# Run before each notebook: no name, figure or plot setting of the one before.
EMPTIED_NAMESPACE = "\n".join(
    [
        "%reset -f",
        "import matplotlib.pyplot",
        "matplotlib.pyplot.close('all')",
        "matplotlib.rcdefaults()",
        "del matplotlib",
    ]
)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_executes(path, kernel):
    notebook = nbformat.read(path, as_version=4)
    assert any(
        output.get("output_type") == "display_data" for cell in notebook.cells for output in cell.get("outputs", [])
    ), "the committed notebook should carry its figures"
    notebook = reduced_for_the_test(notebook)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(EMPTIED_NAMESPACE))
    # 180 s per cell at most; each notebook runs in well under 3 minutes on 2 cores.
    client = NotebookClient(notebook, km=kernel, timeout=180)
    try:
        client.execute()
    finally:
        # The kernel is shared and stays up; this notebook's client is closed
        # here, not left with open ZeroMQ sockets for the garbage collector.
        if client.kc is not None:
            client.kc.stop_channels()


def test_committed_notebooks_hold_the_cells_of_their_source():
    """Each .ipynb file is generated from its percent-format script (notebooks/NN_name.py); they must agree."""
    import importlib.util

    source = NOTEBOOKS[0].parent / "build_notebooks.py"
    spec = importlib.util.spec_from_file_location("build_notebooks", source)
    build_notebooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_notebooks)
    assert sorted(build_notebooks.NOTEBOOKS) == [path.stem for path in NOTEBOOKS]
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        committed = [("md" if cell.cell_type == "markdown" else "code", cell.source) for cell in notebook.cells]
        assert committed == build_notebooks.NOTEBOOKS[path.stem], f"{path.name} differs from {path.stem}.py"
