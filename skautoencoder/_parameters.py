"""The estimator's parameters and the values each may take.

scikit-learn checks them against :data:`PARAMETER_CONSTRAINTS` at the start
of every ``fit`` (never in ``__init__``); how they combine is checked by
:class:`~skautoencoder._fit_config.FitConfig`.
"""

from numbers import Integral, Real

from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

# Names are checked against Keras at fit (see keras_objects.check_keras_names).

PARAMETER_CONSTRAINTS = {
    "n_components": [Interval(Integral, 1, None, closed="left")],
    "hidden_layer_sizes": [StrOptions({"auto"}), "array-like", Interval(Integral, 1, None, closed="left")],
    "activation": [str, callable],
    "code_activation": [str, callable],
    "output_activation": [str, callable],
    "loss": [str, callable],
    "optimizer": [str, HasMethods(["apply_gradients", "get_config"])],
    "learning_rate": [Interval(Real, 0, None, closed="neither"), None],
    "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    "epochs": [Interval(Integral, 1, None, closed="left")],
    "shuffle": ["boolean"],
    "early_stopping": ["boolean"],
    "validation_fraction": [StrOptions({"auto"}), Interval(Real, 0, 1, closed="neither")],
    "n_iter_no_change": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left")],
    "warm_start": ["boolean"],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
    "corruption": [StrOptions({"gaussian", "masking"}), None],
    "corruption_level": [Interval(Real, 0, None, closed="left")],
    "activity_l1": [Interval(Real, 0, None, closed="left")],
    "contractive_weight": [Interval(Real, 0, None, closed="left")],
    "variational": ["boolean"],
    "beta": [Interval(Real, 0, None, closed="left")],
    "image_shape": ["array-like", None],
    "pretrain_epochs": [Interval(Integral, 0, None, closed="left")],
    "tied_weights": ["boolean"],
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "batch_normalization": ["boolean"],
    "encoder": [callable, None],
    "decoder": [callable, None],
    "distribution_strategy": [StrOptions({"mirrored"}), HasMethods(["scope", "run"]), None],
    "init": [StrOptions({"auto", "pca", "random"})],
    "neighbor_weight": [StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
    "n_neighbors": [Interval(Integral, 1, None, closed="left")],
    "callbacks": [list, tuple, None],
    "label_weight": [Interval(Real, 0, None, closed="left")],
}
