"""PyTorch's side of `npm run bench`: one case per call, result as one JSON line on stdout.

The thread counts are set by the caller through the environment before torch is imported
(OPENBLAS_NUM_THREADS for Debian's BLAS, OMP_NUM_THREADS for torch's own kernels).
"""
import gzip
import json
import os
import resource
import sys
import time
from statistics import median

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
case = sys.argv[1]
cfg = json.loads(sys.argv[2])
torch.manual_seed(0)
torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))


def time_it(fn, min_reps=3, max_reps=10, budget=8.0):
    fn()
    times = []
    start = time.perf_counter()
    while len(times) < max_reps and (len(times) < min_reps or time.perf_counter() - start < budget):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return median(times) * 1000


def rss_mib():
    # current resident set (ru_maxrss is the peak, which cannot show memory coming back)
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def mnist(flat):
    with gzip.open(os.path.join(ROOT, "data/mnist/images.u8.gz")) as f:
        raw = f.read()
    n = cfg["train"]["samples"]
    x = torch.frombuffer(bytearray(raw[: n * 784]), dtype=torch.uint8).float().div_(255)
    with gzip.open(os.path.join(ROOT, "data/mnist/labels.u8.gz")) as f:
        y = torch.frombuffer(bytearray(f.read()[:n]), dtype=torch.uint8).long()
    return (x.view(n, 784) if flat else x.view(n, 1, 28, 28)), y


def epoch(model, flat, opt=None):
    x, y = mnist(flat)
    opt = opt or torch.optim.Adam(model.parameters(), lr=cfg["train"]["lr"])
    bs = cfg["train"]["batch"]
    loss_fn = torch.nn.CrossEntropyLoss()

    def step(start):
        opt.zero_grad()
        loss = loss_fn(model(x[start : start + bs]), y[start : start + bs])
        loss.backward()
        opt.step()

    step(0)
    t0 = time.perf_counter()
    for start in range(0, len(x), bs):
        step(start)
    return time.perf_counter() - t0


def run():
    flops = cfg.get("flops")
    if case.startswith("sgemm-"):
        n = int(case.split("-")[1])
        a, b = torch.randn(n, n), torch.randn(n, n)
        return flops / (time_it(lambda: a @ b, budget=6.0) * 1e6)
    c = cfg["conv"]
    if case == "conv-fwd":
        x = torch.randn(c["n"], c["cin"], c["h"], c["w"])
        w = torch.randn(c["cout"], c["cin"], c["k"], c["k"])
        with torch.no_grad():
            return flops / (time_it(lambda: torch.nn.functional.conv2d(x, w, padding=1)) * 1e6)
    if case == "conv-fwdbwd":
        x = torch.randn(c["n"], c["cin"], c["h"], c["w"], requires_grad=True)
        w = torch.randn(c["cout"], c["cin"], c["k"], c["k"], requires_grad=True)

        def fb():
            x.grad = None
            w.grad = None
            torch.nn.functional.conv2d(x, w, padding=1).sum().backward()

        return flops / (time_it(fb) * 1e6)
    if case == "mlp-epoch":
        m = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
        return epoch(m, True)
    if case in ("cnn-epoch", "cnn-rss", "cnn-rss-growth"):
        m = torch.nn.Sequential(
            torch.nn.Conv2d(1, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(32, 64, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Flatten(), torch.nn.Linear(64 * 7 * 7, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10),
        )
        if case == "cnn-rss-growth":
            opt = torch.optim.Adam(m.parameters(), lr=cfg["train"]["lr"])
            trace = []
            for _ in range(cfg["growthEpochs"]):
                epoch(m, False, opt)
                trace.append(rss_mib())
            shown = ", ".join(f"{trace[e - 1]:.0f}" for e in (1, 2, 5, 10, 15, 20) if e <= len(trace))
            return trace[-1] - trace[cfg["growthFrom"] - 1], f"RSS after epochs 1, 2, 5, 10, 15, 20: {shown} MiB"

        t = epoch(m, False)
        return t if case == "cnn-epoch" else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if case == "lstm":
        l = cfg["lstm"]
        lstm = torch.nn.LSTM(l["input"], l["hidden"])
        x = torch.randn(l["steps"], l["batch"], l["input"])

        def fb():
            lstm.zero_grad()
            lstm(x)[0].sum().backward()

        return time_it(fb)
    raise SystemExit(f"unknown case {case}")


result = run()
value, note = result if isinstance(result, tuple) else (result, None)
print(json.dumps({"value": value, **({"note": note} if note else {})}))
