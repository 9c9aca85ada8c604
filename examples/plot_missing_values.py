"""
Missing values filled in by an autoencoder
==========================================

A fifth of the digits' pixels removed at random; ``AutoencoderImputer`` fills
them in with a denoising autoencoder's reconstruction, next to the column
means and ``KNNImputer``.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.impute import KNNImputer, SimpleImputer

from skautoencoder import AutoencoderImputer

X = load_digits().data[:600]
removed = np.random.RandomState(0).rand(*X.shape) < 0.2
X_missing = np.where(removed, np.nan, X)

# %%
# Fill the holes three ways and compare each with the removed values.
imputers = {
    "column means": SimpleImputer(),
    "KNNImputer": KNNImputer(),
    "AutoencoderImputer": AutoencoderImputer(epochs=40, random_state=0),
}
fig, axes = plt.subplots(1, len(imputers) + 1, figsize=(10, 3))
axes[0].imshow(np.nan_to_num(X_missing[0].reshape(8, 8), nan=-4), cmap="gray")
axes[0].set_title("with holes")
for ax, (name, imputer) in zip(axes[1:], imputers.items()):
    filled = imputer.fit_transform(X_missing)
    rmse = np.sqrt(np.mean((filled - X)[removed] ** 2))
    ax.imshow(filled[0].reshape(8, 8), cmap="gray")
    ax.set_title(f"{name}\nRMSE {rmse:.2f}")
for ax in axes:
    ax.set_axis_off()
plt.tight_layout()
plt.show()
