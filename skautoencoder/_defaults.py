"""The values the ``"auto"`` parameters take: a map for a picture, else the best reconstruction.

A code of :data:`MIN_MAP_COMPONENTS` to :data:`MAX_MAP_COMPONENTS` values is a picture, so by
default it is a map that keeps neighbours (the neighbourhood term on, with
the network it was chosen with), where its own validation rows show that
it keeps them better than reconstruction alone; a wider code gets the
settings that reconstruct best. Both sets were chosen on held-out rows and checked
against PCA on every data set of ``benchmarks/bench_defaults.py``
(the user guide, "Against PCA", "How the defaults were chosen").
"""

# A code of one value is a ranking, not a picture: no neighbour graph for it.
MIN_MAP_COMPONENTS = 2
MAX_MAP_COMPONENTS = 3

# A map must earn its place: up to this many training rows, a fit whose
# "auto" made it a map also trains reconstruction alone on the same split
# and keeps the map only where its validation rows keep neighbours better
# (skautoencoder._map_choice). Larger data keeps the map without the second
# fit, whose cost grows with the rows; there the digits-like maps it was
# chosen on hold (the user guide, "Maps").
MAP_CHOICE_MAX_ROWS = 2000
# Below this many validation rows (data of fewer than 100 rows), no map
# could show it keeps neighbours better: the fit trains reconstruction alone.
MAP_CHOICE_MIN_VALIDATION_ROWS = 30

MAP_NEIGHBOR_WEIGHT = 1.0
MAP_SETTINGS = dict(hidden_layer_sizes=(256, 128, 64), activation="tanh", batch_size=16, n_iter_no_change=30)
RECONSTRUCTION_SETTINGS = dict(hidden_layer_sizes=(256, 128), activation="relu", batch_size=32, n_iter_no_change=20)

# Early stopping's patience, counted in training rows seen: an epoch of a
# large data set is many epochs of a small one, and waiting 30 of them
# spent most of a 60,000-row map's fit after its best epoch (the user guide,
# "Maps at scale"). "auto" waits as many epochs as see at most this many
# rows, at least one, and never more than the settings above, which data
# sets of up to 2,000 training rows keep.
PATIENCE_ROWS = 60_000


# validation_fraction="auto": the share of rows early stopping holds out.
# The kept network must beat PCA on them with confidence (the user guide,
# "Against PCA"), which a few dozen rows cannot show: small data holds out
# up to MAX_VALIDATION_FRACTION of its rows, enough for
# SMALL_DATA_VALIDATION_ROWS where it has them; from 1,200 rows on, 10%,
# as before the floor (the digits' 1,347 training rows keep their maps).
# Holding out 300 rows of those cost the digits' maps a little
# (benchmarks/bench_maps.py: 5-NN accuracy 0.918 against 0.929).
VALIDATION_FRACTION = 0.1
MAX_VALIDATION_FRACTION = 0.3
SMALL_DATA_VALIDATION_ROWS = 120


def auto_validation_fraction(n_rows):
    """The share of ``n_rows`` rows that ``validation_fraction="auto"`` holds out.

    Parameters
    ----------
    n_rows : int
        Rows the fit is given.

    Returns
    -------
    float
        Between 0.1 (1,200 rows or more) and 0.3 (400 rows or fewer).

    Examples
    --------
    >>> auto_validation_fraction(150), auto_validation_fraction(800), auto_validation_fraction(60000)
    (0.3, 0.15, 0.1)
    """
    return max(VALIDATION_FRACTION, min(MAX_VALIDATION_FRACTION, SMALL_DATA_VALIDATION_ROWS / max(1, n_rows)))


def patience_epochs(most_epochs, n_training_rows):
    """Epochs without improvement before early stopping: about :data:`PATIENCE_ROWS` rows, at least one.

    Parameters
    ----------
    most_epochs : int
        The patience of small data sets (the settings' ``n_iter_no_change``).
    n_training_rows : int
        Rows each epoch trains on.

    Returns
    -------
    int
    """
    return max(1, min(most_epochs, PATIENCE_ROWS // max(1, n_training_rows)))


def makes_a_map(params, *, pca_anchored):
    """Whether ``neighbor_weight="auto"`` turns the neighbourhood term on for these parameters (a 2-D or 3-D code)."""
    return pca_anchored and MIN_MAP_COMPONENTS <= params["n_components"] <= MAX_MAP_COMPONENTS


def resolve_auto(params, *, pca_anchored, n_training_rows=None, map_possible=True):
    """``params`` with every ``"auto"`` replaced by its value for this fit.

    ``neighbor_weight="auto"`` is :data:`MAP_NEIGHBOR_WEIGHT` for a
    PCA-anchored network with a code of :data:`MIN_MAP_COMPONENTS` to
    :data:`MAX_MAP_COMPONENTS` values, else 0, whatever the number of rows and wherever they are read
    from (the neighbour graph is approximate above 20,000 training rows, and data on
    disk is paired block by block: see :mod:`skautoencoder._neighbor_graph`).
    The anchor is
    what bounds the term's cost: a kept epoch must reconstruct within 2% of
    PCA, and the PCA start always does. The other ``"auto"`` parameters
    take :data:`MAP_SETTINGS` when the term is on, else
    :data:`RECONSTRUCTION_SETTINGS`, but ``n_iter_no_change`` is counted in
    rows: it shrinks for large data (see :func:`patience_epochs`). Where
    this makes a fit a map, :class:`~skautoencoder._fit_config.FitConfig`
    also holds the fit for reconstruction alone, which the map must beat
    on small data (:mod:`skautoencoder._map_choice`).

    Parameters
    ----------
    params : dict
        The estimator's parameters, as ``get_params(deep=False)`` gives them.
    pca_anchored : bool
        Whether the networks start from PCA (``init``).
    n_training_rows : int, default=None
        Rows each epoch of early stopping trains on; None keeps the
        settings' patience.
    map_possible : bool, default=True
        False where the data cannot be paired with their neighbours (sparse
        rows beyond the exact graph's size): ``"auto"`` is then 0.

    Returns
    -------
    params : dict
        A new dict; the estimator's parameters are never changed.
    """
    resolved = dict(params)
    if resolved["neighbor_weight"] == "auto":
        is_map = map_possible and makes_a_map(resolved, pca_anchored=pca_anchored)
        resolved["neighbor_weight"] = MAP_NEIGHBOR_WEIGHT if is_map else 0.0
    settings = MAP_SETTINGS if resolved["neighbor_weight"] > 0 else RECONSTRUCTION_SETTINGS
    for name, value in settings.items():
        if isinstance(resolved[name], str) and resolved[name] == "auto":
            if name == "n_iter_no_change" and n_training_rows is not None:
                value = patience_epochs(value, n_training_rows)
            resolved[name] = value
    return resolved
