"""docs/check_site.py, which CI runs on the built site: it finds what it must, on a small site written here."""

import importlib.util
import pathlib
import zlib

import pytest

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"


@pytest.fixture(scope="module")
def check_site():
    spec = importlib.util.spec_from_file_location("check_site", DOCS / "check_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_site(root, documented, guide, gallery_output):
    header = b"# Sphinx inventory version 2\n# Project: x\n# Version: 1\n# compressed\n"
    lines = "".join(f"{name} py:method 1 api.html#$ -\n" for name in documented)
    (root / "objects.inv").write_bytes(header + zlib.compress(lines.encode()))
    (root / "user_guide").mkdir()
    (root / "user_guide" / "using.html").write_text(guide)
    (root / "auto_examples").mkdir()
    (root / "auto_examples" / "plot_x.html").write_text(
        f'<div class="sphx-glr-script-out highlight-none notranslate"><div class="highlight"><pre>'
        f"<span></span>{gallery_output}</pre></div>\n</div>"
    )


def literal(text):
    return f'<code class="docutils literal notranslate"><span class="pre">{text}</span></code>'


def test_a_complete_site_has_no_problem(check_site, tmp_path):
    guide = f'<p>Use <a class="reference internal" href="../api.html">{literal("AutoencoderTransformer")}</a>.</p>'
    write_site(tmp_path, check_site.public_methods(), guide, "Written: out/wine_codes.csv, out/wine_codes.png")
    assert check_site.problems(tmp_path) == []
    assert check_site.main([str(tmp_path)]) == 0


def test_each_kind_of_problem_is_named(check_site, tmp_path):
    documented = check_site.public_methods() - {"skautoencoder.AutoencoderTransformer.inverse_transform"}
    guide = f"<p>Use {literal('reconstruction_scorer(estimator,')} and {literal('n_components')}.</p>"
    output = (
        "/tmp/tmpab12/wine_codes.csv\n"
        "/usr/lib/python3/site-packages/sklearn/pipeline.py:645: ConvergenceWarning: Maximum epochs"
    )
    write_site(tmp_path, documented, guide, output)
    assert check_site.problems(tmp_path) == [
        "no reference entry for skautoencoder.AutoencoderTransformer.inverse_transform",
        "using.html: the literal `reconstruction_scorer(estimator,` names a public object but links nowhere",
        "plot_x.html: gallery output shows '/tmp/tmpab12/wine_codes.csv'",
        "plot_x.html: gallery output shows '/usr/lib/python3/site-packages/sklearn/pipeline.py:645: "
        "ConvergenceWarning: Maximum epochs'",
    ]
    assert check_site.main([str(tmp_path)]) == 1
