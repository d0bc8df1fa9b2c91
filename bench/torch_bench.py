"""PyTorch's side of `npm run bench`: one case per call, result as one JSON line on stdout.

The thread counts are set by the caller through the environment before torch is imported
(OPENBLAS_NUM_THREADS for Debian's BLAS, OMP_NUM_THREADS for torch's own kernels).
"""
import gzip
import importlib.util
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
nn = torch.nn


# calls shorter than this are timed in groups that last about as long, and calls shorter than WARMUP_S are first
# repeated for that long, unmeasured (as bench/cases.ts's timeIt: right after start-up a call measures cold caches
# and untouched memory more than the work)
GROUP_S = 0.020
WARMUP_S = 0.5


def time_it(fn, min_reps=3, max_reps=10, budget=8.0):
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    group = 1
    if first < WARMUP_S:
        c0 = time.perf_counter()
        calls = 0
        while time.perf_counter() - c0 < WARMUP_S:
            fn()
            calls += 1
        if first < GROUP_S:
            group = max(1, round(calls * GROUP_S / (time.perf_counter() - c0)))
    times = []
    start = time.perf_counter()
    while len(times) < max_reps and (len(times) < min_reps or time.perf_counter() - start < budget):
        t0 = time.perf_counter()
        for _ in range(group):
            fn()
        times.append((time.perf_counter() - t0) / group)
    return median(times) * 1000


def rss_mib():
    # current resident set (ru_maxrss is the peak, which cannot show memory coming back)
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


_digits = {}


def mnist(flat):
    # loaded once per process, as neurite's side does (bench/neurite.ts)
    if flat not in _digits:
        _digits[flat] = _load_mnist(flat)
    return _digits[flat]


def _load_mnist(flat):
    with gzip.open(os.path.join(ROOT, "data/mnist/images.u8.gz")) as f:
        raw = f.read()
    n = cfg["train"]["samples"]
    x = torch.frombuffer(bytearray(raw[: n * 784]), dtype=torch.uint8).float().div_(255)
    with gzip.open(os.path.join(ROOT, "data/mnist/labels.u8.gz")) as f:
        y = torch.frombuffer(bytearray(f.read()[:n]), dtype=torch.uint8).long()
    return (x.view(n, 784) if flat else x.view(n, 1, 28, 28)), y


def epoch(model, flat, opt=None, bs=None):
    x, y = mnist(flat)
    opt = opt or torch.optim.Adam(model.parameters(), lr=cfg["train"]["lr"])
    bs = bs or cfg["train"]["batch"]
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


def cnn(width=1):
    """bench/neurite-cases.ts's cnn(): `width` multiplies the channels."""
    c1, c2 = 32 * width, 64 * width
    return nn.Sequential(
        nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(c2 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10),
    )


class BasicBlock(nn.Module):
    """src/models/resnet.ts's BasicBlock (torchvision's): conv-BN-ReLU-conv-BN plus the shortcut, then ReLU."""

    def __init__(self, inplanes, planes, stride, downsample):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + (self.downsample(x) if self.downsample is not None else x))


class ResNetMini(nn.Module):
    """neurite's resnet18Mini(): a 3x3 stride-1 stem without max-pool, stages of 16-32-64-128 planes."""

    def __init__(self, in_channels, classes, base=16, layers=(2, 2, 2, 2)):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, base, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(base)
        stages, inplanes = [], base
        for i, blocks in enumerate(layers):
            planes, stride = base * 2**i, 1 if i == 0 else 2
            down = None
            if stride != 1 or inplanes != planes:
                down = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))
            stage = [BasicBlock(inplanes, planes, stride, down)]
            stage += [BasicBlock(planes, planes, 1, None) for _ in range(blocks - 1)]
            stages.append(nn.Sequential(*stage))
            inplanes = planes
        self.stages = nn.Sequential(*stages)
        self.fc = nn.Linear(inplanes, classes)

    def forward(self, x):
        y = self.stages(torch.relu(self.bn1(self.conv1(x))))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(y, 1), 1))


def basic_conv(i, o, k, padding=0):
    """src/models/inception.ts's BasicConv2d: conv without bias, BN with eps 1e-3, ReLU."""
    return nn.Sequential(nn.Conv2d(i, o, k, padding=padding, bias=False), nn.BatchNorm2d(o, eps=1e-3), nn.ReLU())


class Inception(nn.Module):
    def __init__(self, i, c1, c3r, c3, c5r, c5, pp):
        super().__init__()
        self.b1 = basic_conv(i, c1, 1)
        self.b2 = nn.Sequential(basic_conv(i, c3r, 1), basic_conv(c3r, c3, 3, 1))
        self.b3 = nn.Sequential(basic_conv(i, c5r, 1), basic_conv(c5r, c5, 5, 2))
        self.b4 = nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=True), basic_conv(i, pp, 1))
        self.out = c1 + c3 + c5 + pp

    def forward(self, x):
        return torch.cat([self.b1(x), self.b2(x), self.b3(x), self.b4(x)], 1)


TABLE1 = [  # the paper's Table 1, as src/models/inception.ts: 3a 3b | 4a-4e | 5a 5b
    (64, 96, 128, 16, 32, 32), (128, 128, 192, 32, 96, 64),
    (192, 96, 208, 16, 48, 64), (160, 112, 224, 24, 64, 64), (128, 128, 256, 24, 64, 64),
    (112, 144, 288, 32, 64, 64), (256, 160, 320, 32, 128, 128),
    (256, 160, 320, 32, 128, 128), (384, 192, 384, 48, 128, 128),
]


class GoogLeNetMini(nn.Module):
    """neurite's GoogLeNetMini (width 0.25): 3x3 stem, max-pool, 1x1, 3x3, nine inception modules, pool, dropout, fc."""

    def __init__(self, in_channels, classes, m=0.25):
        super().__init__()
        sc = lambda c: max(1, int(c * m + 0.5))  # noqa: E731 (JavaScript's Math.round)
        blocks, c = [], sc(192)
        for row in TABLE1:
            blocks.append(Inception(c, *map(sc, row)))
            c = blocks[-1].out
        self.stem = nn.Sequential(
            basic_conv(in_channels, sc(64), 3, 1), nn.MaxPool2d(3, 2, ceil_mode=True),
            basic_conv(sc(64), sc(64), 1), basic_conv(sc(64), sc(192), 3, 1),
        )
        self.body = nn.Sequential(
            blocks[0], blocks[1], nn.MaxPool2d(3, 2, ceil_mode=True), *blocks[2:7],
            nn.MaxPool2d(2, 2, ceil_mode=True), blocks[7], blocks[8],
        )
        self.dropout = nn.Dropout(0.4)
        self.fc = nn.Linear(c, classes)

    def forward(self, x):
        y = nn.functional.adaptive_avg_pool2d(self.body(self.stem(x)), 1)
        return self.fc(self.dropout(torch.flatten(y, 1)))


def large_step(which):
    """Milliseconds per training step of a larger model (mean of `steps` after one warm-up), as neurite's."""
    lg = cfg["large"]
    if which == "randwire":
        # the same network from the model.py neurite's PyTorch export wrote for it (bench/run.ts)
        spec = importlib.util.spec_from_file_location("randwire_model", cfg["modelPy"])
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        m = module.build_model()
        m.train()
    else:
        m = (ResNetMini if which == "resnet18" else GoogLeNetMini)(lg["channels"], lg["classes"])
    opt = torch.optim.Adam(m.parameters(), lr=cfg["train"]["lr"])
    x = torch.rand(lg["batch"], lg["channels"], lg["size"], lg["size"])
    y = torch.randint(0, lg["classes"], (lg["batch"],))
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(m(x), y).backward()
        opt.step()

    step()
    t0 = time.perf_counter()
    for _ in range(lg["steps"]):
        step()
    params = sum(p.numel() for p in m.parameters())
    return (time.perf_counter() - t0) / lg["steps"] * 1000, f"{params:,} parameters, mean of {lg['steps']} steps"


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
    if case.startswith(("cnn-batch-", "cnn-width-", "cnn-threads-")):
        return epoch(cnn(cfg["cnn"].get("width", 1)), False, bs=cfg["cnn"].get("batch"))
    if case in ("resnet18-step", "googlenet-step", "randwire-step"):
        return large_step(cfg["model"])
    if case == "mlp-epoch":
        m = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
        return epoch(m, True)
    if case in ("cnn-epoch", "cnn-rss", "cnn-rss-growth"):
        m = cnn()
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
