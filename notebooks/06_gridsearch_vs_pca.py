# %% [markdown]
# # One grid search over PCA and the autoencoder
#
# The reason for this library: a `Pipeline` whose reduction step is searched over PCA and autoencoders
# of several layer sizes and code sizes, all scored by the same held-out reconstruction error
# (`reconstruction_scorer`; PCA's own `score` is a likelihood and could not be compared).

# %%
import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import matplotlib.pyplot as plt
from skautoencoder import AutoencoderTransformer, reconstruction_error, load
from skautoencoder import plotting
# %matplotlib inline

# %%
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler
from skautoencoder import reconstruction_scorer

X = load_digits().data
pipeline = Pipeline([("scale", MinMaxScaler()), ("reduce", PCA())])
sizes = [2, 4, 8, 16]
grid = [
    {"reduce": [PCA()], "reduce__n_components": sizes},
    {"reduce": [AutoencoderTransformer(output_activation="sigmoid", epochs=60, early_stopping=False, random_state=0)],
     "reduce__hidden_layer_sizes": [(64,), (128, 64)], "reduce__n_components": sizes},
]
import warnings
# Two worker processes; loky restarts a worker whose memory grew (TensorFlow's runtime) and says so.
warnings.filterwarnings("ignore", message="A worker stopped while some jobs were given")
search = GridSearchCV(pipeline, grid, scoring=reconstruction_scorer, cv=3, n_jobs=2).fit(X)
results = pd.DataFrame({
    "method": [type(p["reduce"]).__name__.replace("AutoencoderTransformer", "autoencoder " + str(p.get("reduce__hidden_layer_sizes", "")))
               for p in search.cv_results_["params"]],
    "n_components": search.cv_results_["param_reduce__n_components"],
    "held-out MSE": -search.cv_results_["mean_test_score"],
})
print("best:", search.best_params_)
results.pivot(index="n_components", columns="method", values="held-out MSE").round(2)

# %%
figure, ax = plt.subplots(figsize=(6, 4), layout="constrained")
for method, group in results.groupby("method"):
    ax.plot(group["n_components"], group["held-out MSE"], marker="o", label=method)
ax.set_xscale("log", base=2); ax.set_xticks(sizes, [str(k) for k in sizes]); ax.set_yscale("log")
ax.set_xlabel("n_components"); ax.set_ylabel("held-out MSE (pixel units)")
ax.set_title("3-fold cross-validated reconstruction error"); ax.legend();
