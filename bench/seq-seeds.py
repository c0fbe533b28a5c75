#!/usr/bin/env python3
"""The sequence models, ours vs PyTorch over many seeds (issue 15's quality lines): per seed, runs
`vaelab ode train` / `vaelab vrnn train` and bench/pytorch_latent_ode.py / bench/pytorch_vrnn.py, then
prints a table with means, medians and bootstrap 95% intervals: the ratio ours / PyTorch of the latent
ODE's MSEs ("within 10%") and the difference ours − PyTorch of the VRNN's test −ELBO ("within 1 nat").
Standard library only (plus torch in the interpreter given by --python, for the reference).

  python3 bench/seq-seeds.py --model ode --seeds 1-30 --python /work/torchenv/bin/python [--jobs 2] [--paired]
  python3 bench/seq-seeds.py --model vrnn --inference backward --seeds 1-5 --python ... [--epochs 1]
(VAELAB=path overrides target/release/vaelab.) `--rows-from LOG` skips the runs and reads the per-seed
lines of an earlier run's output (a run stopped early still leaves them).
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
VRNN_EPOCH = re.compile(r"epoch \d+ train_loss=[0-9.e-]+ test_neg_elbo=([0-9.e-]+) recon=([0-9.e-]+) kl=([0-9.e-]+).* seconds=([0-9.]+)")


def ode_runs(seed, args, tmp):
    """The latent ODE on the engine's spirals of this seed (the data file is shared by both sides)."""
    data = os.path.join(tmp, f"spirals-{seed}.json")
    run([VAELAB, "ode", "data", "--seed", str(seed), "--out", data])
    ours = [VAELAB, "ode", "train", "--seed", str(seed)]
    theirs = [args.python, os.path.join(ROOT, "bench", "pytorch_latent_ode.py"), "--data", data, "--seed", str(seed),
              "--threads", "1", "--json", os.path.join(tmp, f"torch-{seed}.json")]
    if args.paired:
        drawn = os.path.join(tmp, f"randomness-{seed}.json")
        ours, theirs = [*ours, "--randomness-out", drawn], [*theirs, "--randomness", drawn]
    return ours, theirs


def vrnn_runs(seed, args, _tmp):
    common = ["--seed", str(seed), "--epochs", str(args.epochs), "--inference", args.inference]
    draws = ["--draws", "engine"] if args.paired else []
    return ([VAELAB, "vrnn", "train", *common],
            [args.python, os.path.join(ROOT, "bench", "pytorch_vrnn.py"), *common, "--threads", "1", *draws])


# Per model: its runs, the final line of each side (the last match is the run's result; the last
# group is seconds), the figures' names, and how ours is compared with PyTorch's.
MODELS = {
    "ode": dict(
        runs=ode_runs,
        ours=re.compile(r"recon_mse=([0-9.e-]+) extrap_mse=([0-9.e-]+) neg_elbo=([0-9.e-]+).* wall=([0-9.]+)s"),
        theirs=re.compile(r"test_recon_mse=([0-9.e-]+) test_extrap_mse=([0-9.e-]+) test_-ELBO=([0-9.e-]+).* wall_s=([0-9.]+)"),
        columns=("recon MSE", "extrap MSE", "−ELBO"), digits=(4, 4, 1), compare="ratio", compared=(0, 1),
    ),
    "vrnn": dict(
        runs=vrnn_runs, ours=VRNN_EPOCH, theirs=VRNN_EPOCH,
        columns=("test −ELBO", "recon", "KL"), digits=(3, 3, 3), compare="difference", compared=(0,),
    ),
}


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


def one_seed(seed, args, model, tmp):
    ours_cmd, theirs_cmd = model["runs"](seed, args, tmp)
    ours = last_match(model["ours"], run(ours_cmd), f"vaelab seed {seed}")
    theirs = last_match(model["theirs"], run(theirs_cmd, dict(os.environ, OMP_WAIT_POLICY="PASSIVE")), f"pytorch seed {seed}")
    shown = lambda v: " ".join(f"{name} {x:.6g}" for name, x in zip(model["columns"], v))
    print(f"seed {seed}: ours {shown(ours)} ({ours[-1]:.0f} s) · PyTorch {shown(theirs)} ({theirs[-1]:.0f} s)", flush=True)
    if args.control:
        nudged = last_match(model["theirs"], run([*theirs_cmd, "--nudge", str(args.control)], dict(os.environ, OMP_WAIT_POLICY="PASSIVE")),
                            f"pytorch seed {seed} nudged")
        print(f"seed {seed} control: PyTorch nudged {shown(nudged)} ({nudged[-1]:.0f} s)", flush=True)
        NUDGED[seed] = nudged
    return seed, ours, theirs


SEED_LINE = re.compile(r"^seed (\d+): ours (.*) · PyTorch (.*)$")
NUMBER = re.compile(r"(?<![\w−])[0-9]+(?:\.[0-9]+)?(?:e-?[0-9]+)?")


def rows_from(log, model):
    """The per-seed lines of an earlier run's output: (seed, ours, theirs), each side's figures then seconds."""
    rows = []
    with open(log, encoding="utf8") as f:
        for line in f:
            m = SEED_LINE.match(line.strip())
            if m:
                sides = [[float(v) for v in NUMBER.findall(side)] for side in m.groups()[1:]]
                if any(len(v) != len(model["columns"]) + 1 for v in sides):
                    sys.exit(f"{log}: not a --model line: {line.strip()}")
                rows.append((int(m.group(1)), *sides))
            m = CONTROL_LINE.match(line.strip())
            if m:
                NUDGED[int(m.group(1))] = [float(v) for v in NUMBER.findall(m.group(2))]
    if not rows:
        sys.exit(f"{log}: no per-seed lines")
    return sorted(rows)


def interval(ours, theirs, stat, compare, paired, rounds=10000, rng=random.Random(0)):
    """Bootstrap 95% interval of stat(ours) / stat(theirs) (or −): seeds resampled independently per
    side, or (paired: both sides drew the same randomness) as pairs."""
    n = len(ours)
    combine = (lambda a, b: a / b) if compare == "ratio" else (lambda a, b: a - b)

    def resample():
        if paired:
            picks = [rng.randrange(n) for _ in range(n)]
            return [ours[i] for i in picks], [theirs[i] for i in picks]
        return [ours[rng.randrange(n)] for _ in range(n)], [theirs[rng.randrange(n)] for _ in range(n)]

    values = sorted(combine(*map(stat, resample())) for _ in range(rounds))
    return combine(stat(ours), stat(theirs)), values[int(0.025 * rounds)], values[int(0.975 * rounds)]


CONTROL_LINE = re.compile(r"^seed (\d+) control: PyTorch nudged (.*)$")
NUDGED = {}  # seed -> the control run's figures (--control, or its lines in --rows-from's log)


def show_control(model, rows):
    """PyTorch against itself nudged, per seed, next to ours against PyTorch, as ratios: the noise
    floor of a paired comparison (rounding-sized differences alone)."""
    nudged = NUDGED
    if not nudged:
        return
    names = model["columns"]
    print("\nthe control: PyTorch nudged / PyTorch (same draws, initial weights times 1 + REL), per seed, next to ours / PyTorch:")
    for seed, o, t in rows:
        if seed in nudged:
            n = nudged[seed]
            print(f"  seed {seed}: " + "; ".join(f"{names[c]} nudged {n[c] / t[c]:.4f} · ours {o[c] / t[c]:.4f}" for c in model["compared"]))
    for c in model["compared"]:
        both = [(nudged[s][c] / t[c], o[c] / t[c]) for s, o, t in rows if s in nudged]
        spread = lambda xs: statistics.fmean(abs(x - 1) for x in xs)
        print(f"  {names[c]}: mean |ratio − 1| nudged {spread([b[0] for b in both]):.4f}, ours {spread([b[1] for b in both]):.4f} "
              f"over {len(both)} seeds")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", choices=sorted(MODELS), default="ode")
    p.add_argument("--seeds", default="1-30", help="A-B, inclusive")
    p.add_argument("--python", default=sys.executable, help="an interpreter with torch")
    p.add_argument("--jobs", type=int, default=1, help="seeds run at once (each side single-threaded)")
    p.add_argument("--inference", choices=("forward", "backward"), default="forward", help="VRNN only")
    p.add_argument("--epochs", type=int, default=1, help="VRNN only (the latent ODE trains its default 100)")
    p.add_argument("--paired", action="store_true",
                   help="PyTorch replays the engine's draws for each seed (init, data order, eps; the VRNN's binarization)")
    p.add_argument("--control", type=float, default=0.0, metavar="REL",
                   help="latent ODE, paired: also run PyTorch with every initial weight times 1 + REL (e.g. 1e-12), "
                        "to show how far rounding-sized differences alone carry the same run")
    p.add_argument("--rows-from", metavar="LOG", help="no runs: the per-seed lines of an earlier run's output")
    args = p.parse_args()
    model = MODELS[args.model]
    if args.rows_from:
        rows = rows_from(args.rows_from, model)
    else:
        if not os.path.exists(VAELAB):
            sys.exit(f"no {VAELAB}: run `cargo build --release` first")
        with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(args.jobs) as pool:
            rows = sorted(pool.map(lambda s: one_seed(s, args, model, tmp), seeds_of(args.seeds)))
    names, digits = model["columns"], model["digits"]
    print("\n| seed | " + " | ".join(f"ours {n} | PyTorch {n}" for n in names) + " |")
    print("|---" * (1 + 2 * len(names)) + "|")
    for seed, o, t in rows:
        print(f"| {seed} | " + " | ".join(f"{o[c]:.{d}f} | {t[c]:.{d}f}" for c, d in enumerate(digits)) + " |")
    for name, stat in (("mean", statistics.fmean), ("median", statistics.median)):
        cells = [f"**{stat([r[side][c] for r in rows]):.{d}f}**" for c, d in enumerate(digits) for side in (1, 2)]
        print(f"| **{name}** | " + " | ".join(cells) + " |")
    what = "ratio ours / PyTorch" if model["compare"] == "ratio" else "difference ours − PyTorch"
    how = "paired: the same draws on both sides, seeds resampled as pairs" if args.paired else "independent draws"
    print(f"\n{what} over {len(rows)} seeds ({how}; bootstrap 95% interval, 10,000 resamples):")
    for name, stat in (("mean", statistics.fmean), ("median", statistics.median)):
        for c in model["compared"]:
            v, lo, hi = interval([r[1][c] for r in rows], [r[2][c] for r in rows], stat, model["compare"], args.paired)
            print(f"  {name} {names[c]}: {v:.4f}  [{lo:.4f}, {hi:.4f}]")
    show_control(model, rows)
    if args.paired:
        for c in model["compared"]:
            per_seed = [r[1][c] / r[2][c] if model["compare"] == "ratio" else r[1][c] - r[2][c] for r in rows]
            print(f"  per seed {names[c]}: from {min(per_seed):.4f} to {max(per_seed):.4f}")


if __name__ == "__main__":
    main()
