"""Figure functions return labelled figures with a non-interactive backend."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402

from skautoencoder import plotting  # noqa: E402

RNG = np.random.RandomState(0)
IMAGES = RNG.rand(20, 64)


@pytest.fixture(autouse=True)
def close_figures():
    """Close each test's figures: pyplot keeps them open, and warns past 20."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def legend_texts(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


@pytest.mark.parametrize(
    "labels, expected",
    [
        (np.arange(40) % 4, ["0", "1", "2", "3"]),
        (np.array([0.5, 1.5, 2.5, 3.5])[np.arange(40) % 4], ["0.5", "1.5", "2.5", "3.5"]),
        (
            np.array(["class_0", "class_1", "class_2", "class_3"])[np.arange(40) % 4],
            ["class_0", "class_1", "class_2", "class_3"],
        ),
    ],
    ids=["integers", "floats", "text"],
)
def test_plot_codes_draws_few_labels_of_any_kind_as_categories_with_a_legend(labels, expected):
    figure = plotting.plot_codes(RNG.rand(40, 2), labels=labels, title="Codes of four classes")
    (main_axes,) = figure.axes  # no colour bar
    assert main_axes.get_title() == "Codes of four classes"
    assert main_axes.get_xlabel() == "component 1" and main_axes.get_ylabel() == "component 2"
    assert legend_texts(main_axes) == expected
    colours = {tuple(collection.get_facecolor()[0]) for collection in main_axes.collections}
    assert len(colours) == 4


def test_plot_codes_gives_many_numeric_labels_a_colour_bar():
    figure = plotting.plot_codes(RNG.rand(60, 2), labels=np.linspace(0, 1, 60))
    main_axes, colour_bar = figure.axes
    assert main_axes.get_legend() is None and colour_bar.get_ylabel() == "label"


def test_plot_codes_keeps_thirty_class_names_each_with_its_own_colour_and_marker():
    names = np.array([f"species {i:02d}" for i in range(30)] * 3)
    figure = plotting.plot_codes(RNG.rand(90, 2), labels=names)
    (main_axes,) = figure.axes
    assert legend_texts(main_axes) == [f"species {i:02d}" for i in range(30)]
    styles = {(tuple(c.get_facecolor()[0]), c.get_paths()[0].vertices.tobytes()) for c in main_axes.collections}
    assert len(styles) == 30


def test_plot_codes_shows_the_largest_of_many_text_classes_and_says_so():
    labels = np.array([f"item{i}" for i in range(60)] + ["item7"] * 5)
    figure = plotting.plot_codes(RNG.rand(65, 2), labels=labels, title="Codes")
    (main_axes,) = figure.axes
    texts = legend_texts(main_axes)
    assert len(texts) == 40 and texts[-1] == "other (21 classes)" and "item7" in texts
    assert main_axes.get_title() == "Codes (39 largest of 60 classes)"


def test_plot_codes_draws_rows_without_a_label_as_their_own_entry():
    labels = np.array(["a", None, "b", "a", None], dtype=object)
    figure = plotting.plot_codes(RNG.rand(5, 2), labels=labels)
    assert legend_texts(figure.axes[0]) == ["a", "b", "no label"]
    numbers = plotting.plot_codes(RNG.rand(4, 2), labels=np.array([1.0, np.nan, 2.0, 1.0]))
    assert legend_texts(numbers.axes[0]) == ["1.0", "2.0", "no label"]
    classes = plotting.plot_codes(RNG.rand(4, 2), labels=np.array([3, None, 1, 3], dtype=object))
    assert legend_texts(classes.axes[0]) == ["1", "3", "no label"]


def test_plot_codes_refuses_labels_of_another_length():
    with pytest.raises(ValueError, match="one label per row"):
        plotting.plot_codes(RNG.rand(10, 2), labels=np.arange(9))


def test_plot_error_curve_draws_errors_below_the_floor_at_the_floor():
    figure = plotting.plot_error_curve(
        [1, 2, 4], {"PCA": [1e-2, 1e-3, 1e-32], "autoencoder": [1e-2, 2e-3, 1e-4]}, floor=1e-5
    )
    ax = figure.axes[0]
    low, high = ax.get_ylim()
    assert 1e-6 < low < 1e-5 and high < 1
    assert "below float precision" in legend_texts(ax)


def test_plot_codes_refuses_one_dimensional_codes():
    with pytest.raises(ValueError, match="at least 2 columns"):
        plotting.plot_codes(RNG.rand(10, 1))


def test_plot_reconstructions_has_one_row_per_method():
    figure = plotting.plot_reconstructions(IMAGES, {"PCA": IMAGES * 0.5, "autoencoder": IMAGES}, (8, 8), n_items=6)
    assert len(figure.axes) == 3 * 6
    assert [figure.axes[i * 6].get_ylabel() for i in range(3)] == ["original", "PCA", "autoencoder"]


def test_plot_loss_curve_from_an_estimator_like_object():
    class Fitted:
        loss_curve_ = [1.0, 0.5, 0.25]
        validation_loss_curve_ = [1.1, 0.6, 0.4]

    figure = plotting.plot_loss_curve(Fitted())
    ax = figure.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["training", "validation"]
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"


def test_plot_decoded_grid_decodes_every_grid_point():
    pca = PCA(2).fit(IMAGES)
    figure = plotting.plot_decoded_grid(pca, (8, 8), n_per_side=5, code_range=((-1, 1), (-1, 1)))
    image = figure.axes[0].get_images()[0].get_array()
    assert image.shape == (5 * 9 - 1, 5 * 9 - 1)  # 5 tiles of 8 pixels a side, 1-pixel gaps
    np.testing.assert_allclose(image[:8, :8], pca.inverse_transform([[-1, 1]]).reshape(8, 8))
    np.testing.assert_allclose(image[-8:, -8:], pca.inverse_transform([[1, -1]]).reshape(8, 8))
    assert np.ma.is_masked(image[8, 0]) or np.isnan(image[8, 0])


def test_item_as_hex_and_as_image():
    assert plotting.format_item_hex(np.arange(4) * 5, (2, 2)) == "00 05\n0A 0F"
    figure = plotting.plot_item(IMAGES[0], (8, 8), title="item 0")
    assert figure.axes[0].get_title() == "item 0"


def test_plot_error_curve_has_a_line_per_method():
    figure = plotting.plot_error_curve([1, 2, 4], {"PCA": [3.0, 2.0, 1.0], "autoencoder": [2.0, 1.0, 0.5]})
    assert [line.get_label() for line in figure.axes[0].get_lines()] == ["PCA", "autoencoder"]


def test_plot_error_curve_does_not_magnify_rounding_into_a_gap():
    # A fit that kept its PCA start: the errors differ in the seventh digit.
    figure = plotting.plot_error_curve([2], {"PCA": [0.0295664], "autoencoder": [0.02956641]})
    low, high = figure.axes[0].get_ylim()
    assert high / low >= 2


def test_the_loss_curve_of_a_fitted_estimator_marks_the_kept_epoch():
    from sklearn.datasets import load_digits

    from skautoencoder import AutoencoderTransformer

    model = AutoencoderTransformer(
        2,
        hidden_layer_sizes=(8,),
        neighbor_weight=0.0,
        epochs=12,
        n_iter_no_change=3,
        learning_rate=0.05,
        # From random weights a trained epoch is kept (a PCA start may stay:
        # tests/test_anchor.py).
        init="random",
        random_state=0,
    ).fit(load_digits().data[:300] / 16)
    kept = plotting.kept_epoch(model)
    assert 1 <= kept <= model.n_iter_ and model.validation_loss_curve_[kept - 1] == model.best_validation_loss_
    figure = plotting.plot_loss_curve(model, title="autoencoder: loss per epoch")
    assert legend_texts(figure.axes[0]) == ["training", "validation", f"kept: epoch {kept}"]


def marker_of(collection):
    return collection.get_paths()[0].vertices.tobytes()


@pytest.mark.parametrize("n_classes", [3, 9, 40])
def test_each_class_gets_its_own_colour_and_its_own_marker(n_classes):
    labels = np.arange(4 * n_classes) % n_classes
    figure = plotting.plot_codes(RNG.rand(len(labels), 2), labels=labels, label_name="species")
    (main_axes,) = figure.axes
    assert main_axes.get_legend().get_title().get_text() == "species"
    markers = [marker_of(c) for c in main_axes.collections]
    # Up to 10 classes no two share a marker (nor a colour); up to 40, no two share both.
    assert len(set(markers)) == min(n_classes, 10)
    styles = {(tuple(c.get_facecolor()[0]), marker_of(c)) for c in main_axes.collections}
    assert len(styles) == n_classes


def test_a_colour_bar_is_labelled_by_the_column_and_the_no_label_legend_stays_inside_the_plot():
    labels = np.linspace(0, 1, 60).astype(object)
    labels[::6] = None
    figure = plotting.plot_codes(RNG.rand(60, 2), labels=labels, label_name="progression")
    main_axes, colour_bar = figure.axes
    assert colour_bar.get_ylabel() == "progression"
    figure.canvas.draw()
    legend_box = main_axes.get_legend().get_window_extent()
    plot_box = main_axes.get_window_extent()
    assert legend_texts(main_axes) == ["no label"]
    assert plot_box.x0 <= legend_box.x0 and legend_box.x1 <= plot_box.x1


def test_the_error_curve_joins_measured_errors_only_and_no_hollow_marker_hides_another():
    figure = plotting.plot_error_curve(
        [1, 2, 4], {"PCA": [1e-2, 1e-3, 1e-32], "autoencoder": [9e-3, 1e-3, 1e-31]}, floor=1e-5
    )
    ax = figure.axes[0]
    pca_line, pca_hollow, autoencoder_line, autoencoder_hollow = ax.lines[:4]
    assert np.isnan(pca_line.get_ydata()[2]) and np.isnan(autoencoder_line.get_ydata()[2])
    assert pca_hollow.get_markerfacecolor() == "none" and autoencoder_hollow.get_markerfacecolor() == "none"
    assert autoencoder_hollow.get_markersize() < pca_hollow.get_markersize()
    assert pca_line.get_marker() != autoencoder_line.get_marker()


def test_the_compare_figure_shows_its_whole_axis_label(tmp_path, monkeypatch):
    from skautoencoder.cli import _commands

    boxes = []
    save_figure = _commands._save_figure

    def recording_save(figure, target):
        figure.canvas.draw()
        label = figure.axes[0].yaxis.label
        boxes.append((label.get_text(), label.get_window_extent(), figure.bbox))
        return save_figure(figure, target)

    monkeypatch.setattr(_commands, "_save_figure", recording_save)
    rows = np.random.RandomState(0).rand(40, 3)
    np.savetxt(tmp_path / "table.csv", rows, delimiter=",", header="a,b,c", comments="")
    arguments = ["compare", tmp_path / "table.csv", "--n-components", "1,3", "--epochs", "2", "--output", tmp_path]
    assert _commands.main([str(a) for a in [*arguments, "--quiet"]]) == 0
    ((text, label_box, figure_box),) = boxes
    assert text == "mean squared error\n(columns min-max scaled to [0, 1])"
    assert figure_box.y0 <= label_box.y0 and label_box.y1 <= figure_box.y1
