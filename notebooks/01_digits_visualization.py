# %% [markdown]
# # Digits in two dimensions: an autoencoder next to PCA
#
# The 1,797 UCI digits (8×8 pixels, values 0–16, plus a label) are squeezed to two numbers each by a
# 64-32-2-32-64 sigmoid autoencoder trained with Adam on squared error at batch size 8, then drawn as
# a scatter coloured by digit. The data ship with scikit-learn (`load_digits` is exactly the UCI file);
# here they are first written in the UCI CSV format and read back, as a user with the file would.

# %%
import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import matplotlib.pyplot as plt
from skautoencoder import AutoencoderTransformer, reconstruction_error, load
from skautoencoder import plotting
# %matplotlib inline

# %% [markdown]
# Write the digits as the UCI text file (64 pixel values and the label per line), then load it back with NumPy.

# %%
import tempfile
from sklearn.datasets import load_digits

digits = load_digits()
data_file = os.path.join(tempfile.mkdtemp(), "digits_uci_test_1797.txt")
np.savetxt(data_file, np.column_stack([digits.data, digits.target]), fmt="%d", delimiter=",")

data_x = np.loadtxt(data_file, delimiter=",", usecols=range(0, 64), dtype=np.float32)
labels = np.loadtxt(data_file, delimiter=",", usecols=[64], dtype=np.float32).astype(int)
data_x = data_x / 16
print(data_x.shape, labels[:10])

# %% [markdown]
# One item, as hexadecimal pixel values and as an image.

# %%
item = 1
print(f"digit {labels[item]}:")
print(plotting.format_item_hex(data_x[item] * 16, (8, 8)))
plotting.plot_item(data_x[item], (8, 8), title=f"item {item}: a {labels[item]}");

# %% [markdown]
# The tutorial's network: 64-32-2-32-64, sigmoid everywhere, Adam, squared error, batch size 8, 500 epochs, seeded.

# %%
autoencoder = AutoencoderTransformer(
    n_components=2, hidden_layer_sizes=(32,), activation="sigmoid", code_activation="sigmoid",
    output_activation="sigmoid", loss="mse", optimizer="adam", batch_size=8, epochs=500, early_stopping=False, random_state=1,
)
autoencoder.fit(data_x)
for epoch in range(0, autoencoder.n_iter_, 100):
    print(f"epoch = {epoch:4d}   loss = {autoencoder.loss_curve_[epoch]:0.6f}")

# %% [markdown]
# The 2-D codes, coloured by digit, next to PCA's two components.

# %%
from sklearn.decomposition import PCA

pca = PCA(2).fit(data_x)
figure, axes = plt.subplots(1, 2, figsize=(12, 5), layout="constrained")
plotting.plot_codes(autoencoder.transform(data_x), labels, ax=axes[0], title="autoencoder")
plotting.plot_codes(pca.transform(data_x), labels, ax=axes[1], title="PCA")
print(f"reconstruction MSE: autoencoder {reconstruction_error(autoencoder, data_x):.4f}, "
      f"PCA {reconstruction_error(pca, data_x):.4f}")

# %% [markdown]
# Save the trained model, load it back, and check that it encodes identically.

# %%
path = os.path.join(tempfile.mkdtemp(), "digits_autoencoder.skae")
autoencoder.save(path)
reloaded = load(path)
print("identical codes:", np.array_equal(reloaded.transform(data_x), autoencoder.transform(data_x)))
