"""README's example runs as printed."""

import pathlib
import re

import pytest

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.slow  # a grid search of many fits
def test_the_opening_example_runs_without_a_warning_it_does_not_show(capsys):
    import gc
    import warnings

    text = README.read_text()
    example = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    # Garbage that earlier tests in this process left is collected first:
    # its warnings (a ResourceWarning of an unclosed socket, say) are not the
    # example's.
    gc.collect()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exec(compile(example, "README example", "exec"), {})
    assert "'reduce__n_components'" in capsys.readouterr().out
    assert [f"{w.category.__name__}: {w.message} ({w.filename})" for w in caught] == []


def test_quickstart_has_two_commands_and_ci_runs_them():
    block = re.search(r"<!-- quickstart:begin -->\n```\n(.*?)```\n<!-- quickstart:end -->", README.read_text(), re.S)
    commands = block.group(1).strip().splitlines()
    assert len(commands) == 2
    assert "skautoencoder demo" in commands[0] and "pytest" in commands[1]
    ci = (README.parent / ".ci" / "run").read_text()
    assert "quickstart:begin" in ci
