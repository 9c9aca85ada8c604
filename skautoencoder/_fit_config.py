"""One fit's settings, made once from the estimator's parameters and checked together."""

import json
import math
from dataclasses import dataclass
from numbers import Integral

from ._defaults import auto_validation_fraction, makes_a_map, resolve_auto
from ._engine.callbacks import check_callbacks
from ._engine.keras_objects import (
    check_keras_names,
    check_loss_gives_rows,
    is_binary_crossentropy,
    is_linear,
    is_sigmoid,
)
from ._engine.loss_terms import loss_terms, term_parameters
from ._engine.networks import NetworkSpec

# The parameters that change what a compiled training step computes: two
# fits agreeing on these, on the loss terms' own parameters and on the
# networks' shape share a trainer.
TRAINING_SETTINGS = (
    "loss",
    "optimizer",
    "learning_rate",
    "corruption",
    "corruption_level",
    "tied_weights",
    "missing_values",
)


@dataclass(frozen=True)
class FitConfig:
    """What one call of ``fit`` or ``partial_fit`` does, as plain values.

    Made by :meth:`from_params` after the data are validated (an image
    shape of -1 needs the number of features, and the ``"auto"`` values
    depend on the data); every check of how parameters combine with each
    other happens there, once. Checks of parameters against what the data
    are (sparse, streamed, with NaN or labels) happen in
    :mod:`skautoencoder._training_data`, which validates the data.

    Attributes
    ----------
    params : dict
        The estimator's parameters, as ``get_params(deep=False)`` gives
        them with each ``"auto"`` resolved (:func:`~skautoencoder._defaults.resolve_auto`),
        plus what the data decide: ``missing_values`` (whether the rows
        may hold NaN) and ``n_classes`` (labels given to the
        classification term, 0 without it); each also reads as an
        attribute (``config.batch_size``).
    spec : NetworkSpec
        The shape of the networks the estimator builds itself.
    n_features : int
    reconstruction_alternative : FitConfig or None
        Where ``neighbor_weight="auto"`` made this fit a map: the same fit
        for reconstruction alone (``neighbor_weight=0`` and the settings
        that go with it), which the map must beat on small data (see
        :mod:`skautoencoder._map_choice`). None otherwise.
    n_training_rows : int or None
        The rows each epoch trains on (those given less the validation
        rows); None where the number of rows was not given.
    map_left_off : bool
        Whether ``neighbor_weight="auto"`` would have made a map but the
        data could not be paired (``map_possible=False``).
    """

    params: dict
    spec: NetworkSpec
    n_features: int
    reconstruction_alternative: "FitConfig" = None
    n_training_rows: int = None
    map_left_off: bool = False

    def __getattr__(self, name):
        params = self.__dict__.get("params", {})
        if name in params:
            return params[name]
        raise AttributeError(name)

    @property
    def training_settings(self):
        """The parameters a compiled training step depends on, as a hashable tuple.

        A Keras object (an optimizer, a loss) counts by its class and
        configuration: ``clone`` deep-copies it, and the trainer's optimizer
        is made from that configuration anyway.
        """
        return tuple(_by_value(self.params[name]) for name in TRAINING_SETTINGS + term_parameters())

    @property
    def builds_own_networks(self):
        """Whether both networks come from the parameters alone (no user models)."""
        return self.params["encoder"] is None and self.params["decoder"] is None

    @property
    def reconstruction_alone(self):
        """Whether the loss is the mean squared reconstruction error and no other term: what the PCA floor compares."""
        p = self.params
        return isinstance(p["loss"], str) and p["loss"] == "mse" and p["corruption"] is None and not loss_terms(self)

    @classmethod
    def from_params(cls, params, n_features, *, n_samples=None, missing_values=False, n_classes=0, map_possible=True):
        """Resolve each ``"auto"``, check how ``params`` combine and make the configuration.

        Parameters
        ----------
        params : dict
            The estimator's parameters, as ``get_params(deep=False)`` gives them.
        n_features : int
            The width of the data given to the fit.
        n_samples : int, default=None
            The rows given to the fit, which set early stopping's
            ``"auto"`` patience; None keeps the patience of small data.
        missing_values : bool, default=False
            Whether the rows may hold NaN.
        map_possible : bool, default=True
            False where the rows cannot be paired with their neighbours
            (sparse rows beyond the exact graph's size): ``"auto"`` then
            leaves the neighbourhood term off.
        n_classes : int, default=0
            The number of classes of the labels the fit is given with
            ``label_weight > 0``.

        Raises
        ------
        ValueError
            For combinations that cannot work, naming the parameters.
        """
        image_shape = None if params["image_shape"] is None else resolve_image_shape(params["image_shape"], n_features)
        pca_anchored = _uses_pca_anchor(params, image_shape)
        n_training_rows = None if n_samples is None else training_rows(n_samples, params)
        p = resolve_auto(params, pca_anchored=pca_anchored, n_training_rows=n_training_rows, map_possible=map_possible)
        map_left_off = (
            not map_possible and params["neighbor_weight"] == "auto" and makes_a_map(params, pca_anchored=pca_anchored)
        )
        p["missing_values"] = bool(missing_values)
        p["n_classes"] = int(n_classes) if p.get("label_weight", 0) > 0 else 0
        check_keras_names(p)
        check_loss_gives_rows(p["loss"], n_features)
        if p["callbacks"]:
            check_callbacks(p["callbacks"])
        from_logits = getattr(p["loss"], "from_logits", False)
        if is_binary_crossentropy(p["loss"]) and not from_logits and not is_sigmoid(p["output_activation"]):
            raise ValueError(
                "loss='binary_crossentropy' needs output_activation='sigmoid'; "
                f"got output_activation={p['output_activation']!r}."
            )
        if image_shape is not None and checked_hidden_layer_sizes(p["hidden_layer_sizes"]) == ():
            raise ValueError(
                "image_shape builds a convolutional network whose hidden_layer_sizes are the filters of its "
                "blocks; give at least one, e.g. hidden_layer_sizes=(16, 32), not ()."
            )
        if p["corruption"] == "masking" and p["corruption_level"] >= 1:
            raise ValueError(
                "corruption='masking' needs corruption_level, the share of entries zeroed, in [0, 1); "
                f"got {p['corruption_level']}."
            )
        regularisers = [name for name in ("dropout", "batch_normalization") if p[name]]
        if image_shape is not None and regularisers:
            raise ValueError(
                f"{' and '.join(regularisers)} regularise the dense layers; the convolutional network that "
                "image_shape builds has none. Leave them at their defaults with image_shape."
            )
        if p["variational"] and p["encoder"] is not None:
            raise ValueError("variational=True builds its own two-headed encoder; it cannot be combined with encoder=.")
        if missing_values and p["pretrain_epochs"]:
            raise ValueError(
                "pretrain_epochs > 0 trains each layer on complete rows; X holds NaN. Pass pretrain_epochs=0, "
                "or impute X first."
            )
        for name, asked in (("pretrain_epochs > 0", p["pretrain_epochs"]), ("tied_weights=True", p["tied_weights"])):
            if asked and (image_shape or p["variational"] or p["encoder"] or p["decoder"]):
                raise ValueError(
                    f"{name} works on the mirrored layers of a dense network; it cannot be combined with "
                    "image_shape, variational=True, encoder= or decoder=."
                )
        spec = NetworkSpec(
            pca_anchored=pca_anchored,
            n_components=p["n_components"],
            hidden_layer_sizes=checked_hidden_layer_sizes(p["hidden_layer_sizes"]),
            activation=p["activation"],
            code_activation=p["code_activation"],
            output_activation=p["output_activation"],
            image_shape=image_shape,
            variational=p["variational"],
            dropout=p["dropout"],
            batch_normalization=p["batch_normalization"],
        )
        alternative = None
        if params["neighbor_weight"] == "auto" and p["neighbor_weight"] > 0:
            alternative = cls.from_params(
                {**params, "neighbor_weight": 0.0},
                n_features,
                n_samples=n_samples,
                missing_values=missing_values,
                n_classes=n_classes,
            )
        return cls(
            params=p,
            spec=spec,
            n_features=n_features,
            reconstruction_alternative=alternative,
            n_training_rows=n_training_rows,
            map_left_off=map_left_off,
        )


def _by_value(setting):
    """``setting``, or for an object with a Keras configuration, its class and configuration."""
    get_config = getattr(setting, "get_config", None)
    if get_config is None or isinstance(setting, type):
        return setting
    configuration = json.dumps(get_config(), sort_keys=True, default=repr)
    return (type(setting).__module__, type(setting).__qualname__, configuration)


def training_rows(n_samples, params):
    """The rows each epoch trains on, of ``n_samples`` given: less those early stopping holds out."""
    if params["early_stopping"] and n_samples > 1:
        return n_samples - n_validation_rows(n_samples, params["validation_fraction"])
    return n_samples


def n_validation_rows(n_rows, validation_fraction):
    """How many of ``n_rows`` rows early stopping holds out: at least one, and one fewer than all.

    ``validation_fraction="auto"`` holds out :func:`auto_validation_fraction` of them.
    """
    if isinstance(validation_fraction, str):
        validation_fraction = auto_validation_fraction(n_rows)
    return min(max(1, int(round(validation_fraction * n_rows))), n_rows - 1)


def checked_hidden_layer_sizes(sizes, owner="AutoencoderTransformer"):
    """``sizes`` as a tuple of ints; a ``ValueError`` in scikit-learn's wording, naming ``owner``, otherwise."""
    given = sizes
    sizes = (sizes,) if isinstance(sizes, Integral) else tuple(sizes)
    if not all(isinstance(s, Integral) and not isinstance(s, bool) and s >= 1 for s in sizes):
        raise ValueError(
            f"The 'hidden_layer_sizes' parameter of {owner} must be a sequence of ints >= 1. Got {given!r} instead."
        )
    return tuple(int(s) for s in sizes)


def _uses_pca_anchor(p, image_shape):
    """Whether ``init`` asks for, and the settings allow, a PCA-anchored network."""
    conflicts = [
        name
        for name, conflict in (
            ("image_shape", image_shape is not None),
            ("encoder=", p["encoder"] is not None),
            ("decoder=", p["decoder"] is not None),
            ("variational=True", p["variational"]),
            ("pretrain_epochs > 0", p["pretrain_epochs"] > 0),
            (f"code_activation={p['code_activation']!r}", not is_linear(p["code_activation"])),
            (f"output_activation={p['output_activation']!r}", not is_linear(p["output_activation"])),
        )
        if conflict
    ]
    if p["init"] == "random" or (p["init"] == "auto" and conflicts):
        return False
    if conflicts:
        raise ValueError(
            "init='pca' starts from PCA's linear code and reconstruction, so it needs a dense network "
            f"of the estimator's own with linear code and output; it cannot be combined with "
            f"{', '.join(conflicts)}. Use init='random', or init='auto', which picks it for these settings."
        )
    return True


def resolve_image_shape(image_shape, n_features):
    """``(height, width, channels)`` from the parameter; one entry may be -1."""
    shape = tuple(int(v) for v in image_shape)
    if len(shape) == 2:
        shape += (1,)
    known = math.prod(v for v in shape if v != -1)
    if shape.count(-1) == 1 and known > 0 and n_features % known == 0:
        shape = tuple(n_features // known if v == -1 else v for v in shape)
    if len(shape) != 3 or min(shape) < 1 or math.prod(shape) != n_features:
        raise ValueError(
            f"image_shape={image_shape!r} must be (height, width) or (height, width, channels) of positive "
            f"ints (one may be -1) whose product is the number of features, {n_features}."
        )
    return shape
