"""Sphinx configuration of the skautoencoder documentation."""

import json
import os
import pathlib
import sys
import warnings

from sklearn.exceptions import ConvergenceWarning

DOCS = pathlib.Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "_ext"))

from api_links import write_external_inventories, write_sklearn_inventory  # noqa: E402

import skautoencoder  # noqa: E402

project = "skautoencoder"
author = "the skautoencoder developers"
copyright = "the skautoencoder developers"
release = version = skautoencoder.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    # MyST Markdown pages, and the notebooks rendered with the outputs stored in them.
    "myst_nb",
    "sphinx_gallery.gen_gallery",
    "sphinx.ext.intersphinx",
    # Guide literals naming a public object link to its reference entry (_ext/api_links.py).
    "api_links",
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
# The notebooks are rendered as committed (their outputs written by
# notebooks/build_notebooks.py); the test suite executes them.
nb_execution_mode = "off"
exclude_patterns = [
    "_build",
    "_generated/tables",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "generated/backreferences/*",
]
templates_path = ["_templates"]

autosummary_generate = True
# The estimators' reference pages list every public method, those they
# inherit (transform, score, save, set_output …) included: see
# _templates/class.rst.
autodoc_default_options = {"members": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
myst_heading_anchors = 3

html_theme = "pydata_sphinx_theme"
html_title = f"skautoencoder {version}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    # Guide, Examples, API reference, Benchmarks, Changelog: all in the header, none under "More".
    "header_links_before_dropdown": 6,
    "navbar_align": "left",
    "navbar_start": ["navbar-logo"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"index": [], "changelog": [], "api": []}

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    # "Examples using X" on each reference page (the minigallery in _templates/class.rst).
    "doc_module": ("skautoencoder",),
    "backreferences_dir": "generated/backreferences",
    "reference_url": {"skautoencoder": None},
}

# The benchmark tables, generated from benchmarks/results/*.json (each
# script's printed table) with the command that made each.
GENERATED = DOCS / "_generated"


def _benchmark_tables():
    GENERATED.mkdir(exist_ok=True)
    lines = [
        "# Benchmark results",
        "",
        "Every table the benchmark scripts under `benchmarks/` last wrote to `benchmarks/results/`, generated from",
        "those files when this documentation is built. The user-guide pages discuss them.",
        "",
    ]
    for path in sorted((ROOT / "benchmarks" / "results").glob("*.json")):
        result = json.loads(path.read_text())
        table = result.get("table")
        if not table:
            continue
        # bench_floor_maps.json comes from bench_floor.py.
        parts = path.stem.split("_")
        script = next(
            "_".join(parts[:n])
            for n in range(len(parts), 0, -1)
            if (ROOT / "benchmarks" / f"{'_'.join(parts[:n])}.py").exists()
        )
        lines += [
            f"## `{path.name}`",
            "",
            f"Made by `python benchmarks/{script}.py` (see its docstring for the exact options) on "
            f"{result.get('machine', 'the machine it names')}.",
            "",
            table,
            "",
        ]
    (GENERATED / "benchmarks.md").write_text("\n".join(lines))
    # Each table on its own, for the user-guide pages to include.
    (GENERATED / "tables").mkdir(exist_ok=True)
    for path in (ROOT / "benchmarks" / "results").glob("*.json"):
        table = json.loads(path.read_text()).get("table")
        if table:
            (GENERATED / "tables" / f"{path.stem}.md").write_text(table.strip() + "\n")


_benchmark_tables()


def _notebooks():
    """The committed notebooks, copied under _generated/ so that the site renders them."""
    folder = GENERATED / "notebooks"
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        (folder / path.name).write_bytes(path.read_bytes())


_notebooks()

# scikit-learn's names link to scikit-learn.org through an inventory written
# here from the installed scikit-learn, and the parameter types' names
# (float, ndarray, keras.Model, os.PathLike, Figure …) to Python's, NumPy's,
# Keras's, matplotlib's and TensorFlow's pages through small inventories
# written here too: the build reaches no network.
write_sklearn_inventory(GENERATED / "sklearn.inv")
intersphinx_mapping = {"sklearn": ("https://scikit-learn.org/stable/", str(GENERATED / "sklearn.inv"))}
intersphinx_mapping.update(write_external_inventories(GENERATED))
# Parameter types link to those pages; other words in them stay text.
numpydoc_xref_param_type = True
numpydoc_xref_ignore = "all"
numpydoc_xref_aliases = {
    name: f":class:`{name}`"
    for name in (
        "keras.Model",
        "keras.optimizers.Optimizer",
        "keras.callbacks.Callback",
        "keras.layers.Layer",
        "os.PathLike",
        "pathlib.Path",
        "matplotlib.figure.Figure",
        "matplotlib.axes.Axes",
        "tf.distribute.Strategy",
    )
}
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# The gallery's examples train for a few dozen epochs so that the site
# builds in minutes; a fit whose epochs run out before early stopping ends
# it says so with a ConvergenceWarning, which here only says that the
# examples were shortened. A user's own fit (300 epochs by default) still warns.
warnings.filterwarnings("ignore", message=r"Maximum epochs \(\d+\) reached", category=ConvergenceWarning)
