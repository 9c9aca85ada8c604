"""Crafted model files and paths: each refused in one line, before what it declares is read.

The files are small: the sizes are declared (an HDF5 shape, a dtype, a JSON
depth), not stored.
"""

import io
import json
import os
import sys
import tempfile
import warnings
import zipfile

import h5py
import numpy as np
import pytest

from skautoencoder import AutoencoderTransformer, ModelFileError, load

from ._helpers import run_python

X = np.random.RandomState(0).rand(40, 5)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("saved") / "model.skae"
    AutoencoderTransformer(2, hidden_layer_sizes=(4,), epochs=1, random_state=0).fit(X).save(path)
    return path


def members_of(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(member.filename, archive.read(member.filename)) for member in archive.infolist()]


def zipped(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Duplicate name", UserWarning)  # a crafted file may repeat a name
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def nest_deeply(members):
    """Put an array nested 100,000 deep first in the parameters (too deep for Python's JSON reader)."""
    index = next(i for i, (name, _) in enumerate(members) if name == "metadata.json")
    deep = b'"params": {"deep": ' + b"[" * 100_000 + b"]" * 100_000 + b", "
    members[index] = ("metadata.json", members[index][1].replace(b'"params": {', deep, 1))


def crafted(saved, target, metadata=None, weights=None, outer=None, inner=None):
    """A copy of ``saved`` at ``target``, changed by the functions given.

    ``metadata`` changes the outer JSON document in place; ``weights``
    changes the encoder's HDF5 weights file, open for writing; ``outer`` and
    ``inner`` change the lists of (name, bytes) members of the file and of
    the encoder's ``.keras`` archive.
    """
    members = members_of(saved.read_bytes())
    for index, (name, data) in enumerate(members):
        if name == "metadata.json" and metadata:
            document = json.loads(data)
            metadata(document)
            members[index] = (name, json.dumps(document).encode())
        if name == "encoder_.keras" and (weights or inner):
            keras_members = members_of(data)
            for position, (member, content) in enumerate(keras_members):
                if member == "model.weights.h5" and weights:
                    buffer = io.BytesIO(content)
                    with h5py.File(buffer, "r+") as file:
                        weights(file)
                    keras_members[position] = (member, buffer.getvalue())
            if inner:
                inner(keras_members)
            members[index] = (name, zipped(keras_members))
    if outer:
        outer(members)
    target.write_bytes(zipped(members))
    return target


def first_kernel(file):
    """The name of the encoder's first Dense kernel in its weights file."""
    names = []
    file.visititems(lambda name, item: names.append(name) if isinstance(item, h5py.Dataset) else None)
    return next(name for name in names if "dense" in name and name.endswith("vars/0"))


def declare_a_gibibyte(file):
    """Replace the first kernel by one declared 16384 x 16384 float32 (1 GiB) and never written."""
    name = first_kernel(file)
    del file[name]
    file.create_dataset(name, shape=(16384, 16384), dtype="f4")


def store_nan(file):
    file[first_kernel(file)][0, 0] = np.nan


def one_line_refusal(path, match):
    with pytest.raises(ModelFileError, match=match) as caught:
        load(path)
    assert "\n" not in str(caught.value)
    return caught.value


CRAFTED = {
    "weight declared 1 GiB, stored empty": (
        dict(weights=declare_a_gibibyte),
        r"its model 'encoder_'.* weight '.*dense.*' declares 1,073,741,824 bytes .* stores 0",
    ),
    "NaN weight": (dict(weights=store_nan), r"its model 'encoder_'.* weight .* holds NaN or infinite values"),
    "a text dtype declared 500 million characters wide": (
        dict(
            metadata=lambda m: m["attributes"].update(
                feature_names_in_={"__ndarray__": ["a", "b"], "dtype": "<U500000000"}
            )
        ),
        None,  # loads: the text takes the width of its values
    ),
    "a sub-array dtype": (
        dict(
            metadata=lambda m: m["attributes"]["pca_floor_"].update(
                x={"__ndarray__": [1, 2], "dtype": "(16384,8192)f8"}
            )
        ),
        r"attribute 'pca_floor_'.* '\(16384,8192\)f8' is not a dtype a saved array has",
    ),
    "an unknown dtype": (
        dict(metadata=lambda m: m["attributes"].update(loss_curve_={"__ndarray__": [1], "dtype": "not-a-dtype"})),
        r"attribute 'loss_curve_'.* 'not-a-dtype' is not a dtype a saved array has",
    ),
    "params as a list": (
        dict(metadata=lambda m: m.update(params=[1])),
        r"field 'params' is a JSON array, where .* object",
    ),
    "attributes as a list": (dict(metadata=lambda m: m.update(attributes=[])), r"field 'attributes' is a JSON array"),
    "extra as a list": (dict(metadata=lambda m: m.update(extra=[])), r"field 'extra' is a JSON array"),
    "models as a number": (dict(metadata=lambda m: m.update(models=5)), r"field 'models' is a JSON number"),
    "the input scaling as a list": (
        dict(metadata=lambda m: m.update(extra={"input_scaling": [0, 1]})),
        r"field 'input_scaling' is a JSON array, where a saved model has a JSON object",
    ),
    "JSON nested 100,000 deep": (
        dict(outer=nest_deeply),
        r"its JSON nests deeper than 64 levels",
    ),
    "format_version as a string": (
        dict(metadata=lambda m: m.update(format_version="1")),
        r"field 'format_version' is a JSON string, where a saved model has a JSON number",
    ),
    "two metadata.json members": (
        dict(outer=lambda members: members.append(members[0])),
        r"more than one member named 'metadata.json'",
    ),
    "an extra member in a Keras archive": (
        dict(inner=lambda members: members.extend((f"extra{i}.h5", b"x") for i in range(3))),
        r"its model 'encoder_'.* member 'extra0.h5' is not one a saved model holds",
    ),
}


@pytest.mark.parametrize("change, match", CRAFTED.values(), ids=CRAFTED.keys())
def test_a_crafted_model_file_is_refused_in_one_line_and_leaves_no_temporary_files(
    saved, tmp_path, monkeypatch, change, match
):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where Keras and the loader extract archives
    path = crafted(saved, tmp_path / "crafted.skae", **change)
    if match is None:
        assert load(path).feature_names_in_.dtype.itemsize <= 4 * len("a")
    else:
        error = one_line_refusal(path, match)
        assert isinstance(error, ValueError)
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize("kind", ["directory", "named pipe", "link to /dev/zero"])
def test_a_path_that_is_not_a_regular_file_is_refused_without_being_read(tmp_path, kind):
    path = tmp_path / "model.skae"
    if kind == "directory":
        path.mkdir()
    elif kind == "named pipe":
        os.mkfifo(path)  # opening it for reading would wait for a writer forever
    else:
        path.symlink_to("/dev/zero")
    name = "a character device" if kind.startswith("link") else f"a {kind}"
    one_line_refusal(path, rf"'.*model.skae' is refused: it is {name}, not a regular file")


def test_the_command_line_refuses_a_directory_as_a_model_in_one_line(tmp_path, capsys):
    from skautoencoder.cli import main

    (tmp_path / "rows.csv").write_text("a,b,c\n1,2,3\n4,5,6\n")
    (tmp_path / "model.skae").mkdir()
    status = main(
        ["embed", str(tmp_path / "rows.csv"), "--model", str(tmp_path / "model.skae"), "--output", str(tmp_path)]
    )
    error = capsys.readouterr().err.strip()
    assert status != 0 and error.count("\n") == 0 and "is a directory, not a regular file" in error


PEAK_MEMORY_SCRIPT = """
import json, sys
import numpy as np
from skautoencoder import AutoencoderTransformer, ModelFileError, load

def peak_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024

def reset_peak():
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")

load(sys.argv[1])  # the normal load: TensorFlow and Keras started
reset_peak()
load(sys.argv[1])
normal = peak_mb()
report = {"normal_mb": normal}
for path in sys.argv[2:]:
    reset_peak()
    try:
        load(path)
    except ModelFileError:
        pass
    report[path] = peak_mb() - normal
reset_peak()  # the measurement sees a real allocation: 400 MB of ones
ones = np.ones(50_000_000)
report["400 MB allocated"] = peak_mb() - normal
print(json.dumps(report))
"""


@pytest.mark.slow  # a fresh process
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the peak memory from /proc")
def test_loading_a_file_that_declares_a_gibibyte_costs_no_more_than_a_normal_load(saved, tmp_path):
    files = [
        crafted(saved, tmp_path / "weights.skae", weights=declare_a_gibibyte),
        crafted(saved, tmp_path / "dtype.skae", **CRAFTED["a text dtype declared 500 million characters wide"][0]),
        crafted(saved, tmp_path / "nested.skae", **CRAFTED["JSON nested 100,000 deep"][0]),
    ]
    result = run_python(PEAK_MEMORY_SCRIPT, saved, *files)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    print(json.dumps(report, indent=1))  # the figures, with pytest -s
    assert report["400 MB allocated"] > 200  # the peak is reset between loads
    for path in files:
        assert report[str(path)] < 50, (path.name, report)  # MB above the normal load's peak
