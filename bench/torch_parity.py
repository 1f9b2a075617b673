#!/usr/bin/env python3
"""Checks simdrop's float32 scale against PyTorch's (needs torch; not part of
the test suite). PyTorch's dropout scales kept values by noise.div_(1-p) on a
float32 tensor; simdrop uses float32(1)/float32(1-p). This confirms they agree
for random p, counts how often float32(1/(1-p)) would not, and checks that
F.dropout2d's kept channels are exactly x*s. The p values pinned in
dropout/api_test.go (TestScaleIsPyTorchs) come from this script's output."""
import random
import struct

import numpy as np
import torch


def f32bits(v):
    return struct.unpack("<I", struct.pack("<f", float(v)))[0]


random.seed(7)
n, naive_differs, shown = 20000, 0, []
for _ in range(n):
    p = random.random()
    torch_s = f32bits(torch.ones(4, dtype=torch.float32).div_(1 - p)[0].item())
    ours = f32bits(np.float32(1) / np.float32(1 - p))
    assert torch_s == ours, (p, hex(torch_s), hex(ours))
    if f32bits(np.float32(1 / (1 - p))) != torch_s:
        naive_differs += 1
        if len(shown) < 6:
            shown.append((p, torch_s))
print(f"PyTorch {torch.__version__}: scale == float32(1)/float32(1-p) for all {n} p;"
      f" float32(1/(1-p)) differs for {naive_differs}")
for p, b in shown:
    print(f"  {{{p!r}, {b:#010x}}},")

torch.manual_seed(0)
x = torch.randn(2, 16, 5, 5)
for p in (0.1, 0.3, 0.7):
    y = torch.nn.functional.dropout2d(x, p, training=True)
    s = np.float32(1) / np.float32(1 - p)
    kept = y.abs().sum(dim=(2, 3)) != 0
    print(f"p={p}: dropout2d kept channels == x*s bit for bit: {torch.equal(y[kept], (x * torch.tensor(s))[kept])}")

# Alpha dropout: kept x -> x*float32(a) + float32(alpha*a*p) (two roundings),
# dropped -> -float32(alpha*a) + float32(alpha*a*p). The values pinned in
# dropout/api_test.go (TestAlphaIsPyTorchs) come from here.
alpha = 1.7580993408473766
xs = [1.0, -2.5, 1e-3, 3.0]
for p in (0.1, 0.5, 0.9):
    x = torch.tensor(xs * 2000, dtype=torch.float32)
    y = torch.nn.functional.alpha_dropout(x, p, True).numpy()
    a = 1 / (((alpha * alpha * p + 1) * (1 - p)) ** 0.5)
    A, B = np.float32(a), np.float32(alpha * a * p)
    C = -np.float32(alpha * a) + B
    dropped = y == C
    kept_ok = np.array_equal((x.numpy() * A + B)[~dropped], y[~dropped])
    kept = {v: f"{f32bits(np.float32(v) * A + B):#010x}" for v in xs}
    print(f"alpha_dropout p={p}: dropped {dropped.mean():.3f} (value {f32bits(C):#010x}), kept == x*a+b bit for bit: {kept_ok}, kept {kept}")

# Masks taken from PyTorch: its elementwise dropout (native_dropout returns
# the mask) and its channel dropout (dropout2d's noise, (N, C, 1, 1), drawn
# and applied as PyTorch's _dropout_impl does: x * noise.div_(1 - p)),
# applied by simdrop (bench/maskapply: MaskFromBytes, then Backward): the
# kept values must equal torch's bit for bit, and the dropped ones are 0
# (torch: x * 0, -0 for a negative x; simdrop +0, a documented difference).
import os
import subprocess

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
subprocess.run(["go", "build", "-o", "/tmp/simdrop-maskapply", "./bench/maskapply"], cwd=root, check=True)


def simdrop_apply(shape, noise, p, keep, x):
    head = struct.pack(f"<I{2 * len(shape)}Id", len(shape), *shape, *noise, p)
    out = subprocess.run(["/tmp/simdrop-maskapply"], input=head + keep.astype(np.uint8).tobytes() + x.astype("<f4").tobytes(),
                         capture_output=True, check=True).stdout
    return np.frombuffer(out, dtype="<f4").reshape(shape)


torch.manual_seed(1)
for p in (0.1, 0.25, 0.5, 0.8):
    x = torch.randn(4, 8, 6, 5)
    y, mask = torch.native_dropout(x, p, True)
    ours = simdrop_apply(list(x.shape), list(x.shape), p, mask.numpy().reshape(-1), x.numpy())
    k = mask.numpy()
    kept_same = np.array_equal(ours[k].view(np.uint32), y.numpy()[k].view(np.uint32))
    negz = int(np.sum(np.signbit(y.numpy()[~k])))
    print(f"native_dropout p={p}: kept bit for bit {kept_same}, dropped all zero {bool(np.all(ours[~k] == 0))} "
          f"(torch has {negz} -0 of {int((~k).sum())})")

    noise = torch.empty(4, 8, 1, 1).bernoulli_(1 - p)
    ty = x * noise.div(1 - p)
    keep = noise.numpy().reshape(-1) != 0
    ours = simdrop_apply(list(x.shape), [4, 8, 1, 1], p, keep, x.numpy())
    kc = np.broadcast_to(noise.numpy() != 0, x.shape)
    same = np.array_equal(ours[kc].view(np.uint32), ty.numpy()[kc].view(np.uint32))
    print(f"dropout2d noise p={p}: kept bit for bit {same}, dropped all zero {bool(np.all(ours[~kc] == 0))}")

# Half precision. simdrop computes a kept bfloat16 as round(float32(x) *
# float32 scale), one rounding (PyTorch's CUDA dropout); PyTorch's CPU
# F.dropout builds noise in bf16, so its scale is 1/(1-p) rounded to bf16
# first: equal where that scale is exact in bf16 (p = 0.5, 0.75), the
# documented difference elsewhere. The mask is taken from torch's output and
# applied by simdrop (maskapply -type bf16).
def simdrop_apply16(shape, noise, p, keep, xbits, typ):
    head = struct.pack(f"<I{2 * len(shape)}Id", len(shape), *shape, *noise, p)
    out = subprocess.run(["/tmp/simdrop-maskapply", "-type", typ], input=head + keep.astype(np.uint8).tobytes() + xbits.astype("<u2").tobytes(),
                         capture_output=True, check=True).stdout
    return np.frombuffer(out, dtype="<u2").reshape(shape)


def bits16(t):
    return t.contiguous().view(torch.int16).numpy().view(np.uint16)


torch.manual_seed(2)
for p in (0.5, 0.75, 0.1, 0.3):
    x = torch.randn(4, 8, 6, 5).to(torch.bfloat16)
    x[x == 0] = 1  # a kept zero would read as dropped
    y = torch.nn.functional.dropout(x, p, True)
    k = (y != 0).numpy()
    ours = simdrop_apply16(list(x.shape), list(x.shape), p, k.reshape(-1), bits16(x), "bf16")
    tb = bits16(y)
    one_rounding = bits16((x.float() * float(np.float32(1) / np.float32(1 - p))).to(torch.bfloat16))
    bf16_scale = bits16((x.float() * torch.tensor(1 / (1 - p)).to(torch.bfloat16).float()).to(torch.bfloat16))
    same = int(np.sum(ours[k] == tb[k]))
    print(f"bf16 dropout p={p}: scale exact in bf16: {float(torch.tensor(1 / (1 - p)).to(torch.bfloat16)) == float(np.float32(1) / np.float32(1 - p))}; "
          f"kept equal to torch's {same} of {int(k.sum())}; simdrop == round(x*s32) {np.array_equal(ours[k], one_rounding[k])}; "
          f"torch == round(x*bf16(s)) {np.array_equal(tb[k], bf16_scale[k])}; dropped all +0 {bool(np.all(ours[~k] == 0))}")
