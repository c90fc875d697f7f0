#!/usr/bin/env python3
# export-check.py — checks a model exported by `diffctl export` against the daemon that made it:
# loads the weights (safetensors with the `safetensors` package's numpy backend, npz with numpy),
# reads the JSON sidecar, recomputes the network's forward pass in numpy (float64) for random
# inputs, and compares it with `diffctl forward` for the same inputs. Also checks that every
# weights file holds the same tensors with the sidecar's shapes, and that the noise levels the
# daemon reports (alphaBar, c_in, and the coefficients of the prediction) follow from the
# sidecar's schedule and preconditioning constants.
#
#   python3 scripts/export-check.py --model ring --weights ring.safetensors --weights ring.npz
#
# Prints the max |F_numpy − F_daemon| and exits 0 when it is within the float32 tolerance
# (--atol + --rtol·max|F|), 1 on any mismatch, 2 on bad arguments or a failed diffctl.
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np


def load_weights(path):
    if path.endswith(".safetensors"):
        from safetensors.numpy import load_file
        return {k: np.asarray(v) for k, v in load_file(path).items()}
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def activation(name):
    return {
        "silu": lambda z: z / (1 + np.exp(-z)),
        "relu": lambda z: np.maximum(z, 0),
        "gelu": lambda z: 0.5 * z * (1 + np.tanh(0.7978845608028654 * (z + 0.044715 * z ** 3))),
        "mish": lambda z: z * np.tanh(np.log1p(np.exp(z))),
    }[name]


def time_embedding(t, emb):
    # the daemon forms scale·t and then (scale·t)·f_i in float32, then takes sin and cos
    f = np.asarray(emb["frequencies"], dtype=np.float32)
    st = np.float32(emb["scale"]) * t.astype(np.float32)
    arg = (st[:, None] * f[None, :]).astype(np.float64)
    return np.concatenate([np.sin(arg), np.cos(arg)], axis=1)


def forward(w, side, x, t, labels=None, cond=None):
    """F = the network's raw output for inputs x (= c_in·x_t), model time t, class labels, cond."""
    a = side["architecture"]
    act = activation(a["activation"])
    W = {k: v.astype(np.float64) for k, v in w.items()}
    parts = {"x": x, "time_embedding": time_embedding(t, a["timeEmbedding"])}
    if a.get("classEmbedding"):
        parts["class_embedding"] = W[a["classEmbedding"]["tensor"]][labels]
    if a["condDim"] > 0:
        parts["cond"] = cond
    inp = np.concatenate([parts[p["part"]] for p in a["input"]], axis=1)
    h = act(inp @ W["layers.0.weight"].T + W["layers.0.bias"])
    for k in range(1, a["depth"]):
        h = h + act(h @ W[f"layers.{k}.weight"].T + W[f"layers.{k}.bias"])
    return h @ W["output.weight"].T + W["output.bias"]


def expected_level(side, t):
    """alphaBar, c_in and the prediction coefficients of model time t, from the sidecar alone."""
    p, obj = side["preconditioning"], side["objective"]
    sd, k = p["sigmaData"], p["inputStd"]
    ab = None
    if obj == "flow":
        a, s = 1 - t, t
    else:
        sch = side["schedule"]
        T = sch["timesteps"]
        i = min(max(int(math.floor(float(np.float32(t)) * T + 0.5)) - 1, 0), T - 1)
        ab = sch["alphaBars"][i]
        a, s = math.sqrt(ab), math.sqrt(1 - ab)
    V = a * a * sd * sd + s * s
    cin = k / math.sqrt(V)
    if obj == "eps":
        aa = max(a, 1e-12)
        px, pf, ox, of = 1 / aa, -s / aa, 0, 1
    elif obj in ("x0", "v"):
        px, pf = a * sd * sd / V, -s * sd / math.sqrt(V)
        ox, of = (px, pf) if obj == "x0" else (a * s * (1 - sd * sd) / V, sd / math.sqrt(V))
    else:  # flow
        kk = math.sqrt(1 + sd * sd)
        px, pf, ox, of = 1, -s * kk, 0, kk
    return {"alphaBar": ab, "cin": cin, "px": px, "pf": pf, "outX": ox, "outF": of}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("--model", required=True, help="the model's name in the daemon")
    ap.add_argument("--weights", action="append", required=True, help="an exported .safetensors or .npz (repeatable)")
    ap.add_argument("--sidecar", help="the sidecar JSON (default: the first weights file + .json)")
    ap.add_argument("--diffctl", default="diffctl", help="the diffctl to ask for the daemon's forward pass")
    ap.add_argument("--rows", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--atol", type=float, default=1e-4)
    ap.add_argument("--rtol", type=float, default=1e-4)
    args = ap.parse_args()

    side_path = args.sidecar or args.weights[0] + ".json"
    with open(side_path) as f:
        side = json.load(f)
    if side.get("format") != "diffusiond-export":
        print(f"{side_path}: not a diffusiond export sidecar", file=sys.stderr)
        return 1
    failures = []
    sets = {p: load_weights(p) for p in args.weights}
    first = args.weights[0]
    w = sets[first]
    shapes = {t["name"]: t["shape"] for t in side["tensors"]}
    for path, ws in sets.items():
        got = {k: list(v.shape) for k, v in ws.items()}
        if got != shapes:
            failures.append(f"{path}: tensors {got} differ from the sidecar's {shapes}")
        for k, v in ws.items():
            if v.dtype != np.float32:
                failures.append(f"{path}: {k} is {v.dtype}, not float32")
            if k in w and not np.array_equal(v, w[k]):
                failures.append(f"{path}: {k} differs from {first}")
    if side["weights"]["parameterCount"] != sum(v.size for v in w.values()):
        failures.append("parameter count differs from the sidecar")

    # random inputs in the network's own space: x at the scale c_in·x_t has (inputStd), t in (0, 1]
    a = side["architecture"]
    rng = np.random.default_rng(args.seed)
    scale = (side.get("preconditioning") or {}).get("inputStd", 1.0)
    n, d = args.rows, a["dataDim"]
    x = (rng.standard_normal((n, d)) * scale).astype(np.float32)
    t = rng.uniform(0.001, 1.0, n).astype(np.float32)
    t[0], t[-1] = np.float32(1.0), np.float32(0.001)
    cols = [x, t[:, None]]
    labels = cond = None
    if a.get("classEmbedding"):
        labels = rng.integers(0, a["classEmbedding"]["numClasses"] + 1, n)   # the null class included
        cols.append(labels[:, None].astype(np.float32))
    if a["condDim"] > 0:
        cond = rng.standard_normal((n, a["condDim"])).astype(np.float32)
        cols.append(cond)
    rows = np.concatenate(cols, axis=1)
    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, "in.csv")
        with open(inp, "w") as f:
            for r in rows:
                f.write(",".join(repr(float(v)) for v in r) + "\n")
        run = subprocess.run([args.diffctl, "forward", args.model, "--input", inp, "--json"], capture_output=True, text=True)
    if run.returncode != 0:
        print(f"diffctl forward failed ({run.returncode}): {run.stderr.strip()}", file=sys.stderr)
        return 2
    reply = json.loads(run.stdout)
    got = np.asarray(reply["output"], dtype=np.float64)
    ref = forward(w, side, x.astype(np.float64), t, labels, None if cond is None else cond.astype(np.float64))
    if got.shape != ref.shape:
        print(f"daemon returned shape {got.shape}, numpy {ref.shape}", file=sys.stderr)
        return 1
    diff = float(np.max(np.abs(got - ref)))
    tol = args.atol + args.rtol * float(np.max(np.abs(ref)))
    print(f"rows: {n}  max |F|: {float(np.max(np.abs(ref))):.4g}  max abs diff: {diff:.3e}  tolerance: {tol:.3e}")
    if not diff <= tol:
        failures.append(f"forward pass differs: max abs diff {diff:.3e} > {tol:.3e}")

    if side.get("preconditioning") and reply.get("levels"):
        worst = 0.0
        for i, lv in enumerate(reply["levels"]):
            e = expected_level(side, float(t[i]))
            for key in ("cin", "px", "pf", "outX", "outF"):
                worst = max(worst, abs(lv[key] - e[key]) / max(1.0, abs(e[key])))
            if e["alphaBar"] is not None and lv.get("alphaBar") != e["alphaBar"]:
                failures.append(f"row {i}: alphaBar {lv.get('alphaBar')} != sidecar's {e['alphaBar']}")
        print(f"levels: max rel diff of c_in and prediction coefficients: {worst:.3e}")
        if worst > 1e-9:
            failures.append(f"noise-level coefficients differ from the sidecar's constants ({worst:.3e})")
    elif side.get("preconditioning"):
        failures.append("the daemon reported no noise levels for a preconditioned model")

    for f in failures:
        print("MISMATCH: " + f, file=sys.stderr)
    print("export check: " + ("FAILED" if failures else "ok"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
