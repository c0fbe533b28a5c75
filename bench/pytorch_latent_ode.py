# Reference for the latent ODE on 2-D spirals (issue 15, /work/notes/spec-latent-ode.md; Rubanova,
# Chen & Duvenaud 2019 in its simplest form): a GRU encoder run backwards over the observed points,
# q(z0), an autonomous tanh vector field integrated by fixed-step RK4, a relu decoder.
# Information only (never a test dependency). Run from the repo root with a Python that has torch:
#   vaelab ode data --seed 1 --out /tmp/spirals-seed1.json
#   python bench/pytorch_latent_ode.py --data /tmp/spirals-seed1.json --seed 1 [--epochs 100] [--substeps 1]
# Prints one line per 10 epochs (epoch, train loss, test recon MSE, test extrap MSE, seconds) and a
# final summary; writes every figure to --json. float64 throughout, like the engine.
#
# Model, exactly the spec's: nn.GRUCell(3 -> 25) over inputs (x, y, t - t_start), Linear(25 -> 2*4)
# to (mu, logvar) of q(z0), f(z) = Linear(20 -> 4)(tanh(Linear(4 -> 20)(z))), decoder
# Linear(20 -> 2)(relu(Linear(4 -> 20)(z))); all PyTorch default inits (= the spec's). Classic RK4
# written out by hand (no torchdiffeq), S substeps per grid interval; autograd backpropagates through
# the stages, the GRU and the reparameterization.
# Loss per trajectory = sum over observed points and both coordinates of (x - x_hat)^2 / (2 * 0.1^2)
# + KL(q(z0) || N(0, I)); the constant log(2 pi sigma^2) terms are dropped. Batch loss = the mean.
#
# Masks. Each trajectory has its own observed points, so the encoder runs the GRU over EVERY grid point
# of the window, last first, and keeps the new state only where the point is observed:
# h = m * h_new + (1 - m) * h. For m = 0 that is the old h exactly, so each row sees precisely the
# spec's recursion over its own observed points (and gets the same gradients).
#
# Seeds. One run seed S (--seed): torch.manual_seed(S) on the CPU drives, in that order of use, the
# weights, the per-epoch data order (torch.randperm) and the training eps. The evaluation's eps (test
# -ELBO only) come from a torch.Generator seeded with S * 1_000_003 + 5. The engine draws its init and
# eps from Threefry streams instead, so runs agree in distribution, not bit for bit. The data (and
# its noise and masks) come from the file, i.e. from the engine's own generator. With --randomness FILE
# (written by `vaelab ode train --randomness-out FILE`) this script replays the engine's draws instead:
# its initial parameters, every step's batch and eps, the evaluation's eps. Both programs then compute
# the same f64 run up to rounding: a paired comparison, free of the tenfold seed-to-seed spread.
import argparse
import json
import os
import platform
import tempfile
import time

# Idle OpenMP workers sleep instead of spinning. This model's ops are tiny and come in thousands per
# step; with spinning workers and a busy machine (more runnable threads than cores) --threads 2 ran
# 10-20x slower than --threads 1. Set before torch loads its OpenMP runtime; the environment wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402
from torch import nn

HIDDEN, LATENT, FIELD, DECODER, INPUTS = 25, 4, 20, 20, 3
SIGMA = 0.1  # fixed observation noise of the likelihood (the spec's sigma, not the data's 0.05)


# --- data -------------------------------------------------------------------------------------------

def load_data(path):
    """The export of `vaelab ode data`: grid [G], and per set clean/noisy [N, G, 2], mask [N, G]."""
    with open(path) as f:
        raw = json.load(f)
    grid = torch.tensor(raw["grid"])
    t_obs = float(raw["t_obs"])
    window = grid <= t_obs + 1e-9  # the training window t <= 5 (g = 0..50)
    sets = {}
    for name in ("train", "test"):
        s = raw[name]
        clean, noisy = torch.tensor(s["clean"]), torch.tensor(s["noisy"])
        mask = torch.tensor(s["mask"], dtype=torch.get_default_dtype())
        n, g = mask.shape
        assert clean.shape == noisy.shape == (n, len(grid), 2) and g == len(grid), f"{path}: {name} has the wrong shapes"
        # The encoder never sees a point with t > t_obs, whatever the file says about them.
        mask = mask * window.to(mask.dtype)
        assert (mask.sum(1) >= 1).all(), f"{path}: a {name} trajectory has no observed point in the window"
        sets[name] = {"clean": clean, "noisy": noisy, "mask": mask}
    return grid, t_obs, window, sets


# --- model ------------------------------------------------------------------------------------------

class LatentODE(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRUCell(INPUTS, HIDDEN)
        self.head = nn.Linear(HIDDEN, 2 * LATENT)
        self.field = nn.Sequential(nn.Linear(LATENT, FIELD), nn.Tanh(), nn.Linear(FIELD, LATENT))
        self.dec = nn.Sequential(nn.Linear(LATENT, DECODER), nn.ReLU(), nn.Linear(DECODER, 2))

    def encode(self, noisy, mask, grid, start, end):
        """(mu, logvar) of q(z0) from the observed points of grid indices start..end (inclusive),
        the GRU running backwards from the last one; inputs (x, y, t - t_start). noisy [B, G, 2]."""
        b = len(noisy)
        h = noisy.new_zeros(b, HIDDEN)
        dt = (grid[start : end + 1] - grid[start]).expand(b, -1)[:, :, None]
        inputs = torch.cat([noisy[:, start : end + 1], dt], 2)  # [B, n, 3]
        for g in range(end, start - 1, -1):
            m = mask[:, g : g + 1]
            h = m * self.gru(inputs[:, g - start], h) + (1 - m) * h
        mu, logvar = self.head(h).chunk(2, dim=1)
        return mu, logvar

    def solve(self, z0, grid, start, end, substeps):
        """z at grid points start..end: classic RK4 from grid[start], `substeps` steps per interval. [B, n, L]."""
        zs, z = [z0], z0
        for g in range(start, end):
            h = (grid[g + 1] - grid[g]) / substeps
            for _ in range(substeps):
                k1 = self.field(z)
                k2 = self.field(z + 0.5 * h * k1)
                k3 = self.field(z + 0.5 * h * k2)
                k4 = self.field(z + h * k3)
                z = z + (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4)
            zs.append(z)
        return torch.stack(zs, 1)


def kl_std_normal(mu, logvar):
    """KL(N(mu, exp(logvar)) || N(0, I)) per row (Kingma & Welling 2014, App. B)."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(1)


def neg_elbo(model, batch, grid, w_end, substeps, eps):
    """Per-trajectory negative ELBO (one sample, constants dropped) over the window g = 0..w_end: [B]."""
    mu, logvar = model.encode(batch["noisy"], batch["mask"], grid, 0, w_end)
    z0 = mu + torch.exp(0.5 * logvar) * eps
    x_hat = model.dec(model.solve(z0, grid, 0, w_end, substeps))  # [B, w_end + 1, 2]
    m = batch["mask"][:, : w_end + 1, None]
    recon = (m * (batch["noisy"][:, : w_end + 1] - x_hat).pow(2)).sum((1, 2)) / (2 * SIGMA**2)
    return recon + kl_std_normal(mu, logvar)


@torch.no_grad()
def evaluate(model, test, grid, window, substeps, eps):
    """Test recon MSE (observed t <= t_obs), extrap MSE (every t_obs < t <= 10), both against the clean
    points and decoded from z0 = mu; and the test -ELBO with the given eps [N, L]."""
    w_end = int(window.nonzero().max())
    last = len(grid) - 1
    mu, _ = model.encode(test["noisy"], test["mask"], grid, 0, w_end)
    sq = (model.dec(model.solve(mu, grid, 0, last, substeps)) - test["clean"]).pow(2)  # [N, G, 2]
    m = test["mask"][:, :, None].expand_as(sq)
    recon_mse = float((sq * m).sum() / m.sum())
    extrap_mse = float(sq[:, ~window].mean())
    nelbo = float(neg_elbo(model, test, grid, w_end, substeps, eps).mean())
    return recon_mse, extrap_mse, nelbo


def load_engine_params(model, path):
    """The engine's tensors by PyTorch name (its `decoder.*` is this model's `dec.*`), from a file."""
    with open(path) as f:
        set_engine_params(model, json.load(f), path)


def set_engine_params(model, raw, path):
    own = dict(model.named_parameters())
    assert len(raw) == len(own), f"{path}: {len(raw)} tensors, the model has {len(own)}"
    with torch.no_grad():
        for name, t in raw.items():
            target = own[name.replace("decoder.", "dec.")]
            target.copy_(torch.tensor(t["values"]).reshape(t["shape"]))


def eval_eps(args, replay, n):
    """The evaluation's eps: the engine's (replayed) or from a generator seeded S * 1_000_003 + 5."""
    if replay is not None:
        return replay.eval_eps
    return torch.randn(n, LATENT, generator=torch.Generator().manual_seed(args.seed * 1_000_003 + 5))


class Replay:
    """The engine's draws for one run (`vaelab ode train --randomness-out`): sets the model's initial
    parameters, then hands out step s's batch indices and eps."""

    def __init__(self, path, model, steps):
        with open(path) as f:
            raw = json.load(f)
        set_engine_params(model, raw["init"], path)
        self.batches, self.eps_rows = raw["batches"], raw["eps"]
        assert len(self.batches) >= steps, f"{path}: {len(self.batches)} steps recorded, this run takes {steps}"
        self.eval_eps = torch.tensor(raw["eval_eps"])

    def batch(self, step):
        return torch.tensor(self.batches[step])

    def eps(self, step):
        return torch.tensor(self.eps_rows[step])


def main():
    p = argparse.ArgumentParser(description="PyTorch reference for the latent ODE on spirals (issue 15)")
    p.add_argument("--data", required=True, help="the JSON written by `vaelab ode data --seed S --out FILE`")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--substeps", type=int, default=1, help="RK4 steps per grid interval (1..8)")
    p.add_argument("--batch", type=int, default=50)
    p.add_argument("--lr", type=float, default=0.003)
    p.add_argument("--clip", type=float, default=100.0, help="gradient norm clip (clip_grad_norm_), as the engine")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--log-every", type=int, default=10, help="epochs between progress lines")
    p.add_argument("--json", default=None, help="default: $TMPDIR/pytorch_latent_ode-seed<S>-s<substeps>.json")
    p.add_argument("--randomness", default=None, metavar="FILE",
                   help="replay the engine's draws (`vaelab ode train --randomness-out FILE`): its initial "
                        "parameters, every step's batch and eps, the evaluation's eps; torch's RNG is then unused")
    p.add_argument("--nudge", type=float, default=0.0, metavar="REL",
                   help="multiply every initial parameter by 1 + REL (e.g. 1e-12): how far rounding-sized "
                        "differences alone carry a run apart (a control for --randomness)")
    p.add_argument("--load-params", default=None, metavar="FILE",
                   help="start from the engine's parameters (`vaelab ode train --params-out FILE`); with --epochs 0 "
                        "this only evaluates them: the two implementations must then agree on the test MSEs")
    args = p.parse_args()
    if not 1 <= args.substeps <= 8:
        p.error("--substeps must be 1..8 (the spec's range)")

    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(args.threads)
    grid, t_obs, window, sets = load_data(args.data)
    train, test = sets["train"], sets["test"]
    w_end = int(window.nonzero().max())

    torch.manual_seed(args.seed)
    model = LatentODE()
    replay = Replay(args.randomness, model, args.epochs * -(-len(train["mask"]) // args.batch)) if args.randomness else None
    if args.load_params:
        load_engine_params(model, args.load_params)
    if args.nudge:
        with torch.no_grad():
            for t in model.parameters():
                t.mul_(1.0 + args.nudge)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8)
    n = len(train["mask"])
    print(f"pytorch_latent_ode: data={args.data} seed={args.seed} epochs={args.epochs} substeps={args.substeps} "
          f"batch={args.batch} lr={args.lr} clip={args.clip} threads={args.threads} train={n} test={len(test['mask'])} "
          f"t_obs={t_obs} torch={torch.__version__} OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']} float64; loss = -ELBO without log(2 pi sigma^2) terms, sigma={SIGMA}",
          flush=True)

    epochs, step = [], 0
    t_start = time.perf_counter()
    train_s = 0.0
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        loss_sum = 0.0
        order = torch.randperm(n) if replay is None else None
        for s in range(0, n, args.batch):
            idx = order[s : s + args.batch] if replay is None else replay.batch(step)
            batch = {k: v[idx] for k, v in train.items()}
            eps = torch.randn(len(idx), LATENT) if replay is None else replay.eps(step)
            loss = neg_elbo(model, batch, grid, w_end, args.substeps, eps).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            opt.step()
            step += 1
            loss_sum += loss.item() * len(idx)
        train_s += time.perf_counter() - t0
        row = {"epoch": epoch, "step": step, "train_loss": loss_sum / n, "train_seconds": train_s}
        if epoch % args.log_every == 0 or epoch == args.epochs:
            row["test_recon_mse"], row["test_extrap_mse"], row["test_neg_elbo"] = evaluate(
                model, test, grid, window, args.substeps, eval_eps(args, replay, len(test["mask"])))
            print(f"epoch {epoch} step {step} train_loss={row['train_loss']:.3f} "
                  f"test_recon_mse={row['test_recon_mse']:.5f} test_extrap_mse={row['test_extrap_mse']:.5f} "
                  f"seconds={train_s:.1f}", flush=True)
        epochs.append(row)

    t0 = time.perf_counter()
    recon_mse, extrap_mse, test_nelbo = evaluate(model, test, grid, window, args.substeps,
                                                 eval_eps(args, replay, len(test["mask"])))
    eval_s = time.perf_counter() - t0
    wall_s = time.perf_counter() - t_start
    print(f"final seed={args.seed} substeps={args.substeps} steps={step} test_recon_mse={recon_mse:.8f} "
          f"test_extrap_mse={extrap_mse:.8f} test_-ELBO={test_nelbo:.6f} (constants dropped) "
          f"train_s={train_s:.1f} eval_s={eval_s:.1f} wall_s={wall_s:.1f}", flush=True)

    out = args.json or os.path.join(tempfile.gettempdir(), f"pytorch_latent_ode-seed{args.seed}-s{args.substeps}.json")
    result = {
        "script": "bench/pytorch_latent_ode.py", "config": vars(args),
        "versions": {"torch": torch.__version__, "python": platform.python_version()},
        "epochs": epochs, "test_recon_mse": recon_mse, "test_extrap_mse": extrap_mse, "test_neg_elbo": test_nelbo,
        "train_seconds": train_s, "eval_seconds": eval_s, "wall_seconds": wall_s,
    }
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
