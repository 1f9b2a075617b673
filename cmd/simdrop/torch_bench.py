# Times torch.nn.functional.dropout2d (or dropout) for the simdrop bench
# report. Reads "op N C H W p reps" lines on stdin and answers each with the mean nanoseconds
# per call over reps calls (one warm-up call first). argv[1] is the thread
# count. Run by `simdrop bench`; not needed by any test.
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(int(sys.argv[1]))
print("torch", torch.__version__, flush=True)
cache = {}
for line in sys.stdin:
    op, n, c, h, w, p, reps = line.split()
    f = F.dropout2d if op == "dropout2d" else F.dropout
    shape = (int(n), int(c), int(h), int(w))
    x = cache.get(shape)
    if x is None:
        cache.clear()
        x = cache[shape] = torch.randn(shape)
    p, reps = float(p), int(reps)
    f(x, p, training=True)
    t0 = time.perf_counter_ns()
    for _ in range(reps):
        f(x, p, training=True)
    print((time.perf_counter_ns() - t0) / reps, flush=True)
