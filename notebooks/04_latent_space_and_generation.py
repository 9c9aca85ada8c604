# %% [markdown]
# # The latent space, and images generated from it
#
# A deep autoencoder with a 2-D code (784-32-2-32-784 in the source, on MNIST; here 64-pixel digits,
# since MNIST cannot be downloaded), relu hidden layers and a sigmoid output trained with binary
# cross-entropy, watching a validation split. The codes of held-out digits are drawn coloured by label,
# and the decoder, a model of its own, turns any point of the plane into an image.

# %%
import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import matplotlib.pyplot as plt
from skautoencoder import AutoencoderTransformer, reconstruction_error, load
from skautoencoder import plotting
# %matplotlib inline

# %% [markdown]
# How a user loads MNIST itself (needs the internet, so it is not run here).

# %%
def load_mnist():
    import keras
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    return x_train.reshape(-1, 784) / 255.0, y_train, x_test.reshape(-1, 784) / 255.0, y_test

# %%
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

digits = load_digits()
X_train, X_test, y_train, y_test = train_test_split(digits.data / 16, digits.target, test_size=0.25, random_state=0)
autoencoder = AutoencoderTransformer(
    n_components=2, hidden_layer_sizes=(256, 128, 32), activation="relu", code_activation="linear",
    output_activation="sigmoid", loss="binary_crossentropy", batch_size=32, epochs=150,
    early_stopping=True, validation_fraction=0.15, n_iter_no_change=20, random_state=0,
).fit(X_train)
print(f"stopped after {autoencoder.n_iter_} epochs; best validation loss {autoencoder.best_validation_loss_:.4f}")
plotting.plot_loss_curve(autoencoder, title="binary cross-entropy per epoch");

# %%
codes = autoencoder.transform(X_test)
plotting.plot_codes(codes, y_test, title="held-out digits in the 2-D code space");

# %% [markdown]
# The decoder on its own: a grid of points over the region the codes occupy, each decoded into an image.

# %%
low, high = np.percentile(codes, [2, 98], axis=0)
plotting.plot_decoded_grid(autoencoder, (8, 8), n_per_side=15, code_range=((low[0], high[0]), (low[1], high[1])));

# %% [markdown]
# ## A map that keeps neighbours: the defaults for a 2-D code
#
# With a code of 2 or 3 values and its own PCA-anchored network, the estimator's defaults add a
# t-SNE-like term to the training loss (`neighbor_weight="auto"` is 1.0 there) that keeps each digit's
# code near the codes of its nearest training digits (in pixel space) and away from the others'.
# `transform` is still the encoder and `inverse_transform` still the decoder. The tutorial's network
# above, with its sigmoid output, trains for reconstruction alone. The held-out digits' maps from PCA,
# that network and `AutoencoderTransformer(n_components=2)`, side by side, with the held-out
# trustworthiness (5 neighbours) of each:

# %%
from sklearn.decomposition import PCA
from skautoencoder.metrics import trustworthiness_score

mapper = AutoencoderTransformer(n_components=2, random_state=0).fit(X_train)
pca = PCA(2).fit(X_train)
figure, axes = plt.subplots(1, 3, figsize=(16, 5), layout="constrained")
for ax, (name, reducer) in zip(axes, [("PCA", pca), ("tutorial network", autoencoder), ("defaults", mapper)]):
    held_out_codes = reducer.transform(X_test)
    trust = trustworthiness_score(X_test, held_out_codes)
    error = np.mean((reducer.inverse_transform(held_out_codes) - X_test) ** 2)
    plotting.plot_codes(held_out_codes, y_test, ax=ax, title=f"{name}: trustworthiness {trust:.3f}, MSE {error:.4f}")
