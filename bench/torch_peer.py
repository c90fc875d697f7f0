#!/usr/bin/env python3
"""torch_peer.py — the PyTorch peer of diffbench's reference workloads, on CUDA when present.

Same shapes as diffbench: matmul n³ fp32; the reference training step (ring8, d = 2, MLP
(2+128 sinusoidal time embedding) → 256, three residual blocks of 256, → 2, SiLU, ε-prediction,
batch 512, AdamW lr 1e-3, global-norm clip 1, EMA 0.999); DDIM-50 sampling of 10,000 points.
Prints one JSON object. Usage: torch_peer.py [--device cuda|cpu] [--quick]
"""
import json, math, sys, time
import torch

def median(xs):
    s = sorted(xs); n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])

def sync(dev):
    if dev.type == "cuda": torch.cuda.synchronize()

def timed(fn, dev, repeats):
    out = []
    for _ in range(repeats):
        sync(dev); t = time.perf_counter(); fn(); sync(dev); out.append(time.perf_counter() - t)
    return median(out)

class MLP(torch.nn.Module):
    def __init__(self, d=2, width=256, depth=4, temb=128):
        super().__init__()
        self.temb = temb
        self.inp = torch.nn.Linear(d + temb, width)
        self.blocks = torch.nn.ModuleList([torch.nn.Linear(width, width) for _ in range(depth - 1)])
        self.out = torch.nn.Linear(width, d)
    def forward(self, x, t):
        half = self.temb // 2
        freq = torch.exp(-math.log(10000.0) * torch.arange(half, device=x.device) / half)
        a = 1000.0 * t[:, None] * freq[None, :]
        h = torch.nn.functional.silu(self.inp(torch.cat([x, torch.sin(a), torch.cos(a)], 1)))
        for b in self.blocks: h = h + torch.nn.functional.silu(b(h))
        return self.out(h)

def ring8(n, gen, dev):
    k = torch.randint(0, 8, (n,), generator=gen)
    ang = k.float() * (2 * math.pi / 8)
    x = torch.stack([2 * torch.cos(ang), 2 * torch.sin(ang)], 1) + 0.05 * torch.randn(n, 2, generator=gen)
    return ((x - x.mean(0)) / x.std(0)).to(dev)

def main():
    args = sys.argv[1:]
    dev = torch.device(args[args.index("--device") + 1] if "--device" in args else ("cuda" if torch.cuda.is_available() else "cpu"))
    quick = "--quick" in args
    report = {"device": str(dev), "torch": torch.__version__,
              "device_name": torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu"}
    if dev.type == "cuda": torch.backends.cuda.matmul.allow_tf32 = False   # fp32, as diffbench
    mm = {}
    for n in ([256, 512] if quick else [256, 512, 1024, 2048, 4096] if dev.type == "cuda" else [256, 512, 1024]):
        a = torch.randn(n, n, device=dev); b = torch.randn(n, n, device=dev)
        s = timed(lambda: a @ b, dev, 3); s = timed(lambda: a @ b, dev, 7)
        mm[str(n)] = 2 * n ** 3 / s / 1e9
    report["matmul_gflops"] = mm
    gen = torch.Generator().manual_seed(0)
    data = ring8(20000, gen, dev)
    model = MLP().to(dev); ema = MLP().to(dev); ema.load_state_dict(model.state_dict())
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0)
    betas = torch.linspace(1e-4, 0.02, 1000, device=dev); abar = torch.cumprod(1 - betas, 0)
    def step():
        idx = torch.randint(0, data.shape[0], (512,), device=dev)
        x0 = data[idx]; t = torch.randint(0, 1000, (512,), device=dev); eps = torch.randn_like(x0)
        ab = abar[t][:, None]
        loss = ((model(ab.sqrt() * x0 + (1 - ab).sqrt() * eps, t.float() / 1000) - eps) ** 2).mean()
        opt.zero_grad(set_to_none=True); loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step()
        with torch.no_grad():
            for pe, p in zip(ema.parameters(), model.parameters()): pe.mul_(0.999).add_(p, alpha=0.001)
    steps = 20 if quick else 200
    for _ in range(20): step()
    report["train_steps_per_s"] = steps / timed(lambda: [step() for _ in range(steps)], dev, 1 if quick else 5)
    @torch.no_grad()
    def ddim(n=10000, k=50):
        x = torch.randn(n, 2, device=dev); ts = torch.linspace(999, 0, k, device=dev).long()
        for i, t in enumerate(ts):
            ab = abar[t]; abn = abar[ts[i + 1]] if i + 1 < k else torch.tensor(1.0, device=dev)
            e = ema(x, torch.full((n,), float(t) / 1000, device=dev))
            x0 = (x - (1 - ab).sqrt() * e) / ab.sqrt()
            x = abn.sqrt() * x0 + (1 - abn).sqrt() * e
        return x
    ddim(); report["ddim50_10k_s"] = timed(ddim, dev, 1 if quick else 3)
    print(json.dumps(report, indent=1, sort_keys=True))

if __name__ == "__main__":
    main()
