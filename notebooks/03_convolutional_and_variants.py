# %% [markdown]
# # Convolutional and regularised autoencoders
#
# A convolutional autoencoder (Conv2D and MaxPooling2D down, UpSampling2D and Conv2D up) next to a dense
# deep dense one on 8×8 digit images (`benchmarks/bench_variants.py` trains them longer, and deeper); rows of original, code and reconstruction; the denoising, sparse and
# contractive variants compared in one table; and the linear autoencoder landing on PCA's subspace.
# MNIST cannot be downloaded here: the digits that ship with scikit-learn stand in for it.

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

X = load_digits().data / 16
X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)
common = dict(n_components=8, output_activation="sigmoid", epochs=40, early_stopping=False, random_state=0)
conv = AutoencoderTransformer(image_shape=(8, 8), hidden_layer_sizes=(8, 16), **common).fit(X_train)
dense = AutoencoderTransformer(hidden_layer_sizes=(64, 32), **common).fit(X_train)
for name, model in [("convolutional", conv), ("deep dense", dense)]:
    size = model.encoder_.count_params() + model.decoder_.count_params()
    print(f"{name:14s} {size:6,d} parameters, held-out MSE {reconstruction_error(model, X_test):.4f}")

# %% [markdown]
# Original, code and reconstruction for a few held-out digits (the 8 code values drawn as a 2×4 image).

# %%
items = X_test[:8]
figure, axes = plt.subplots(3, 8, figsize=(9, 3.6), layout="constrained")
for column, item in enumerate(items):
    code = conv.transform(item[None])
    for row, (image, shape) in enumerate([(item, (8, 8)), (code, (2, 4)), (conv.inverse_transform(code), (8, 8))]):
        axes[row, column].imshow(np.asarray(image).reshape(shape), cmap="gray_r")
        axes[row, column].set_xticks([]); axes[row, column].set_yticks([])
for row, name in enumerate(["original", "code", "reconstruction"]):
    axes[row, 0].set_ylabel(name)

# %% [markdown]
# Denoising, sparse and contractive variants, each measured on what it is for.

# %%
import pandas as pd
import tensorflow as tf

def jacobian_norm(model, X):
    x = tf.convert_to_tensor(X, dtype=tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        code = model.encoder_(x)
    return float(np.mean(np.sqrt(np.sum(tape.batch_jacobian(code, x).numpy() ** 2, axis=(1, 2)))))

noisy = X_test + np.random.RandomState(1).normal(scale=0.3, size=X_test.shape)
base = dict(n_components=16, hidden_layer_sizes=(64,), activation="tanh", output_activation="sigmoid", epochs=25, early_stopping=False, random_state=0)
rows = []
for name, extra in [("plain", {}), ("denoising", dict(corruption="gaussian", corruption_level=0.3)),
                    ("sparse", dict(activity_l1=1e-4)), ("contractive", dict(contractive_weight=0.05))]:
    model = AutoencoderTransformer(**base, **extra).fit(X_train)
    rows.append({"variant": name, "held-out MSE": reconstruction_error(model, X_test),
                 "MSE from noisy input": float(np.mean((model.inverse_transform(model.transform(noisy)) - X_test) ** 2)),
                 "mean |code|": float(np.mean(np.abs(model.transform(X_test)))),
                 "encoder Jacobian norm": jacobian_norm(model, X_test)})
pd.DataFrame(rows).set_index("variant").round(4)

# %% [markdown]
# A linear autoencoder (no hidden layer, identity activations) learns the same subspace as PCA.

# %%
from scipy.linalg import subspace_angles
from sklearn.decomposition import PCA

linear = AutoencoderTransformer(n_components=8, hidden_layer_sizes=(), activation="linear", code_activation="linear",
                                output_activation="linear", learning_rate=0.01, batch_size=64, epochs=300, early_stopping=False, init="random", random_state=0).fit(X)
pca = PCA(8).fit(X)
angle = np.max(subspace_angles(linear.decoder_.get_layer("reconstruction").get_weights()[0].T, pca.components_.T))
print(f"MSE linear AE {reconstruction_error(linear, X):.5f}, PCA {reconstruction_error(pca, X):.5f}; "
      f"largest principal angle {angle:.3f} rad")
