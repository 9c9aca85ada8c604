# %% [markdown]
# # Iris down to one number, and images down to a hundred
#
# Iris (4 measurements) is encoded into a single tanh unit and decoded linearly, trained with RMSProp in
# mini-batches and reported as a root-mean-squared error. Then images: colour photographs are cut into
# 32×32 patches, turned to grey and flattened into rows of 1,024 values, and encoded into 100 numbers.
# CIFAR-10 cannot be downloaded here, so the patches come from the two photographs that ship with
# scikit-learn; the cell after them shows how a user loads the real data set.

# %%
import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import matplotlib.pyplot as plt
from skautoencoder import AutoencoderTransformer, reconstruction_error, load
from skautoencoder import plotting
# %matplotlib inline

# %%
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler

iris = load_iris()
X_iris = StandardScaler().fit_transform(iris.data)
iris_model = AutoencoderTransformer(
    n_components=1, hidden_layer_sizes=(), code_activation="tanh", output_activation="linear",
    optimizer="rmsprop", learning_rate=0.01, batch_size=16, epochs=200, early_stopping=False, random_state=0,
).fit(X_iris)
rmse = np.sqrt(reconstruction_error(iris_model, X_iris))
print(f"iris 4 -> 1 -> 4: RMSE {rmse:.3f} (standardised units); loss every 50 epochs:",
      [round(v, 4) for v in iris_model.loss_curve_[::50]])
code = iris_model.transform(X_iris)
plt.figure(figsize=(6, 2.5))
plt.scatter(code[:, 0], np.zeros(len(code)) + np.random.RandomState(0).rand(len(code)), c=iris.target, cmap="viridis", s=12)
plt.yticks([]); plt.xlabel("the one code value"); plt.title("iris species along the 1-D code");

# %% [markdown]
# Images: 32×32 colour patches from scikit-learn's sample photographs, converted to grey and flattened.

# %%
from sklearn.datasets import load_sample_images

def grey_patches(images, size=32, step=16):
    rows = []
    for image in images:
        grey = image.astype(np.float32).mean(axis=2) / 255.0  # average of the colour channels
        for top in range(0, grey.shape[0] - size + 1, step):
            for left in range(0, grey.shape[1] - size + 1, step):
                rows.append(grey[top:top + size, left:left + size].ravel())
    return np.array(rows)

X_images = grey_patches(load_sample_images().images)
print("patches:", X_images.shape)

# %% [markdown]
# How a user loads CIFAR-10's horses instead (needs the internet, so it is not run here).

# %%
def load_cifar10_horses():
    import keras
    (x_train, y_train), _ = keras.datasets.cifar10.load_data()
    horses = x_train[y_train.ravel() == 7]
    return horses.astype(np.float32).mean(axis=3).reshape(len(horses), -1) / 255.0

# %%
images_model = AutoencoderTransformer(
    n_components=100, hidden_layer_sizes=(), activation="linear", code_activation="tanh",
    output_activation="sigmoid", optimizer="rmsprop", batch_size=64, epochs=30, early_stopping=False, random_state=0,
).fit(X_images)
print(f"1,024 -> 100 -> 1,024: RMSE {np.sqrt(reconstruction_error(images_model, X_images)):.4f}")
plotting.plot_reconstructions(X_images[::150], {"autoencoder": images_model.inverse_transform(images_model.transform(X_images[::150]))},
                              (32, 32), n_items=8, title="grey patches and their 100-number reconstructions");

# %% [markdown]
# The document also names stacked, denoising and variational autoencoders; each is one parameter away. A short run of each on the patches:

# %%
variants = {
    "stacked (pretrained layer by layer)": dict(hidden_layer_sizes=(256,), pretrain_epochs=3),
    "denoising (Gaussian noise 0.1)": dict(hidden_layer_sizes=(256,), corruption="gaussian", corruption_level=0.1),
    "variational": dict(hidden_layer_sizes=(256,), variational=True),
}
for name, params in variants.items():
    model = AutoencoderTransformer(n_components=100, output_activation="sigmoid", epochs=10, early_stopping=False, random_state=0, **params)
    model.fit(X_images)
    print(f"{name:38s} RMSE {np.sqrt(reconstruction_error(model, X_images)):.4f}")
