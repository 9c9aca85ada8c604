"""
The command line on a CSV file
==============================

``skautoencoder embed`` reads a CSV file (a header or none, any delimiter),
fits the autoencoder and writes the codes and a scatter plot;
``skautoencoder compare`` sweeps the code size against PCA. Here the wine
table is written as a CSV file with its label column, as a user would have
it, and both commands run on it (the same as typing them in a shell).
"""

import os
import tempfile

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
from sklearn.datasets import load_wine

from skautoencoder.cli import main

folder = tempfile.mkdtemp()
table = load_wine(as_frame=True).frame
table.to_csv(os.path.join(folder, "wine.csv"), index=False)

# skautoencoder embed wine.csv --label target --epochs 30 --output out
main(["embed", os.path.join(folder, "wine.csv"), "--label", "target", "--epochs", "30", "--output", folder])
print(sorted(os.listdir(folder)))

png = [name for name in os.listdir(folder) if name.endswith(".png")][0]
plt.imshow(mpimg.imread(os.path.join(folder, png)))
plt.axis("off")
plt.show()
