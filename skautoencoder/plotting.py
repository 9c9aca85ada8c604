"""Figures: codes, reconstructions, loss curves and the decoder's view.

Every function returns the matplotlib ``Figure`` it drew on (and takes an
optional ``ax`` where one panel suffices), never calls ``show``, and works
with a non-interactive backend, so figures can be saved from scripts, tests
and the command line alike.
"""

import numpy as np

# Up to this many distinct labels are drawn as categories with a legend,
# each with its own colour and marker (up to 20 colours, 10 markers, no two
# classes sharing both); more numeric labels get a colour bar, more text
# labels the largest classes.
MAX_LEGEND_CLASSES = 40
_MARKERS = ("o", "^", "s", "D", "v", "P", "X", "<", ">", "*")
_NO_LABEL_COLOUR = "0.75"
# One marker per method of an error curve.
_ERROR_MARKERS = ("o", "s", "^", "D")


def _pyplot():
    import matplotlib.pyplot as plt

    return plt


def _figure_and_axes(ax, figsize):
    plt = _pyplot()
    if ax is None:
        figure, ax = plt.subplots(figsize=figsize, layout="constrained")
        return figure, ax
    return ax.figure, ax


def plot_codes(
    codes, labels=None, *, ax=None, title="Codes", xlabel="component 1", ylabel="component 2", label_name="label"
):
    """Scatter the first two code dimensions, coloured by label.

    Labels of any kind (integers, floats, strings) with at most
    :data:`MAX_LEGEND_CLASSES` distinct values are drawn as categories with
    a legend, each class with its own colour and marker. More numeric
    labels get a colour bar; more text labels show the largest
    ``MAX_LEGEND_CLASSES - 1`` classes and the rest as one "other" entry,
    and the title says so. Missing labels (None or NaN) are drawn in grey as
    "no label".

    Parameters
    ----------
    codes : array-like of shape (n_samples, n_components >= 2)
    labels : array-like of shape (n_samples,), default=None
    ax : matplotlib.axes.Axes, default=None
    title, xlabel, ylabel : str
    label_name : str, default="label"
        What the labels are, e.g. their column's name: the legend's title
        or the colour bar's label.

    Returns
    -------
    figure : matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from skautoencoder.plotting import plot_codes
    >>> figure = plot_codes(np.random.rand(30, 2), labels=np.array(["a", "b", "c"] * 10))
    >>> [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    ['a', 'b', 'c']
    >>> figure = plot_codes(np.random.rand(4, 2), labels=np.array(["a", None, "b", "a"], dtype=object))
    >>> [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    ['a', 'b', 'no label']
    """
    codes = np.asarray(codes)
    if codes.ndim != 2 or codes.shape[1] < 2:
        raise ValueError(f"plot_codes needs codes of at least 2 columns; got shape {codes.shape}.")
    figure, ax = _figure_and_axes(ax, (6, 5))
    if labels is None:
        ax.scatter(codes[:, 0], codes[:, 1], s=12, alpha=0.8, edgecolors="none")
    else:
        labels = np.asarray(labels)
        if labels.shape != (len(codes),):
            raise ValueError(f"plot_codes needs one label per row of codes: got {labels.shape} for {len(codes)} rows.")
        missing, values = _split_missing(labels)
        numeric = np.issubdtype(values.dtype, np.number) or values.dtype == bool
        classes, positions, counts = np.unique(values, return_inverse=True, return_counts=True)
        present = codes[~missing]
        colour_bar = len(classes) > MAX_LEGEND_CLASSES and numeric
        if len(classes) <= MAX_LEGEND_CLASSES:
            _scatter_categories(ax, present, [str(c) for c in classes], positions)
        elif numeric:
            points = ax.scatter(
                present[:, 0], present[:, 1], c=values, cmap="viridis", s=12, alpha=0.85, edgecolors="none"
            )
            figure.colorbar(points, ax=ax).set_label(label_name)
        else:
            largest = np.sort(np.argsort(-counts, kind="stable")[: MAX_LEGEND_CLASSES - 1])
            shown = np.full(len(classes), len(largest))
            shown[largest] = np.arange(len(largest))
            others = len(classes) - len(largest)
            names = [str(classes[i]) for i in largest] + [f"other ({others} classes)"]
            _scatter_categories(ax, present, names, shown[positions], last_is_other=True)
            title = f"{title} ({len(largest)} largest of {len(classes)} classes)"
        if missing.any():
            ax.scatter(
                codes[missing, 0],
                codes[missing, 1],
                color=_NO_LABEL_COLOUR,
                s=10,
                alpha=0.7,
                edgecolors="none",
                label="no label",
                zorder=0,
            )
        if ax.get_legend_handles_labels()[0]:
            beside = dict(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
            ax.legend(
                title=label_name,
                # With a colour bar on the right, the legend ("no label" alone) goes inside the plot.
                **(dict(loc="best", frameon=True) if colour_bar else beside),
                fontsize="small",
                markerscale=1.5,
                ncols=2 if len(ax.get_legend_handles_labels()[0]) > 20 else 1,
            )
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return figure


def _split_missing(labels):
    """A mask of missing labels (None, NaN) and the others, as an array of one kind."""
    if labels.dtype == object:
        missing = np.array([v is None or (isinstance(v, float) and np.isnan(v)) for v in labels], dtype=bool)
        values = labels[~missing]
        numbers = len(values) and all(
            isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in values
        )
        values = values.astype(float) if numbers else values.astype(np.str_)
        if numbers and np.all(values == np.round(values)):
            values = values.astype(np.int64)  # integer classes with gaps keep their names
        return missing, values
    if np.issubdtype(labels.dtype, np.floating):
        missing = np.isnan(labels)
        return missing, labels[~missing]
    return np.zeros(len(labels), dtype=bool), labels


def _scatter_categories(ax, codes, names, positions, last_is_other=False):
    cmap = _pyplot().get_cmap("tab10" if len(names) <= 10 else "tab20")
    for index, name in enumerate(names):
        rows = positions == index
        other = last_is_other and index == len(names) - 1
        colour = "0.45" if other else cmap(index % cmap.N)
        # Colours cycle every cmap.N classes; the marker moves on by one more each cycle.
        marker = "." if other else _MARKERS[(index + index // cmap.N) % len(_MARKERS)]
        ax.scatter(
            codes[rows, 0], codes[rows, 1], color=colour, marker=marker, s=12, alpha=0.85, edgecolors="none", label=name
        )


def plot_reconstructions(originals, reconstructions, image_shape, *, n_items=10, title="Reconstructions"):
    """Rows of images: the originals, then each method's reconstructions.

    Parameters
    ----------
    originals : array-like of shape (n_samples, n_features)
    reconstructions : dict of str to array-like of shape (n_samples, n_features)
        One row of images per entry, labelled by its key.
    image_shape : tuple of int
        ``(height, width)`` of one item.
    n_items : int, default=10
        Items shown, from the first.
    title : str

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    plt = _pyplot()
    rows = {"original": np.asarray(originals), **{k: np.asarray(v) for k, v in reconstructions.items()}}
    n_items = min(n_items, len(rows["original"]))
    figure, axes = plt.subplots(
        len(rows), n_items, figsize=(1.1 * n_items, 1.25 * len(rows)), squeeze=False, layout="constrained"
    )
    low, high = float(rows["original"].min()), float(rows["original"].max())
    for row_axes, (name, images) in zip(axes, rows.items()):
        for i, ax in enumerate(row_axes):
            ax.imshow(images[i].reshape(image_shape), cmap="gray_r", vmin=low, vmax=high)
            ax.set_xticks([])
            ax.set_yticks([])
        row_axes[0].set_ylabel(name, rotation=0, ha="right", va="center")
    figure.suptitle(title)
    return figure


def plot_loss_curve(loss_curve, validation_loss_curve=None, *, ax=None, title="Training loss"):
    """Loss per epoch, with the validation loss when there is one.

    Given a fitted estimator, the epoch whose weights it kept (early
    stopping's best, or the untrained start) is marked.

    Parameters
    ----------
    loss_curve : sequence of float, or a fitted AutoencoderTransformer
        With an estimator, its ``loss_curve_`` and ``validation_loss_curve_``.
    validation_loss_curve : sequence of float, default=None
    ax : matplotlib.axes.Axes, default=None
    title : str

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    kept = None
    if hasattr(loss_curve, "loss_curve_"):
        kept = kept_epoch(loss_curve)
        validation_loss_curve = loss_curve.validation_loss_curve_
        loss_curve = loss_curve.loss_curve_
    figure, ax = _figure_and_axes(ax, (6, 4))
    epochs = np.arange(1, len(loss_curve) + 1)
    ax.plot(epochs, loss_curve, label="training")
    if validation_loss_curve:
        ax.plot(np.arange(1, len(validation_loss_curve) + 1), validation_loss_curve, label="validation")
    if kept is not None:
        ax.axvline(
            max(kept, 1),
            color="black",
            linestyle="--",
            linewidth=1,
            label=f"kept: epoch {kept}" if kept else "kept: the untrained start",
        )
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.legend()
    ax.grid(True, which="both", alpha=0.3)
    return figure


def kept_epoch(estimator):
    """The epoch whose weights a fitted estimator kept: 1-based, 0 for the untrained start.

    It is ``best_epoch_`` where the object has one. Otherwise, with early
    stopping, the epoch whose validation loss is the kept
    ``best_validation_loss_`` (0 when none is: the start was kept);
    where the last fit had none (its last epoch unvalidated), the last
    epoch. None when the object does not say.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from skautoencoder.plotting import kept_epoch
    >>> fitted = SimpleNamespace(loss_curve_=[3, 2, 1], validation_loss_curve_=[3, 1.5, 2], best_validation_loss_=1.5)
    >>> kept_epoch(fitted)
    2
    """
    if getattr(estimator, "best_epoch_", None) is not None:
        return estimator.best_epoch_
    validation = getattr(estimator, "validation_loss_curve_", None)
    if not validation or np.isnan(validation[-1]):
        return len(estimator.loss_curve_)
    best = getattr(estimator, "best_validation_loss_", None)
    if best is None:
        return None
    matches = np.flatnonzero(np.asarray(validation) == best)
    return int(matches[-1]) + 1 if len(matches) else 0


def plot_decoded_grid(
    estimator, image_shape, *, n_per_side=12, code_range=None, title="Decoder's view of the code space"
):
    """Decode a regular grid of 2-D codes and tile the resulting images.

    Parameters
    ----------
    estimator : fitted transformer with ``inverse_transform`` and 2-D codes
    image_shape : tuple of int
        ``(height, width)`` of one decoded item.
    n_per_side : int, default=12
    code_range : ((x_min, x_max), (y_min, y_max)), default=None
        The region of code space to decode; (-3, 3) on each axis when None.
        Pass the range of your training codes to see where the data lies.
    title : str

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    plt = _pyplot()
    (x_min, x_max), (y_min, y_max) = code_range if code_range is not None else ((-3, 3), (-3, 3))
    xs = np.linspace(x_min, x_max, n_per_side)
    ys = np.linspace(y_max, y_min, n_per_side)  # top row = largest y
    codes = np.array([[x, y] for y in ys for x in xs])
    images = np.asarray(estimator.inverse_transform(codes))
    height, width = image_shape
    gap = 1  # a blank pixel between tiles keeps neighbouring images apart
    canvas = np.full((n_per_side * (height + gap) - gap, n_per_side * (width + gap) - gap), np.nan)
    for index, image in enumerate(images):
        row, column = divmod(index, n_per_side)
        top, left = row * (height + gap), column * (width + gap)
        canvas[top : top + height, left : left + width] = image.reshape(image_shape)
    figure, ax = plt.subplots(figsize=(6, 6), layout="constrained")
    cmap = plt.get_cmap("gray_r").with_extremes(bad="white")
    ax.imshow(canvas, cmap=cmap, extent=(x_min, x_max, y_min, y_max), aspect="auto")
    ax.set_xlabel("component 1")
    ax.set_ylabel("component 2")
    ax.set_title(title)
    return figure


def format_item_hex(item, image_shape):
    """One item's values as rows of two-digit hexadecimal numbers.

    Seed-style display of a digit in the terminal: each value is rounded
    to an integer first.

    Examples
    --------
    >>> from skautoencoder.plotting import format_item_hex
    >>> print(format_item_hex([0, 15, 16, 1], (2, 2)))
    00 0F
    10 01
    """
    values = np.rint(np.asarray(item, dtype=float)).astype(int).reshape(image_shape)
    return "\n".join(" ".join(f"{v:02X}" for v in row) for row in values)


def plot_item(item, image_shape, *, ax=None, title="One item"):
    """Show one data row as a grey-scale image.

    Parameters
    ----------
    item : array-like of shape (n_features,)
    image_shape : tuple of int
    ax : matplotlib.axes.Axes, default=None
    title : str

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    figure, ax = _figure_and_axes(ax, (3, 3))
    image = ax.imshow(np.asarray(item, dtype=float).reshape(image_shape), cmap="gray_r")
    figure.colorbar(image, ax=ax)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title)
    return figure


def plot_error_curve(
    n_components, errors, *, ax=None, title="Held-out reconstruction error", floor=None, ylabel="mean squared error"
):
    """Reconstruction error against code size, one line per method.

    Parameters
    ----------
    n_components : sequence of int
    errors : dict of str to sequence of float
        One line per method, aligned with ``n_components``.
    ax : matplotlib.axes.Axes, default=None
    title : str
    floor : float, default=None
        Errors below it (rounding noise, e.g. PCA keeping every component)
        are drawn at the floor with a hollow marker and the axis stops
        there, so it spans the range where the methods differ.
    ylabel : str, default="mean squared error"
        Name the units, e.g. of columns scaled to [0, 1].

    Returns
    -------
    figure : matplotlib.figure.Figure

    Examples
    --------
    >>> from skautoencoder.plotting import plot_error_curve
    >>> figure = plot_error_curve([1, 2, 4], {"PCA": [0.5, 0.1, 1e-32]}, floor=1e-8)
    >>> bool(figure.axes[0].get_ylim()[0] > 1e-9)
    True
    """
    figure, ax = _figure_and_axes(ax, (6, 4))
    clipped_any = False
    drawn = []
    for index, (name, values) in enumerate(errors.items()):
        values = np.asarray(values, dtype=float)
        clipped = values < floor if floor is not None else np.zeros(len(values), dtype=bool)
        shown = np.where(clipped, floor, values) if floor is not None else values
        marker = _ERROR_MARKERS[index % len(_ERROR_MARKERS)]
        # The line joins measured errors only: a clipped one is no measurement to draw a line to.
        (line,) = ax.plot(n_components, np.where(clipped, np.nan, shown), marker=marker, color=f"C{index}", label=name)
        drawn.extend(shown)
        if clipped.any():
            clipped_any = True
            ax.plot(
                np.asarray(n_components)[clipped],
                shown[clipped],
                linestyle="none",
                marker=marker,
                # Each method's hollow marker smaller than the one before, so that none hides another.
                markersize=max(12 - 4 * index, 4),
                markerfacecolor="none",
                markeredgecolor=line.get_color(),
                markeredgewidth=1.5,
            )
    if clipped_any:
        ax.axhline(floor, color="grey", linestyle=":", linewidth=1, label="below float precision")
    ax.set_xscale("log", base=2)
    ax.set_xticks(list(n_components), [str(k) for k in n_components])
    ax.set_yscale("log")
    low, high = min(drawn), max(drawn)
    if 0 < low and high < 1.1 * low:
        # Lines that differ by rounding only: a span of their own would
        # magnify the rounding into a gap.
        ax.set_ylim(low / 1.5, high * 1.5)
    ax.set_xlabel("n_components")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    ax.grid(True, which="both", alpha=0.3)
    return figure
