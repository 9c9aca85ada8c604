"""
Denoising: restoring corrupted digits
=====================================

A variant is a parameter of the one estimator: ``corruption="gaussian"``
trains the encoder on noisy rows and the loss on the clean ones. Noisy
held-out digits, restored by the plain and by the denoising autoencoder.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skautoencoder import AutoencoderTransformer

X = load_digits().data / 16
X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)
noisy = np.clip(X_test + np.random.RandomState(0).normal(scale=0.3, size=X_test.shape), 0, 1)

# %%
# A plain and a denoising autoencoder of 16 values, each asked to restore the
# noisy held-out digits.
models = {
    "plain": AutoencoderTransformer(16, epochs=40, random_state=0),
    "denoising": AutoencoderTransformer(16, corruption="gaussian", corruption_level=0.3, epochs=40, random_state=0),
}
fig, axes = plt.subplots(1, 4, figsize=(9, 2.6))
images = {"clean": X_test[0], "noisy": noisy[0]}
for name, model in models.items():
    restored = model.fit(X_train).inverse_transform(model.transform(noisy))
    error = np.mean((restored - X_test) ** 2)
    images[f"{name}\nMSE to clean {error:.4f}"] = restored[0]
for ax, (title, image) in zip(axes, images.items()):
    ax.imshow(image.reshape(8, 8), cmap="gray_r")
    ax.set_title(title)
    ax.set_axis_off()
plt.tight_layout()
plt.show()
