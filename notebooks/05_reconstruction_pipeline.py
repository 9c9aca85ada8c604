# %% [markdown]
# # A scaler and an autoencoder in one pipeline
#
# The digits go through a `MinMaxScaler` and a 64-32-64 autoencoder (relu code, sigmoid output, binary
# cross-entropy, 100 epochs, batch size 256, shuffled). Reconstructions are shown next to the originals,
# then the 32-number code serves as features for a classifier, like PCA's would: an autoencoder is
# "like PCA, but non-linear".

# %%
import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import matplotlib.pyplot as plt
from skautoencoder import AutoencoderTransformer, reconstruction_error, load
from skautoencoder import plotting
# %matplotlib inline

# %%
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

digits = load_digits()
X_train, X_test, y_train, y_test = train_test_split(digits.data, digits.target, test_size=0.25, random_state=0)
reducer = make_pipeline(MinMaxScaler(), AutoencoderTransformer(
    n_components=32, hidden_layer_sizes=(), code_activation="relu", output_activation="sigmoid",
    loss="binary_crossentropy", batch_size=256, epochs=100, shuffle=True, early_stopping=False, random_state=0,
)).fit(X_train)
reconstructed = reducer.inverse_transform(reducer.transform(X_test))
print(f"held-out MSE in pixel units (0-16): {np.mean((reconstructed - X_test) ** 2):.3f}")
plotting.plot_reconstructions(X_test, {"autoencoder": reconstructed}, (8, 8), title="originals and reconstructions");

# %% [markdown]
# The 32-d code as features for a logistic regression, against PCA's 32 components.

# %%
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression

for name, step in [("autoencoder", reducer), ("PCA", make_pipeline(MinMaxScaler(), PCA(32)).fit(X_train))]:
    classifier = LogisticRegression(max_iter=2000).fit(step.transform(X_train), y_train)
    print(f"{name:12s} 32 features -> held-out accuracy {classifier.score(step.transform(X_test), y_test):.3f}")
