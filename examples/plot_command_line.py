"""
The command line on a CSV file
==============================

``skautoencoder embed`` reads a CSV file (a header or none, any delimiter),
fits the autoencoder and writes the codes and a scatter plot;
``skautoencoder compare`` sweeps the code size against PCA. Here the wine
table is written as a CSV file with its label column, as a user would have
it, and ``embed`` runs on it (the same as typing the command in a shell).
"""

import os
import tempfile

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
from sklearn.datasets import load_wine

from skautoencoder.cli import main

# Work in a new, empty folder, as a user would in a shell.
folder = tempfile.mkdtemp()
os.chdir(folder)
table = load_wine(as_frame=True).frame
table.to_csv("wine.csv", index=False)

# skautoencoder embed wine.csv --label target --epochs 30 --output out
status = main(["embed", "wine.csv", "--label", "target", "--epochs", "30", "--output", "out"])  # 0: success

# %%
# The scatter plot it wrote:
plt.imshow(mpimg.imread(os.path.join(folder, "out", "wine_codes.png")))
plt.axis("off")
plt.show()
