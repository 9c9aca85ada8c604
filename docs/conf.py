"""Sphinx configuration of the skautoencoder documentation."""

import json
import os
import pathlib
import sys

DOCS = pathlib.Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

import skautoencoder  # noqa: E402

project = "skautoencoder"
author = "the skautoencoder developers"
copyright = "the skautoencoder developers"
release = version = skautoencoder.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "_generated/tables", "auto_examples/*.ipynb", "auto_examples/*.py"]
templates_path = []

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
myst_heading_anchors = 3

html_theme = "pydata_sphinx_theme"
html_title = "skautoencoder"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
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
        # bench_speed_dispatch.json comes from bench_speed.py.
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
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
