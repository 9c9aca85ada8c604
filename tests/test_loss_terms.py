"""Each term of the loss is an object; a new one takes a class, a parameter and its constraint."""

import inspect
from numbers import Real

import numpy as np
from sklearn.datasets import load_iris
from sklearn.utils._param_validation import Interval

from skautoencoder import AutoencoderTransformer
from skautoencoder._engine import loss_terms, trainer_setup

SETTINGS = dict(n_components=2, neighbor_weight=0.0, epochs=5, random_state=0)


class CodeEnergy(loss_terms.LossTerm):
    """A small term, as the Development page's recipe adds one: the squared norm of each code."""

    parameters = ("code_energy_weight",)

    def __init__(self, weight):
        self.weight = weight

    @classmethod
    def from_config(cls, config):
        return cls(config.code_energy_weight) if config.code_energy_weight > 0 else None

    def per_row(self, batch):
        return self.weight * batch.tf.reduce_sum(batch.tf.square(batch.code), axis=-1)


class WithCodeEnergy(AutoencoderTransformer):
    """The estimator with the term's parameter, as steps 2 and 3 of the recipe add it to the library's."""

    _parameter_constraints = {
        **AutoencoderTransformer._parameter_constraints,
        "code_energy_weight": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, code_energy_weight=0.0, **params):
        super().__init__(**params)
        self.code_energy_weight = code_energy_weight


# The signature scikit-learn reads the parameters from: the library's, and the term's.
_library_signature = inspect.signature(AutoencoderTransformer.__init__)
WithCodeEnergy.__init__.__signature__ = _library_signature.replace(
    parameters=[
        *_library_signature.parameters.values(),
        inspect.Parameter("code_energy_weight", inspect.Parameter.KEYWORD_ONLY, default=0.0),
    ]
)


def test_a_term_added_as_the_recipe_says_trains_with_the_others(monkeypatch):
    X = load_iris().data
    plain = AutoencoderTransformer(**SETTINGS).fit(X)
    # Step 1 of the recipe, listing the class in LOSS_TERMS; nothing else of the library changes.
    monkeypatch.setattr(loss_terms, "LOSS_TERMS", [*loss_terms.LOSS_TERMS, CodeEnergy])
    built = []
    own_trainer = trainer_setup._own_trainer
    monkeypatch.setattr(trainer_setup, "_own_trainer", lambda *a, **k: built.append(1) or own_trainer(*a, **k))
    off = WithCodeEnergy(code_energy_weight=0.0, **SETTINGS).fit(X)
    on = WithCodeEnergy(code_energy_weight=1.0, **SETTINGS).fit(X)
    # Off, the term changes nothing, and the PCA floor still checks reconstruction alone.
    np.testing.assert_array_equal(off.transform(X), plain.transform(X))
    assert off.pca_floor_ is not None and on.pca_floor_ is None
    # On, it is in the loss and pulls the codes in; its weight keys a trainer of its own.
    assert np.mean(np.square(on.transform(X))) < 0.5 * np.mean(np.square(plain.transform(X)))
    assert len(built) == 2
    assert WithCodeEnergy(code_energy_weight=1.0).get_params()["code_energy_weight"] == 1.0


def test_the_terms_a_configuration_asks_for_come_in_the_order_their_losses_are_added():
    from skautoencoder._fit_config import FitConfig

    params = AutoencoderTransformer(
        variational=True, activity_l1=1e-3, contractive_weight=1e-3, neighbor_weight=1.0, label_weight=0.5
    ).get_params()
    config = FitConfig.from_params(params, 10, n_samples=100, n_classes=3)
    kinds = [type(term) for term in loss_terms.loss_terms(config)]
    assert kinds == [
        loss_terms.KullbackLeibler,
        loss_terms.ActivityL1,
        loss_terms.Contractive,
        loss_terms.Neighborhood,
        loss_terms.Labels,
    ]
    assert loss_terms.loss_terms(FitConfig.from_params(AutoencoderTransformer(8).get_params(), 10)) == []
