"""Links from the guide's code literals to the reference, and scikit-learn's names to its site.

Two parts, both local to the build (it needs no network):

- Intersphinx inventories written here: ``sklearn.inv``, scikit-learn's
  public classes and functions, from the installed scikit-learn, with the page
  each has on scikit-learn.org (``modules/generated/<public name>.html``), so
  that ``sklearn.decomposition.PCA`` in a docstring's "See Also" links there;
  and, for the names the docstrings' parameter types use (``float``,
  ``ndarray``, ``keras.Model``, ``os.PathLike``, matplotlib's ``Figure`` …),
  small inventories of Python's, NumPy's, Keras's, matplotlib's and
  TensorFlow's pages (:data:`EXTERNAL_PAGES`).
- A transform that turns a code literal naming a public object of this
  package (```AutoencoderTransformer```, ```load(path)```) or a scikit-learn
  class by its usual name (```PCA```, ```GridSearchCV```) into a link to its
  reference entry, the way a reader of scikit-learn's guide expects.
"""

import importlib
import inspect
import pkgutil
import re
import sys
import zlib

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms import SphinxTransform

SKLEARN_URL = "https://scikit-learn.org/stable/"


def sklearn_public_names():
    """``{full public name: "class" or "function"}`` for scikit-learn's public modules."""
    import sklearn

    names = {}
    for module_info in pkgutil.iter_modules(sklearn.__path__, "sklearn."):
        if module_info.name.split(".")[-1].startswith("_") or module_info.name.endswith("tests"):
            continue
        try:
            module = importlib.import_module(module_info.name)
        except ImportError:
            continue
        for name in getattr(module, "__all__", []):
            try:
                value = getattr(module, name, None)
            except ImportError:  # experimental names, which need an explicit import
                continue
            if inspect.isclass(value):
                names[f"{module_info.name}.{name}"] = "class"
            elif inspect.isfunction(value):
                names[f"{module_info.name}.{name}"] = "function"
    return names


def write_inventory(path, project, version, entries):
    """Write an intersphinx inventory (format 2) to ``path``: ``entries`` are ``(name, role, page, title)``."""
    lines = [f"{name} {role} 1 {page} {title or '-'}" for name, role, page, title in entries]
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    path.write_bytes(header.encode() + zlib.compress(("\n".join(lines) + "\n").encode()))


def write_sklearn_inventory(path):
    """Write an intersphinx inventory of scikit-learn's public names to ``path``."""
    import sklearn

    entries = [
        (full, f"py:{kind}", f"modules/generated/{full}.html", None)
        for full, kind in sorted(sklearn_public_names().items())
    ]
    write_inventory(path, "scikit-learn", sklearn.__version__, entries)


# The other projects' pages that the reference's parameter types and "See
# Also" sections name: {inventory name: (site, {name: (role, page)})}. The
# roles and labels are those numpydoc's type aliases point at
# (``:class:`python:float```, ``:term:`numpy:array_like``` …).
EXTERNAL_PAGES = {
    "python": (
        "https://docs.python.org/3/",
        {
            "None": ("py:data", "library/constants.html#None"),
            "True": ("py:data", "library/constants.html#True"),
            "False": ("py:data", "library/constants.html#False"),
            "bltin-boolean-values": ("std:label", "library/stdtypes.html#bltin-boolean-values"),
            "float": ("py:class", "library/functions.html#float"),
            "int": ("py:class", "library/functions.html#int"),
            "str": ("py:class", "library/stdtypes.html#str"),
            "dict": ("py:class", "library/stdtypes.html#dict"),
            "list": ("py:class", "library/stdtypes.html#list"),
            "tuple": ("py:class", "library/stdtypes.html#tuple"),
            "object": ("py:class", "library/functions.html#object"),
            "callable": ("py:function", "library/functions.html#callable"),
            **{term: ("std:term", f"glossary.html#term-{term}") for term in ("iterable", "sequence", "generator")},
            "os.PathLike": ("py:class", "library/os.html#os.PathLike"),
            "pathlib.Path": ("py:class", "library/pathlib.html#pathlib.Path"),
            **{
                name: ("py:exception", f"library/exceptions.html#{name}")
                for name in ("ValueError", "TypeError", "OSError", "MemoryError", "UserWarning", "RuntimeWarning")
            },
        },
    ),
    "numpy": (
        "https://numpy.org/doc/stable/",
        {
            "numpy.ndarray": ("py:class", "reference/generated/numpy.ndarray.html"),
            "numpy.dtype": ("py:class", "reference/generated/numpy.dtype.html"),
            "numpy.memmap": ("py:class", "reference/generated/numpy.memmap.html"),
            "numpy.float32": ("py:class", "reference/arrays.scalars.html#numpy.float32"),
            "numpy.random.RandomState": ("py:class", "reference/random/legacy.html#numpy.random.RandomState"),
            "numpy.random.Generator": ("py:class", "reference/random/generator.html#numpy.random.Generator"),
            "numpy.nan": ("py:data", "reference/constants.html#numpy.nan"),
            "numpy.inf": ("py:data", "reference/constants.html#numpy.inf"),
            "array_like": ("std:term", "glossary.html#term-array_like"),
            "arrays.scalars": ("std:label", "reference/arrays.scalars.html"),
        },
    ),
    "keras": (
        "https://keras.io/",
        {
            "keras.Model": ("py:class", "api/models/model/"),
            "keras.Sequential": ("py:class", "api/models/sequential/"),
            "keras.Input": ("py:function", "api/layers/core_layers/input/"),
            "keras.layers.Layer": ("py:class", "api/layers/base_layer/"),
            "keras.callbacks.Callback": ("py:class", "api/callbacks/base_callback/"),
            "keras.callbacks.EarlyStopping": ("py:class", "api/callbacks/early_stopping/"),
            "keras.optimizers.Optimizer": ("py:class", "api/optimizers/"),
            "keras.losses.Loss": ("py:class", "api/losses/"),
        },
    ),
    "matplotlib": (
        "https://matplotlib.org/stable/",
        {
            "matplotlib.figure.Figure": ("py:class", "api/_as_gen/matplotlib.figure.Figure.html"),
            "matplotlib.axes.Axes": ("py:class", "api/_as_gen/matplotlib.axes.Axes.html"),
        },
    ),
    "tensorflow": (
        "https://www.tensorflow.org/api_docs/python/",
        {"tf.distribute.Strategy": ("py:class", "tf/distribute/Strategy")},
    ),
}


def write_external_inventories(folder):
    """Write an inventory of each project of :data:`EXTERNAL_PAGES` to ``folder``; returns the intersphinx mapping."""
    import importlib.metadata

    mapping = {}
    for project, (site, pages) in EXTERNAL_PAGES.items():
        try:
            version = importlib.metadata.version(project)
        except importlib.metadata.PackageNotFoundError:  # Python itself
            version = ".".join(map(str, sys.version_info[:2]))
        path = folder / f"{project}.inv"
        entries = [(name, role, page, None) for name, (role, page) in pages.items()]
        write_inventory(path, project, version, entries)
        mapping[project] = (site, str(path))
    return mapping


def _own_public_names():
    """``{literal text: target}`` for this package's public objects and modules' public functions."""
    import skautoencoder
    from skautoencoder import metrics, plotting

    targets = {name: f"skautoencoder.{name}" for name in skautoencoder.__all__ if not name.startswith("_")}
    for module in (metrics, plotting):
        for name, value in vars(module).items():
            if inspect.isfunction(value) and not name.startswith("_") and value.__module__ == module.__name__:
                targets.setdefault(name, f"{module.__name__}.{name}")
                targets[f"{module.__name__.split('.')[-1]}.{name}"] = f"{module.__name__}.{name}"
    return targets


def _sklearn_short_names():
    """``{class name: full public name}`` for scikit-learn classes whose short name is unique."""
    seen = {}
    for full, kind in sklearn_public_names().items():
        if kind == "class":
            seen.setdefault(full.rsplit(".", 1)[1], []).append(full)
    return {short: fulls[0] for short, fulls in seen.items() if len(fulls) == 1}


# The dotted name a literal starts with: `name`, `name(...)`, `Class.method`, `module.function(...)`.
_NAME = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?=$|[(.\[])")


def _target(text, targets):
    """The reference target of a literal, or None: its longest dotted prefix that names a public object.

    A method of one of this package's classes (``AutoencoderTransformer.fit``)
    links to the method's own entry.
    """
    match = _NAME.match(text.strip())
    if not match:
        return None
    parts = match.group(0).split(".")
    for k in range(len(parts), 0, -1):
        target = targets.get(".".join(parts[:k]))
        if target is None:
            continue
        if k < len(parts) and target.startswith("skautoencoder."):
            owner = importlib.import_module("skautoencoder")
            for part in target.split(".")[1:] + [parts[k]]:
                owner = getattr(owner, part, None)
            if owner is not None:
                return f"{target}.{parts[k]}"
        return target
    return None


class LinkCodeLiterals(SphinxTransform):
    """Turn guide literals that name a public object into cross-references."""

    default_priority = 5

    def apply(self):
        if not self.env.docname.startswith(("user_guide/", "index")):
            return
        targets = self.env.app.api_link_targets
        for literal in list(self.document.findall(nodes.literal)):
            if isinstance(literal.parent, (nodes.reference, addnodes.pending_xref)):
                continue
            target = _target(literal.astext(), targets)
            if target is None:
                continue
            reference = addnodes.pending_xref(
                "", refdomain="py", reftype="obj", reftarget=target, refexplicit=True, refwarn=False
            )
            reference["refdoc"] = self.env.docname
            literal.replace_self(reference)
            reference += literal


_REF = re.compile(r":(?:ref|term):`([^`<]*?)\s*(?:<([^>`]+)>)?`")


def _sklearn_labels_as_text(app, what, name, obj, options, lines):
    """Inherited scikit-learn docstrings point at labels and terms of scikit-learn's own guide: say them as text."""
    if not getattr(obj, "__module__", "").startswith("sklearn"):
        return
    for i, line in enumerate(lines):
        lines[i] = _REF.sub(lambda m: f"{m.group(1) or m.group(2)} (in scikit-learn's documentation)", line)


def setup(app):
    app.connect("autodoc-process-docstring", _sklearn_labels_as_text)
    targets = _sklearn_short_names()
    targets = {short: full for short, full in targets.items()}
    targets.update(_own_public_names())
    app.api_link_targets = targets
    app.add_transform(LinkCodeLiterals)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
