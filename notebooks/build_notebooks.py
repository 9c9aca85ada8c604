"""Write the scenario notebooks and execute them, keeping their outputs.

Each notebook redoes one source scenario with AutoencoderTransformer. The
cells live here as plain text so that changes are easy to review; running

    python notebooks/build_notebooks.py            # all notebooks
    python notebooks/build_notebooks.py 01 04      # some of them

writes ``notebooks/NN_name.ipynb`` and executes it top to bottom with nbclient,
saving the outputs (figures included). The test suite executes the committed
notebooks again.
"""

import os
import sys

import nbformat
from nbclient import NotebookClient

HERE = os.path.dirname(os.path.abspath(__file__))

SETUP = """\
import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import matplotlib.pyplot as plt
from skautoencoder import AutoencoderTransformer, reconstruction_error, load
from skautoencoder import plotting
%matplotlib inline"""

NOTEBOOKS = {
    "01_digits_visualization": [
        (
            "md",
            """# Digits in two dimensions: an autoencoder next to PCA

The 1,797 UCI digits (8×8 pixels, values 0–16, plus a label) are squeezed to two numbers each by a
64-32-2-32-64 sigmoid autoencoder trained with Adam on squared error at batch size 8, then drawn as
a scatter coloured by digit. The data ship with scikit-learn (`load_digits` is exactly the UCI file);
here they are first written in the UCI CSV format and read back, as a user with the file would.""",
        ),
        ("code", SETUP),
        (
            "md",
            "Write the digits as the UCI text file (64 pixel values and the label per line), then load it back with NumPy.",
        ),
        (
            "code",
            """\
import tempfile
from sklearn.datasets import load_digits

digits = load_digits()
data_file = os.path.join(tempfile.mkdtemp(), "digits_uci_test_1797.txt")
np.savetxt(data_file, np.column_stack([digits.data, digits.target]), fmt="%d", delimiter=",")

data_x = np.loadtxt(data_file, delimiter=",", usecols=range(0, 64), dtype=np.float32)
labels = np.loadtxt(data_file, delimiter=",", usecols=[64], dtype=np.float32).astype(int)
data_x = data_x / 16
print(data_x.shape, labels[:10])""",
        ),
        ("md", "One item, as hexadecimal pixel values and as an image."),
        (
            "code",
            """\
item = 1
print(f"digit {labels[item]}:")
print(plotting.format_item_hex(data_x[item] * 16, (8, 8)))
plotting.plot_item(data_x[item], (8, 8), title=f"item {item}: a {labels[item]}");""",
        ),
        (
            "md",
            "The tutorial's network: 64-32-2-32-64, sigmoid everywhere, Adam, squared error, batch size 8, 500 epochs, seeded.",
        ),
        (
            "code",
            """\
autoencoder = AutoencoderTransformer(
    n_components=2, hidden_layer_sizes=(32,), activation="sigmoid", code_activation="sigmoid",
    output_activation="sigmoid", loss="mse", optimizer="adam", batch_size=8, epochs=500, early_stopping=False, random_state=1,
)
autoencoder.fit(data_x)
for epoch in range(0, autoencoder.n_iter_, 100):
    print(f"epoch = {epoch:4d}   loss = {autoencoder.loss_curve_[epoch]:0.6f}")""",
        ),
        ("md", "The 2-D codes, coloured by digit, next to PCA's two components."),
        (
            "code",
            """\
from sklearn.decomposition import PCA

pca = PCA(2).fit(data_x)
figure, axes = plt.subplots(1, 2, figsize=(12, 5), layout="constrained")
plotting.plot_codes(autoencoder.transform(data_x), labels, ax=axes[0], title="autoencoder")
plotting.plot_codes(pca.transform(data_x), labels, ax=axes[1], title="PCA")
print(f"reconstruction MSE: autoencoder {reconstruction_error(autoencoder, data_x):.4f}, "
      f"PCA {reconstruction_error(pca, data_x):.4f}")""",
        ),
        ("md", "Save the trained model, load it back, and check that it encodes identically."),
        (
            "code",
            """\
path = os.path.join(tempfile.mkdtemp(), "digits_autoencoder.skae")
autoencoder.save(path)
reloaded = load(path)
print("identical codes:", np.array_equal(reloaded.transform(data_x), autoencoder.transform(data_x)))""",
        ),
    ],
    "02_iris_and_images": [
        (
            "md",
            """# Iris down to one number, and images down to a hundred

Iris (4 measurements) is encoded into a single tanh unit and decoded linearly, trained with RMSProp in
mini-batches and reported as a root-mean-squared error. Then images: colour photographs are cut into
32×32 patches, turned to grey and flattened into rows of 1,024 values, and encoded into 100 numbers.
CIFAR-10 cannot be downloaded here, so the patches come from the two photographs that ship with
scikit-learn; the cell after them shows how a user loads the real data set.""",
        ),
        ("code", SETUP),
        (
            "code",
            """\
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
plt.yticks([]); plt.xlabel("the one code value"); plt.title("iris species along the 1-D code");""",
        ),
        ("md", "Images: 32×32 colour patches from scikit-learn's sample photographs, converted to grey and flattened."),
        (
            "code",
            """\
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
print("patches:", X_images.shape)""",
        ),
        ("md", "How a user loads CIFAR-10's horses instead (needs the internet, so it is not run here)."),
        (
            "code",
            """\
def load_cifar10_horses():
    import keras
    (x_train, y_train), _ = keras.datasets.cifar10.load_data()
    horses = x_train[y_train.ravel() == 7]
    return horses.astype(np.float32).mean(axis=3).reshape(len(horses), -1) / 255.0""",
        ),
        (
            "code",
            """\
images_model = AutoencoderTransformer(
    n_components=100, hidden_layer_sizes=(), activation="linear", code_activation="tanh",
    output_activation="sigmoid", optimizer="rmsprop", batch_size=64, epochs=30, early_stopping=False, random_state=0,
).fit(X_images)
print(f"1,024 -> 100 -> 1,024: RMSE {np.sqrt(reconstruction_error(images_model, X_images)):.4f}")
plotting.plot_reconstructions(X_images[::150], {"autoencoder": images_model.inverse_transform(images_model.transform(X_images[::150]))},
                              (32, 32), n_items=8, title="grey patches and their 100-number reconstructions");""",
        ),
        (
            "md",
            "The document also names stacked, denoising and variational autoencoders; each is one parameter away. A short run of each on the patches:",
        ),
        (
            "code",
            """\
variants = {
    "stacked (pretrained layer by layer)": dict(hidden_layer_sizes=(256,), pretrain_epochs=3),
    "denoising (Gaussian noise 0.1)": dict(hidden_layer_sizes=(256,), corruption="gaussian", corruption_level=0.1),
    "variational": dict(hidden_layer_sizes=(256,), variational=True),
}
for name, params in variants.items():
    model = AutoencoderTransformer(n_components=100, output_activation="sigmoid", epochs=10, early_stopping=False, random_state=0, **params)
    model.fit(X_images)
    print(f"{name:38s} RMSE {np.sqrt(reconstruction_error(model, X_images)):.4f}")""",
        ),
    ],
    "03_convolutional_and_variants": [
        (
            "md",
            """# Convolutional and regularised autoencoders

A convolutional autoencoder (Conv2D and MaxPooling2D down, UpSampling2D and Conv2D up) next to a dense
deep dense one on 8×8 digit images (`benchmarks/bench_variants.py` trains them longer, and deeper); rows of original, code and reconstruction; the denoising, sparse and
contractive variants compared in one table; and the linear autoencoder landing on PCA's subspace.
MNIST cannot be downloaded here: the digits that ship with scikit-learn stand in for it.""",
        ),
        ("code", SETUP),
        (
            "code",
            """\
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

X = load_digits().data / 16
X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)
common = dict(n_components=8, output_activation="sigmoid", epochs=40, early_stopping=False, random_state=0)
conv = AutoencoderTransformer(image_shape=(8, 8), hidden_layer_sizes=(8, 16), **common).fit(X_train)
dense = AutoencoderTransformer(hidden_layer_sizes=(64, 32), **common).fit(X_train)
for name, model in [("convolutional", conv), ("deep dense", dense)]:
    size = model.encoder_.count_params() + model.decoder_.count_params()
    print(f"{name:14s} {size:6,d} parameters, held-out MSE {reconstruction_error(model, X_test):.4f}")""",
        ),
        ("md", "Original, code and reconstruction for a few held-out digits (the 8 code values drawn as a 2×4 image)."),
        (
            "code",
            """\
items = X_test[:8]
figure, axes = plt.subplots(3, 8, figsize=(9, 3.6), layout="constrained")
for column, item in enumerate(items):
    code = conv.transform(item[None])
    for row, (image, shape) in enumerate([(item, (8, 8)), (code, (2, 4)), (conv.inverse_transform(code), (8, 8))]):
        axes[row, column].imshow(np.asarray(image).reshape(shape), cmap="gray_r")
        axes[row, column].set_xticks([]); axes[row, column].set_yticks([])
for row, name in enumerate(["original", "code", "reconstruction"]):
    axes[row, 0].set_ylabel(name)""",
        ),
        ("md", "Denoising, sparse and contractive variants, each measured on what it is for."),
        (
            "code",
            """\
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
pd.DataFrame(rows).set_index("variant").round(4)""",
        ),
        ("md", "A linear autoencoder (no hidden layer, identity activations) learns the same subspace as PCA."),
        (
            "code",
            """\
from scipy.linalg import subspace_angles
from sklearn.decomposition import PCA

linear = AutoencoderTransformer(n_components=8, hidden_layer_sizes=(), activation="linear", code_activation="linear",
                                output_activation="linear", learning_rate=0.01, batch_size=64, epochs=300, early_stopping=False, init="random", random_state=0).fit(X)
pca = PCA(8).fit(X)
angle = np.max(subspace_angles(linear.decoder_.get_layer("reconstruction").get_weights()[0].T, pca.components_.T))
print(f"MSE linear AE {reconstruction_error(linear, X):.5f}, PCA {reconstruction_error(pca, X):.5f}; "
      f"largest principal angle {angle:.3f} rad")""",
        ),
    ],
    "04_latent_space_and_generation": [
        (
            "md",
            """# The latent space, and images generated from it

A deep autoencoder with a 2-D code (784-32-2-32-784 in the source, on MNIST; here 64-pixel digits,
since MNIST cannot be downloaded), relu hidden layers and a sigmoid output trained with binary
cross-entropy, watching a validation split. The codes of held-out digits are drawn coloured by label,
and the decoder, a model of its own, turns any point of the plane into an image.""",
        ),
        ("code", SETUP),
        ("md", "How a user loads MNIST itself (needs the internet, so it is not run here)."),
        (
            "code",
            """\
def load_mnist():
    import keras
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    return x_train.reshape(-1, 784) / 255.0, y_train, x_test.reshape(-1, 784) / 255.0, y_test""",
        ),
        (
            "code",
            """\
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
plotting.plot_loss_curve(autoencoder, title="binary cross-entropy per epoch");""",
        ),
        (
            "code",
            """\
codes = autoencoder.transform(X_test)
plotting.plot_codes(codes, y_test, title="held-out digits in the 2-D code space");""",
        ),
        (
            "md",
            "The decoder on its own: a grid of points over the region the codes occupy, each decoded into an image.",
        ),
        (
            "code",
            """\
low, high = np.percentile(codes, [2, 98], axis=0)
plotting.plot_decoded_grid(autoencoder, (8, 8), n_per_side=15, code_range=((low[0], high[0]), (low[1], high[1])));""",
        ),
        (
            "md",
            """## A map that keeps neighbours: the defaults for a 2-D code

With a code of 2 or 3 values and its own PCA-anchored network, the estimator's defaults add a
t-SNE-like term to the training loss (`neighbor_weight="auto"` is 1.0 there) that keeps each digit's
code near the codes of its nearest training digits (in pixel space) and away from the others'.
`transform` is still the encoder and `inverse_transform` still the decoder. The tutorial's network
above, with its sigmoid output, trains for reconstruction alone. The held-out digits' maps from PCA,
that network and `AutoencoderTransformer(n_components=2)`, side by side, with the held-out
trustworthiness (5 neighbours) of each:""",
        ),
        (
            "code",
            """from sklearn.decomposition import PCA
from skautoencoder.metrics import trustworthiness_score

mapper = AutoencoderTransformer(n_components=2, random_state=0).fit(X_train)
pca = PCA(2).fit(X_train)
figure, axes = plt.subplots(1, 3, figsize=(16, 5), layout="constrained")
for ax, (name, reducer) in zip(axes, [("PCA", pca), ("tutorial network", autoencoder), ("defaults", mapper)]):
    held_out_codes = reducer.transform(X_test)
    trust = trustworthiness_score(X_test, held_out_codes)
    error = np.mean((reducer.inverse_transform(held_out_codes) - X_test) ** 2)
    plotting.plot_codes(held_out_codes, y_test, ax=ax, title=f"{name}: trustworthiness {trust:.3f}, MSE {error:.4f}")""",
        ),
    ],
    "05_reconstruction_pipeline": [
        (
            "md",
            """# A scaler and an autoencoder in one pipeline

The digits go through a `MinMaxScaler` and a 64-32-64 autoencoder (relu code, sigmoid output, binary
cross-entropy, 100 epochs, batch size 256, shuffled). Reconstructions are shown next to the originals,
then the 32-number code serves as features for a classifier, like PCA's would: an autoencoder is
"like PCA, but non-linear".""",
        ),
        ("code", SETUP),
        (
            "code",
            """\
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

digits = load_digits()
X_train, X_test, y_train, y_test = train_test_split(digits.data, digits.target, test_size=0.25, random_state=0)
reducer = make_pipeline(MinMaxScaler(), AutoencoderTransformer(
    n_components=32, hidden_layer_sizes=(), code_activation="relu", output_activation="sigmoid",
    loss="binary_crossentropy", batch_size=256, epochs=100, shuffle=True, early_stopping=False, random_state=0,
)).fit(X_train)
reconstructed = reducer.inverse_transform(reducer.transform(X_test))
print(f"held-out MSE in pixel units (0-16): {np.mean((reconstructed - X_test) ** 2):.3f}")
plotting.plot_reconstructions(X_test, {"autoencoder": reconstructed}, (8, 8), title="originals and reconstructions");""",
        ),
        ("md", "The 32-d code as features for a logistic regression, against PCA's 32 components."),
        (
            "code",
            """\
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression

for name, step in [("autoencoder", reducer), ("PCA", make_pipeline(MinMaxScaler(), PCA(32)).fit(X_train))]:
    classifier = LogisticRegression(max_iter=2000).fit(step.transform(X_train), y_train)
    print(f"{name:12s} 32 features -> held-out accuracy {classifier.score(step.transform(X_test), y_test):.3f}")""",
        ),
    ],
    "06_gridsearch_vs_pca": [
        (
            "md",
            """# One grid search over PCA and the autoencoder

The reason for this library: a `Pipeline` whose reduction step is searched over PCA and autoencoders
of several layer sizes and code sizes, all scored by the same held-out reconstruction error
(`reconstruction_scorer`; PCA's own `score` is a likelihood and could not be compared).""",
        ),
        ("code", SETUP),
        (
            "code",
            """\
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler
from skautoencoder import reconstruction_scorer

X = load_digits().data
pipeline = Pipeline([("scale", MinMaxScaler()), ("reduce", PCA())])
sizes = [2, 4, 8, 16]
grid = [
    {"reduce": [PCA()], "reduce__n_components": sizes},
    {"reduce": [AutoencoderTransformer(output_activation="sigmoid", epochs=60, early_stopping=False, random_state=0)],
     "reduce__hidden_layer_sizes": [(64,), (128, 64)], "reduce__n_components": sizes},
]
import warnings
# Two worker processes; loky restarts a worker whose memory grew (TensorFlow's runtime) and says so.
warnings.filterwarnings("ignore", message="A worker stopped while some jobs were given")
search = GridSearchCV(pipeline, grid, scoring=reconstruction_scorer, cv=3, n_jobs=2).fit(X)
results = pd.DataFrame({
    "method": [type(p["reduce"]).__name__.replace("AutoencoderTransformer", "autoencoder " + str(p.get("reduce__hidden_layer_sizes", "")))
               for p in search.cv_results_["params"]],
    "n_components": search.cv_results_["param_reduce__n_components"],
    "held-out MSE": -search.cv_results_["mean_test_score"],
})
print("best:", search.best_params_)
results.pivot(index="n_components", columns="method", values="held-out MSE").round(2)""",
        ),
        (
            "code",
            """\
figure, ax = plt.subplots(figsize=(6, 4), layout="constrained")
for method, group in results.groupby("method"):
    ax.plot(group["n_components"], group["held-out MSE"], marker="o", label=method)
ax.set_xscale("log", base=2); ax.set_xticks(sizes, [str(k) for k in sizes]); ax.set_yscale("log")
ax.set_xlabel("n_components"); ax.set_ylabel("held-out MSE (pixel units)")
ax.set_title("3-fold cross-validated reconstruction error"); ax.legend();""",
        ),
    ],
}


def build(name, cells, execute=True):
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [
        nbformat.v4.new_markdown_cell(text) if kind == "md" else nbformat.v4.new_code_cell(text) for kind, text in cells
    ]
    if execute:
        NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": HERE}}).execute()
    path = os.path.join(HERE, f"{name}.ipynb")
    nbformat.write(notebook, path)
    return path


def main(argv):
    wanted = [name for name in NOTEBOOKS if not argv or any(name.startswith(prefix) for prefix in argv)]
    for name in wanted:
        print("built", build(name, NOTEBOOKS[name]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
