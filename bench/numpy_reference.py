"""Reference numpy implementation of the 784-H-10 network (or 784-H1-…-HL-10), for the side-by-side benchmark.

The same network and the same training loop as the TypeScript code, written the way a careful numpy
user would: float32 throughout, one vectorised train_step() per batch, plain SGD. Per-image mode is
the same step with a batch of 1, looped sample by sample, as the original project did. Every hidden
layer is relu.

Shape legend (as core/network/network.ts and docs/math.md):
    N = batch size, D = 784 pixels, H = hidden units, K = 10 classes; row-major.
    sizes = [D, H1, ..., HL, K]; layer l: w_l (sizes[l], sizes[l + 1]), b_l (sizes[l + 1]).
    One hidden layer: w0 (D, H), b0 (H), w1 (H, K), b1 (K).

The initial weights, the order of the training images and the learning rate of each epoch come
from files our side wrote, so both sides start from the same numbers, visit the images in the same
order and step with the same rates:
    parameter file: raw little-endian float32, w0 | b0 | w1 | b1 | ..., each row-major;
    order file:     raw little-endian uint32, (epochs, N): the image indices of each epoch;
    rates file:     raw little-endian float64, (epochs): the learning rate of each epoch (optional;
                    --lr for every epoch without it).

Usage (bench/run_bench.ts runs it; the output is one JSON object on stdout):
    python3 bench/numpy_reference.py train --images TRAIN_IMAGES --labels TRAIN_LABELS \\
        --test-images T10K_IMAGES --test-labels T10K_LABELS --init init.f32 --order order.u32 \\
        --hidden 128 --batch 64 --lr 0.1 --epochs 5 [--rates rates.f64] [--limit N] \\
        [--save-weights final.f32]          (--hidden 512,256 for two hidden layers)
    python3 bench/numpy_reference.py infer --test-images T10K_IMAGES --test-labels T10K_LABELS \\
        --weights final.f32 --hidden 128 --batch 1000 --passes 5
    python3 bench/numpy_reference.py info    # only the environment: numpy, BLAS, OpenBLAS core, CPU

Every report includes the environment, read from the process itself: the numpy version, the BLAS it
was built with, and the OpenBLAS core (kernel set) the loaded library chose at start-up, which
OPENBLAS_CORETYPE overrides. bench/run_bench.ts compares that core with the CPU's flags.
"""

import argparse
import ctypes
import json
import os
import sys
import time

import numpy as np

D = 784  # pixels per image, 28 x 28
K = 10  # classes
IMAGE_SIDE = 28
IDX_IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
IDX_LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension


class BenchInputError(Exception):
    """A file or argument the benchmark cannot use."""


# ---------------------------------------------------------------------------------------------
# Files


def read_idx(path, magic):
    """Read a raw IDX file of unsigned bytes: images (N, 28, 28) as (N, D), or labels (N)."""
    prefix = f'Cannot read IDX file "{path}"'
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as error:
        raise BenchInputError(f"{prefix}: {error.strerror}") from error
    dims = magic & 0xFF
    header_bytes = 4 + 4 * dims
    if data.size < header_bytes:
        raise BenchInputError(f"{prefix}: file is {data.size} bytes, shorter than the {header_bytes}-byte header")
    header = data[:header_bytes].view(">u4")
    if header[0] != magic:
        raise BenchInputError(f"{prefix}: magic number is {header[0]}, expected {magic}")
    shape = tuple(int(n) for n in header[1:])
    if dims == 3 and shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise BenchInputError(f"{prefix}: images are {shape[1]} x {shape[2]}, expected 28 x 28")
    expected = header_bytes + int(np.prod(shape))
    if data.size != expected:
        raise BenchInputError(f"{prefix}: file is {data.size} bytes, the header declares {expected}")
    body = data[header_bytes:]
    return body.reshape(shape[0], D) if dims == 3 else body


def load_set(images_path, labels_path, limit=0):
    """Images as float32 x = pixels / 255, (N, D), and labels, (N); the first `limit` when limit > 0."""
    pixels = read_idx(images_path, IDX_IMAGES_MAGIC)
    labels = read_idx(labels_path, IDX_LABELS_MAGIC)
    if len(pixels) != len(labels):
        raise BenchInputError(
            f'Cannot load dataset: "{images_path}" holds {len(pixels)} images but "{labels_path}" holds {len(labels)} labels'
        )
    if limit > 0:
        pixels, labels = pixels[:limit], labels[:limit]
    x = pixels.astype(np.float32)
    x /= np.float32(255)  # in place: no second (N, D) float copy
    return x, labels.astype(np.intp)


def layer_sizes(hidden):
    """[D, H1, ..., HL, K] of the hidden layer sizes."""
    return [D, *hidden, K]


def read_params(path, hidden):
    """Parameters from a raw float32 file: w0 | b0 | w1 | b1 | ..., as a list of (w, b) per layer."""
    sizes = layer_sizes(hidden)
    counts = [n for l in range(len(sizes) - 1) for n in (sizes[l] * sizes[l + 1], sizes[l + 1])]
    flat = np.fromfile(path, dtype="<f4")
    if flat.size != sum(counts):
        raise BenchInputError(
            f'Cannot read parameter file "{path}": it holds {flat.size} floats, expected {sum(counts)} for layers {"-".join(map(str, sizes))}'
        )
    parts = np.split(flat.astype(np.float32), np.cumsum(counts)[:-1])
    return [(parts[2 * l].reshape(sizes[l], sizes[l + 1]), parts[2 * l + 1]) for l in range(len(sizes) - 1)]


def write_params(path, params):
    """Write parameters as a raw float32 file: w0 | b0 | w1 | b1 | ..."""
    flat = np.concatenate([part.ravel() for w, b in params for part in (w, b)])
    flat.astype("<f4").tofile(path)


def read_rates(path, epochs):
    """The learning rate of each epoch from a raw float64 file, (epochs)."""
    rates = np.fromfile(path, dtype="<f8")
    if rates.size != epochs:
        raise BenchInputError(f'Cannot read rates file "{path}": it holds {rates.size} rates, expected {epochs}')
    return [float(rate) for rate in rates]


def read_orders(path, count, epochs):
    """Image orders from a raw uint32 file, (epochs, count); every row a permutation of range(count)."""
    orders = np.fromfile(path, dtype="<u4")
    if orders.size != count * epochs:
        raise BenchInputError(
            f'Cannot read order file "{path}": it holds {orders.size} indices, expected {epochs} x {count}'
        )
    orders = orders.reshape(epochs, count).astype(np.intp)
    for epoch, order in enumerate(orders):
        if not np.array_equal(np.sort(order), np.arange(count)):
            raise BenchInputError(f'Cannot read order file "{path}": epoch {epoch} is not a permutation of 0..{count - 1}')
    return orders


# ---------------------------------------------------------------------------------------------
# The network


def forward(params, x):
    """z_l = a_{l-1}.w_l + b_l with a_{-1} = x and a_l = relu(z_l) for the hidden layers; returns the
    inputs of every layer (x, a_0, ..., a_{L-1}) and the logits z_L. x: (N, D)."""
    inputs = [x]
    for w, b in params[:-1]:
        inputs.append(np.maximum(inputs[-1] @ w + b, 0))  # (N, H_l)
    w, b = params[-1]
    return inputs, inputs[-1] @ w + b  # logits (N, K)


def softmax(z1):
    """Class probabilities, (N, K); also returns the shifted logits and their exp-sums for the loss."""
    shifted = z1 - z1.max(axis=1, keepdims=True)  # subtract the max logit so exp() cannot overflow
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)  # (N, 1)
    return e / total, shifted, total


def predict(params, x):
    """Class probabilities of a batch x: (N, D) -> (N, K)."""
    return softmax(forward(params, x)[1])[0]


def train_step(params, x, y, lr):
    """One SGD step on a batch of the mean cross-entropy loss; returns the summed loss before the update."""
    n = len(y)
    rows = np.arange(n)
    inputs, logits = forward(params, x)
    probs, shifted, total = softmax(logits)  # (N, K), (N, K), (N, 1)
    loss = float(np.sum(np.log(total[:, 0]) - shifted[rows, y]))  # -log p[y], finite even if p[y] underflows

    d_z = probs  # dL/dz_L = (softmax(z_L) - onehot(y)) / N
    d_z[rows, y] -= 1
    d_z /= n
    grads = []
    for l in range(len(params) - 1, -1, -1):
        w, _ = params[l]
        grads.append((inputs[l].T @ d_z, d_z.sum(axis=0)))  # dL/dw_l (in, out), dL/db_l (out)
        if l > 0:
            d_z = (d_z @ w.T) * (inputs[l] > 0)  # through w_l, then relu'(z_{l-1}) (a > 0 exactly when z > 0)
    for (w, b), (d_w, d_b) in zip(params, reversed(grads)):
        w -= lr * d_w
        b -= lr * d_b
    return loss


def train(params, x, y, orders, batch, rates):
    """Train in place, one epoch per row of `orders` at its rate; returns seconds per epoch and the last epoch's mean loss."""
    seconds = []
    loss_sum = 0.0
    for order, lr in zip(orders, rates):
        loss_sum = 0.0
        started = time.perf_counter()
        for start in range(0, len(order), batch):
            batch_indices = order[start:start + batch]
            loss_sum += train_step(params, x[batch_indices], y[batch_indices], lr)
        seconds.append(time.perf_counter() - started)
    return seconds, loss_sum / orders.shape[1]


def accuracy(params, x, y, batch):
    """Fraction of images whose most probable class is the label, in batches of `batch`."""
    correct = 0
    for start in range(0, len(y), batch):
        probs = predict(params, x[start:start + batch])
        correct += int(np.sum(probs.argmax(axis=1) == y[start:start + batch]))
    return correct / len(y)


# ---------------------------------------------------------------------------------------------
# Command line


# Exported names of openblas_get_corename / openblas_get_config, by build: plain OpenBLAS, and the
# scipy-openblas builds numpy's wheels load (prefixed, and suffixed 64_ for 64-bit integers).
_OPENBLAS_SYMBOLS = [
    ("openblas_get_corename", "openblas_get_config"),
    ("openblas_get_corename64_", "openblas_get_config64_"),
    ("scipy_openblas_get_corename", "scipy_openblas_get_config"),
    ("scipy_openblas_get_corename64_", "scipy_openblas_get_config64_"),
]


def _openblas_core():
    """The core and build config of the OpenBLAS this process loaded, or Nones when there is none.

    numpy loads OpenBLAS when it is imported; /proc/self/maps names the shared library, and its
    openblas_get_corename() says which kernel set it picked for this CPU (or OPENBLAS_CORETYPE forced).
    """
    try:
        with open("/proc/self/maps", encoding="utf-8") as f:
            paths = sorted({line.split()[-1] for line in f if "openblas" in line.lower() and ".so" in line})
    except OSError:
        paths = []
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for corename, config in _OPENBLAS_SYMBOLS:
            if hasattr(lib, corename) and hasattr(lib, config):
                getattr(lib, corename).restype = ctypes.c_char_p
                getattr(lib, config).restype = ctypes.c_char_p
                return {
                    "blas_core": getattr(lib, corename)().decode(),
                    "blas_config": getattr(lib, config)().decode().strip(),
                    "blas_library": path,
                }
    return {"blas_core": None, "blas_config": None, "blas_library": None}


def _cpu():
    """The CPU's model name and its AVX flags (avx, avx2, avx512f, ...) from /proc/cpuinfo."""
    model, flags = "", []
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and not model:
                    model = value.strip()
                elif key.strip() == "flags" and not flags:
                    flags = sorted(flag for flag in value.split() if flag.startswith("avx"))
    except OSError:
        pass
    return model, flags


def _environment():
    blas = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    cpu, cpu_flags = _cpu()
    return {
        "numpy": np.__version__,
        "blas": f'{blas.get("name", "?")} {blas.get("version", "")}'.strip(),
        **_openblas_core(),
        # what this process saw: bench/run_bench.ts removes some of these from the numpy side
        "openblas_env": {name: value for name, value in sorted(os.environ.items()) if name.startswith("OPENBLAS_")},
        "cpu": cpu,
        "cpu_flags": cpu_flags,
    }


def _run_train(args):
    x, y = load_set(args.images, args.labels, args.limit)
    params = read_params(args.init, args.hidden)
    orders = read_orders(args.order, len(y), args.epochs)
    rates = read_rates(args.rates, args.epochs) if args.rates else [args.lr] * args.epochs
    seconds, last_loss = train(params, x, y, orders, args.batch, rates)
    result = {"seconds_per_epoch": seconds, "samples": len(y), "last_epoch_loss": last_loss, "accuracy": None}
    if args.test_images:
        x_test, y_test = load_set(args.test_images, args.test_labels)
        result["accuracy"] = accuracy(params, x_test, y_test, 1000)
    if args.save_weights:
        write_params(args.save_weights, params)
    return result


def _run_infer(args):
    x, y = load_set(args.test_images, args.test_labels)
    params = read_params(args.weights, args.hidden)
    result = {"accuracy": accuracy(params, x, y, args.batch), "samples": len(y)}  # also warms up

    def one_pass():
        for start in range(0, len(y), args.batch):
            predict(params, x[start:start + args.batch])

    one_pass()  # untimed, as bench/ours.ts does
    seconds = []
    for _ in range(args.passes):
        started = time.perf_counter()
        one_pass()
        seconds.append(time.perf_counter() - started)
    result["seconds_per_epoch"] = seconds
    return result


def _hidden_sizes(text):
    """Hidden layer sizes from "128" or "512,256"."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f'"{text}" is not a list of positive integers like 128 or 512,256')
    return sizes


def main(argv):
    parser = argparse.ArgumentParser(description="Train or run the reference numpy network (see the module docstring).")
    parser.add_argument("mode", choices=["train", "infer", "info"])
    parser.add_argument("--images", help="training images, raw IDX (train)")
    parser.add_argument("--labels", help="training labels, raw IDX (train)")
    parser.add_argument("--test-images", help="test images, raw IDX (infer; train: score after training)")
    parser.add_argument("--test-labels", help="test labels, raw IDX")
    parser.add_argument("--init", help="initial parameters, raw float32 (train)")
    parser.add_argument("--order", help="image order of every epoch, raw uint32 (train)")
    parser.add_argument("--weights", help="parameters to run, raw float32 (infer)")
    parser.add_argument("--save-weights", help="write the trained parameters here, raw float32 (train)")
    parser.add_argument("--rates", help="learning rate of each epoch, raw float64 (train; default: --lr)")
    parser.add_argument("--hidden", type=_hidden_sizes, default=[128], help="hidden layer sizes: 128, or 512,256")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--passes", type=int, default=5, help="timed passes over the test set (infer)")
    parser.add_argument("--limit", type=int, default=0, help="train on the first N images only; 0 for all")
    args = parser.parse_args(argv)
    needed = {
        "train": ("images", "labels", "init", "order"),
        "infer": ("test_images", "test_labels", "weights"),
        "info": (),
    }
    missing = [f"--{name.replace('_', '-')}" for name in needed[args.mode] if not getattr(args, name)]
    if args.test_images and not args.test_labels:
        missing.append("--test-labels")
    if missing:
        parser.error(f"{args.mode} needs {', '.join(missing)}")
    for name in ("batch", "epochs", "passes"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} is {getattr(args, name)}, expected a positive integer")
    try:
        runs = {"train": _run_train, "infer": _run_infer, "info": lambda _: {}}
        result = runs[args.mode](args)
    except BenchInputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    result.update(_environment())
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
