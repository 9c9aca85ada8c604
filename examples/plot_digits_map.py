"""
A 2-D map of the handwritten digits, against PCA
=================================================

The first tutorial's scenario: each 8x8 digit reduced to two numbers. With a
2-D code, ``AutoencoderTransformer``'s defaults make a map that keeps
neighbours; PCA's two components are the linear baseline. Both are fitted on
75% of the digits and shown on the other 25%.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

from skautoencoder import AutoencoderTransformer

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X / 16, y, test_size=0.25, random_state=0)

# %%
# Fit each on the training digits; draw the held-out digits' codes, with the
# accuracy of a 5-nearest-neighbour classifier on them.
reducers = {
    "PCA": PCA(2),
    # Few epochs keep the gallery fast; the defaults train up to 300.
    "autoencoder": AutoencoderTransformer(2, epochs=40, random_state=0),
}
fig, axes = plt.subplots(1, 2, figsize=(9, 4))
for ax, (name, reducer) in zip(axes, reducers.items()):
    reducer.fit(X_train)
    codes_train, codes_test = reducer.transform(X_train), reducer.transform(X_test)
    accuracy = KNeighborsClassifier(5).fit(codes_train, y_train).score(codes_test, y_test)
    ax.scatter(codes_test[:, 0], codes_test[:, 1], c=y_test, cmap="tab10", s=6)
    ax.set_title(f"{name}: held-out 5-NN accuracy {accuracy:.2f}")
plt.tight_layout()
plt.show()
