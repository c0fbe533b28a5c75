#!/usr/bin/env python3
"""Latent ODE on spirals, ours vs PyTorch over many seeds (issue 15's "within 10%" check):
runs `vaelab ode data/train` and bench/pytorch_latent_ode.py per seed, prints a table with means,
medians and bootstrap 95% intervals of the ratio ours / PyTorch. Standard library only (plus torch
in the interpreter given by --python for the reference).

  python3 bench/ode-seeds.py --seeds 1-30 --python /work/torchenv/bin/python [--jobs 2]
(VAELAB=path overrides target/release/vaelab.)
"""
import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VAELAB = os.environ.get("VAELAB", os.path.join(ROOT, "target", "release", "vaelab"))
OURS = re.compile(r"recon_mse=([0-9.e-]+) extrap_mse=([0-9.e-]+) neg_elbo=([0-9.e-]+).* wall=([0-9.]+)s")
THEIRS = re.compile(r"test_recon_mse=([0-9.e-]+) test_extrap_mse=([0-9.e-]+) test_-ELBO=([0-9.e-]+).* wall_s=([0-9.]+)")


def seeds_of(text):
    a, _, b = text.partition("-")
    return list(range(int(a), int(b or a) + 1))


def last_match(pattern, out, what):
    found = pattern.findall(out)
    if not found:
        sys.exit(f"{what}: no final line in its output:\n{out[-2000:]}")
    return [float(v) for v in found[-1]]


def run(cmd, env=None):
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return done.stdout


def one_seed(seed, args, tmp):
    data = os.path.join(tmp, f"spirals-{seed}.json")
    run([VAELAB, "ode", "data", "--seed", str(seed), "--out", data])
    ours = last_match(OURS, run([VAELAB, "ode", "train", "--seed", str(seed)]), f"vaelab seed {seed}")
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    theirs = last_match(
        THEIRS,
        run([args.python, os.path.join(ROOT, "bench", "pytorch_latent_ode.py"), "--data", data, "--seed", str(seed),
             "--threads", "1", "--json", os.path.join(tmp, f"torch-{seed}.json")], env),
        f"pytorch seed {seed}",
    )
    print(f"seed {seed}: ours recon {ours[0]:.4f} extrap {ours[1]:.4f} ({ours[3]:.0f} s) · "
          f"PyTorch recon {theirs[0]:.4f} extrap {theirs[1]:.4f} ({theirs[3]:.0f} s)", flush=True)
    return seed, ours, theirs


def ratio_interval(ours, theirs, stat, rounds=10000, rng=random.Random(0)):
    """Bootstrap 95% interval of stat(ours) / stat(theirs), seeds resampled independently per side."""
    n = len(ours)
    ratios = sorted(
        stat([ours[rng.randrange(n)] for _ in range(n)]) / stat([theirs[rng.randrange(n)] for _ in range(n)])
        for _ in range(rounds)
    )
    return ratios[int(0.025 * rounds)], ratios[int(0.975 * rounds)]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", default="1-30", help="A-B, inclusive")
    p.add_argument("--python", default=sys.executable, help="an interpreter with torch")
    p.add_argument("--jobs", type=int, default=1, help="seeds run at once (each side single-threaded)")
    args = p.parse_args()
    if not os.path.exists(VAELAB):
        sys.exit(f"no {VAELAB}: run `cargo build --release` first")
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(args.jobs) as pool:
        rows = sorted(pool.map(lambda s: one_seed(s, args, tmp), seeds_of(args.seeds)))
    print("\n| seed | ours recon | PyTorch recon | ours extrap | PyTorch extrap | ours −ELBO | PyTorch −ELBO |")
    print("|---|---|---|---|---|---|---|")
    for seed, o, t in rows:
        print(f"| {seed} | {o[0]:.4f} | {t[0]:.4f} | {o[1]:.4f} | {t[1]:.4f} | {o[2]:.1f} | {t[2]:.1f} |")
    for name, stat in (("mean", statistics.fmean), ("median", statistics.median)):
        cells = []
        for col in (0, 1, 2):
            cells += [f"**{stat([o[col] for _, o, _ in rows]):.4g}**", f"**{stat([t[col] for _, _, t in rows]):.4g}**"]
        print(f"| **{name}** | {cells[0]} | {cells[1]} | {cells[2]} | {cells[3]} | {cells[4]} | {cells[5]} |")
    print(f"\nratio ours / PyTorch over {len(rows)} seeds (bootstrap 95% interval, 10,000 resamples):")
    for name, stat in (("mean", statistics.fmean), ("median", statistics.median)):
        for col, what in ((0, "recon MSE"), (1, "extrap MSE")):
            o = [r[1][col] for r in rows]
            t = [r[2][col] for r in rows]
            lo, hi = ratio_interval(o, t, stat)
            print(f"  {name} {what}: {stat(o) / stat(t):.3f}  [{lo:.3f}, {hi:.3f}]")


if __name__ == "__main__":
    main()
