#!/usr/bin/env python3
"""Independent derivation of the golden masks in golden_test.go.

Philox4x32-10 written from the paper (Salmon et al., SC'11) and the stream
contract of DESIGN.md, in Python, sharing no code with the Go package: run it
and compare its output with the expectations pinned in golden_test.go.
"""

M = (0xD2511F53, 0xCD9E8D57)
W = (0x9E3779B9, 0xBB67AE85)
U32 = 0xFFFFFFFF


def philox(ctr, key, rounds=10):
    x = list(ctr)
    k = list(key)
    for r in range(rounds):
        p0 = M[0] * x[0]
        p1 = M[1] * x[2]
        x = [(p1 >> 32) ^ x[1] ^ k[0], p1 & U32, (p0 >> 32) ^ x[3] ^ k[1], p0 & U32]
        k = [(k[0] + W[0]) & U32, (k[1] + W[1]) & U32]
    return x


def uniforms(seed, offset, features):
    """u_i of features 0..features-1: DESIGN.md's bit planes, all 32 of them."""
    key = [seed & U32, seed >> 32]
    us = []
    for g in range((features + 63) // 64):
        planes = []
        for k in range(16):  # block offset + 16g + k gives planes 2k, 2k+1
            b = (offset + 16 * g + k) % 2**64
            w = philox([b & U32, b >> 32, 0, 0], key)
            planes += [w[0] | w[1] << 32, w[2] | w[3] << 32]
        for lane in range(64):
            u = 0
            for j in range(32):
                u |= (planes[j] >> lane & 1) << (31 - j)
            us.append(u)
    return us[:features]


def keep_mask(seed, offset, features, p):
    t = min(int(p * 2**32 + 0.5), 2**32 - 1)  # p*2^32 >= 0: round half up == half away
    us = uniforms(seed, offset, features)
    end = (offset + 16 * ((features + 63) // 64)) % 2**64
    return "".join("1" if u >= t else "0" for u in us), end


assert philox([0, 0, 0, 0], [0, 0]) == [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]

for seed, offset, feats, p in [
    (0, 0, 4, 0.5),
    (0, 0, 4, 0.7),
    (0, 0, 4, 0.75),
    (0x0123456789ABCDEF, 0xFFFFFFFE, 10, 0.3),
    (0xFEDCBA9876543210, 7, 64 + 5, 0.5),
    (42, 0, 33, 0.9),
    (0x9E3779B97F4A7C15, 2**64 - 20, 130, 0.4),
]:
    bits, end = keep_mask(seed, offset, feats, p)
    print(f"seed={seed:#x} offset={offset:#x} features={feats} p={p}: keep={bits} next offset={end:#x}")
