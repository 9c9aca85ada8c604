"""The public docstrings follow numpydoc: every parameter documented, in signature order, with its sections."""

import inspect

import pytest

import skautoencoder

numpydoc_validate = pytest.importorskip("numpydoc.validate")

# GL08: a docstring; SS01: a summary; PR01-PR03: every parameter documented,
# none unknown, in signature order; RT01: a Returns section; EX01 (for the
# estimators and functions, not their methods or the warnings): Examples.
CHECKS = {"GL08", "SS01", "PR01", "PR02", "PR03", "RT01"}


def public_names():
    """``skautoencoder.<name>`` for each public name, and ``<name>.<method>`` for each method the package defines."""
    names = []
    for name in skautoencoder.__all__:
        if name.startswith("__"):
            continue
        obj = getattr(skautoencoder, name)
        names.append(f"skautoencoder.{name}")
        if inspect.isclass(obj):
            for klass in obj.__mro__:
                if not klass.__module__.startswith("skautoencoder"):
                    continue
                names += [
                    f"skautoencoder.{name}.{method}"
                    for method, value in vars(klass).items()
                    if not method.startswith("_") and callable(value) and f"skautoencoder.{name}.{method}" not in names
                ]
    return names


def issubclass_of_exception(obj):
    return inspect.isclass(obj) and issubclass(obj, BaseException)


@pytest.mark.parametrize("name", public_names())
def test_public_docstring_is_valid(name):
    result = numpydoc_validate.validate(name)
    top_level = getattr(skautoencoder, name.split(".")[1])
    with_examples = name.count(".") == 1 and not issubclass_of_exception(top_level)
    checks = CHECKS | ({"EX01"} if with_examples else set())
    errors = [f"{code}: {message}" for code, message in result["errors"] if code in checks]
    assert errors == []
