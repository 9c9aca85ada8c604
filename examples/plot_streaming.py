"""
Data larger than memory: fitting from a file on disk
=====================================================

A NumPy memmap (like an h5py dataset, a Zarr array or a Dask array) is read
a block of rows at a time, never whole, in ``fit`` as in ``transform``.
Here a file of 20,000 image patches cut from scikit-learn's sample
photographs is written to disk and mapped into memory.
"""

import os
import tempfile

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_sample_images
from sklearn.feature_extraction.image import extract_patches_2d

from skautoencoder import AutoencoderTransformer

photo = load_sample_images().images[0].mean(axis=2) / 255
patches = extract_patches_2d(photo, (8, 8), max_patches=20_000, random_state=0).reshape(-1, 64)
path = os.path.join(tempfile.mkdtemp(), "patches.npy")
np.save(path, patches.astype(np.float32))
on_disk = np.load(path, mmap_mode="r")  # nothing is read yet

# %%
# Fit on the file and reconstruct a few patches from their 8-value codes.
model = AutoencoderTransformer(8, epochs=10, random_state=0).fit(on_disk)
reconstructed = model.inverse_transform(model.transform(on_disk[:6]))

fig, axes = plt.subplots(2, 6, figsize=(9, 3.2))
for i in range(6):
    axes[0, i].imshow(on_disk[i].reshape(8, 8), cmap="gray")
    axes[1, i].imshow(reconstructed[i].reshape(8, 8), cmap="gray")
for ax in axes.ravel():
    ax.set_axis_off()
axes[0, 0].set_title("patches", loc="left")
axes[1, 0].set_title("from 8 numbers each", loc="left")
plt.tight_layout()
plt.show()
