"""
The autoencoder against PCA in one grid search
==============================================

``reconstruction_scorer`` scores any transformer with ``inverse_transform`` by
its negative mean squared reconstruction error, so PCA and the autoencoder
compete in one ``GridSearchCV`` over the code size.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skautoencoder import AutoencoderTransformer, reconstruction_scorer

X = load_digits().data / 16
pipe = Pipeline([("reduce", AutoencoderTransformer(epochs=20, random_state=0))])
grid = [
    {"reduce": [PCA()], "reduce__n_components": [4, 8, 16]},
    {"reduce__n_components": [4, 8, 16]},
]
search = GridSearchCV(pipe, grid, scoring=reconstruction_scorer, cv=3).fit(X)

# %%
# The held-out error of each candidate, as the search measured it.
results = search.cv_results_
for name in ("PCA", "AutoencoderTransformer"):
    chosen = [i for i, params in enumerate(results["params"]) if type(params.get("reduce", pipe[0])).__name__ == name]
    sizes = [results["params"][i]["reduce__n_components"] for i in chosen]
    plt.plot(sizes, -np.asarray(results["mean_test_score"])[chosen], marker="o", label=name)
plt.xlabel("n_components")
plt.ylabel("held-out mean squared error")
plt.legend()
plt.show()
