/**
 * train_ddp.py: continues training an exported model with DistributedDataParallel under torchrun (gloo, CPU), on
 * the exported data.safetensors or the user's own CSV, with the optimiser and loss of the checkpoint's run
 * (neurite.json), and writes the result as a neurite checkpoint folder (checkpoint.json + weights-<hash>.safetensors,
 * the format of src/train/node.ts) that `neurite eval` and `nt.train.loadModel` read.
 */

export const TRAIN_SCRIPT = `#!/usr/bin/env python3
"""Continue training this exported neurite model with PyTorch DistributedDataParallel.

    torchrun --nproc_per_node 2 train_ddp.py --epochs 1
    torchrun --nproc_per_node 4 train_ddp.py --steps 500 --lr 1e-3 --batch-size 64 --out trained
    python3 train_ddp.py --csv rows.csv --epochs 3          # one process, no torchrun, works too

Debian 12's torchrun (PyTorch 1.13 on Python 3.11) stops at once with "'NoneType' object has no attribute 'get'"
unless given --redirects 1 --tee 1: its parsing of the default 0 of those options breaks on Python 3.11.

Data: data.safetensors beside this script (the run's own train/test split, already preprocessed), or --csv FILE:
raw rows with a header line, the target in the last column (or --target NAME); preprocessing.json turns them
into the model's inputs and --test-fraction of them are held out. The sequence models (Seq2Seq, SequenceGenerator,
CharRNN) train on data.safetensors only, with the teacher-forced next-token cross-entropy (padding ignored). Each process reads its share of every epoch
(DistributedSampler); gradients are averaged across processes (gloo backend, CPU). The optimiser and loss are the
run's (neurite.json); the optimiser's state starts afresh.

Rank 0 writes a neurite checkpoint folder (--out, default ./trained beside this script): checkpoint.json and
weights-<sha256>.safetensors, each written to a temporary file and renamed into place, the manifest last. Use it
with \`neurite eval trained\`, \`neurite predict trained ...\` or nt.train.loadModel("trained").
"""
import argparse
import csv
import hashlib
import json
import math
import os
import sys
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, RandomSampler, TensorDataset
from torch.utils.data.distributed import DistributedSampler

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import (  # noqa: E402
    encode_safetensors,
    load_model,
    load_preprocessing,
    preprocess,
    read_safetensors,
    write_file_atomic,
)

# the target the class losses skip (neurite.json's ignoreIndex: a sequence model's padding token)
IGNORE_INDEX = -100

LOSSES = {
    "crossEntropy": lambda out, y: F.cross_entropy(*_classes(out, y), ignore_index=IGNORE_INDEX),
    "nll": lambda out, y: F.nll_loss(*_classes(out, y), ignore_index=IGNORE_INDEX),
    "mse": lambda out, y: F.mse_loss(out, _like(y, out)),
    "mae": lambda out, y: F.l1_loss(out, _like(y, out)),
    "l1": lambda out, y: F.l1_loss(out, _like(y, out)),
    "huber": lambda out, y: F.huber_loss(out, _like(y, out)),
    "smoothL1": lambda out, y: F.smooth_l1_loss(out, _like(y, out)),
    "bce": lambda out, y: F.binary_cross_entropy(out, _like(y, out)),
    "bceWithLogits": lambda out, y: F.binary_cross_entropy_with_logits(out, _like(y, out)),
}


# how the model is called on a batch (neurite.json's call): most models on the inputs; the encoder-decoders on the
# inputs and the target (teacher forcing), CharRNN on the inputs, its logits first of (logits, state)
CALLS = {
    "model(x)": lambda model, x, y: model(x),
    "model(x, y)": lambda model, x, y: model(x, y),
    "model(x)[0]": lambda model, x, y: model(x)[0],
}
CALL = CALLS["model(x)"]


def _classes(out, y):
    """Logits [N, C] (or [N, L, C] for taggers) and class indices [N] ([N, L]), as neurite's crossEntropy takes."""
    if out.dim() == 3:
        return out.reshape(-1, out.shape[-1]), y.reshape(-1).long()
    return out, y.reshape(-1).long() if y.dim() == 2 and y.shape[1] == 1 else y.long()


def _like(y, out):
    """Targets as floats, reshaped to the outputs' shape when they hold as many values (neurite's elementwise losses)."""
    y = y.float()
    return y.reshape(out.shape) if y.numel() == out.numel() else y


def make_optimizer(params, spec, lr):
    kind = spec.get("type", "Adam")
    wd = spec.get("weight_decay", 0)
    if kind == "Adam":
        return torch.optim.Adam(params, lr=lr, betas=tuple(spec.get("betas", (0.9, 0.999))),
                                eps=spec.get("eps", 1e-8), weight_decay=wd, amsgrad=spec.get("amsgrad", False))
    if kind == "AdamW":
        return torch.optim.AdamW(params, lr=lr, betas=tuple(spec.get("betas", (0.9, 0.999))),
                                 eps=spec.get("eps", 1e-8), weight_decay=spec.get("weight_decay", 0.01),
                                 amsgrad=spec.get("amsgrad", False))
    if kind == "SGD":
        return torch.optim.SGD(params, lr=lr, momentum=spec.get("momentum", 0), dampening=spec.get("dampening", 0),
                               nesterov=spec.get("nesterov", False), weight_decay=wd)
    if kind == "RMSprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=spec.get("alpha", 0.99), eps=spec.get("eps", 1e-8),
                                   momentum=spec.get("momentum", 0), centered=spec.get("centered", False),
                                   weight_decay=wd)
    if kind == "Adagrad":
        return torch.optim.Adagrad(params, lr=lr, eps=spec.get("eps", 1e-10), weight_decay=wd)
    raise SystemExit(f"train_ddp.py: the run's optimiser {kind} has no counterpart here; use Adam, AdamW, SGD, "
                     "RMSprop or Adagrad in neurite, or edit make_optimizer")


def read_csv(path, target, task):
    """Raw feature rows and targets of a CSV with a header line: the target column is --target, else the run's
    (for a table with categorical columns, preprocessing.json's), else the last. A table with categorical columns
    keeps its rows as text, keyed by the header, for preprocess() to encode; a label-encoded target's text becomes
    its class index."""
    spec = load_preprocessing()
    table = bool(spec.get("columns"))
    labels = spec.get("target") or {}
    target = target or labels.get("name")
    with open(path, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.reader(f) if r]
    if len(rows) < 2:
        raise SystemExit(f"{path}: expected a header line and at least one row")
    header, rows = [h.strip() for h in rows[0]], rows[1:]
    if target and target not in header:
        raise SystemExit(f"{path}: no column named {target!r} (columns: {', '.join(header)})")
    col = header.index(target) if target else len(header) - 1
    classes = [str(c) for c in labels.get("classes", [])] if labels.get("name") == header[col] else []
    x, y = [], []
    for i, row in enumerate(rows, 2):
        if len(row) != len(header):
            raise SystemExit(f"{path}: line {i} has {len(row)} fields, the header {len(header)}")
        label = row[col].strip()
        if classes:
            if label not in classes:
                raise SystemExit(f"{path}: line {i}: {header[col]} {label!r} is not one of the run's classes "
                                 f"({', '.join(classes)})")
            y.append(classes.index(label))
        else:
            try:
                y.append(float(label))
            except ValueError:
                raise SystemExit(f"{path}: line {i}: the target {label!r} is not a number") from None
        features = row[:col] + row[col + 1:]
        if table:
            x.append(dict(zip(header[:col] + header[col + 1:], features)))
            continue
        try:
            x.append([float(v) for v in features])
        except ValueError:
            raise SystemExit(f"{path}: line {i} is not all numbers ({row})") from None
    if not table:
        x = torch.tensor(x, dtype=torch.float32)
    y = torch.tensor(y, dtype=torch.float32 if task == "regression" else torch.int64)
    return x, y


def load_data(args, config):
    """(x_train, y_train, x_test, y_test), model-ready."""
    if args.csv:
        if (config.get("call") or "model(x)") != "model(x)":
            raise SystemExit(f"train_ddp.py: --csv reads rows of numbers, while a {config['model']} trains on token "
                             "sequences; use the exported data.safetensors (neurite export without --no-data)")
        x, y = read_csv(args.csv, args.target, config.get("task"))
        x = preprocess(x)
        generator = torch.Generator().manual_seed(args.seed)
        order = torch.randperm(x.shape[0], generator=generator)
        n_test = int(round(x.shape[0] * args.test_fraction))
        test, train = order[:n_test], order[n_test:]
        return x[train], y[train], x[test], y[test]
    path = os.path.join(HERE, "data.safetensors")
    if not os.path.exists(path):
        raise SystemExit("train_ddp.py: no data.safetensors was exported with this model; give --csv FILE")
    t = read_safetensors(path)
    return t["x_train"], t["y_train"], t["x_test"], t["y_test"]


@torch.no_grad()
def evaluate(model, x, y, loss_fn, task, batch=500):
    """The mean loss and the metric (accuracy, or for regression the mean squared error) on x, y."""
    model.eval()
    total, hits, sq, n = 0.0, 0, 0.0, 0
    for i in range(0, x.shape[0], batch):
        yb = y[i:i + batch]
        out = CALL(model, x[i:i + batch], yb)
        total += float(loss_fn(out, yb)) * yb.shape[0]
        if task == "regression":
            sq += float(((out - _like(yb, out)) ** 2).sum())
            n += out.numel()
        elif task == "binary":
            hits += int(((out.reshape(-1) > 0).long() == yb.reshape(-1).long()).sum())
            n += yb.numel()
        else:
            logits, labels = _classes(out, yb)
            counted = labels != IGNORE_INDEX  # a sequence model's padding is not scored
            hits += int(((logits.argmax(1) == labels) & counted).sum())
            n += int(counted.sum())
    metric = ("mse", sq / max(n, 1)) if task == "regression" else ("accuracy", hits / max(n, 1))
    return total / max(x.shape[0], 1), metric


def save_checkpoint(out_dir, model, config, epochs, summary):
    """The model as a neurite checkpoint folder: weights first, then the manifest that names them."""
    ckpt = config["checkpoint"]
    state = model.state_dict()
    tensors = {}
    for key, t in state.items():
        t = t.detach().cpu()
        # neurite holds float32, int32 and bool: PyTorch's int64 counters and float64 go back to those
        if t.dtype == torch.int64:
            t = t.to(torch.int32)
        elif t.is_floating_point():
            t = t.to(torch.float32)
        tensors["model." + key] = t
    data = encode_safetensors(tensors, {"format": "pt"})
    digest = hashlib.sha256(data).hexdigest()
    name = f"weights-{digest[:16]}.safetensors"
    os.makedirs(out_dir, exist_ok=True)
    write_file_atomic(os.path.join(out_dir, name), data)
    manifest = {
        "format": "neurite-checkpoint",
        "version": 1,
        "epoch": int(ckpt.get("epoch", 0)) + epochs,
        "model": list(state.keys()),
        "optimizer": None,
        "scheduler": None,
        "rng": None,
        "history": None,
        "callbacks": None,
        "preprocessing": ckpt.get("preprocessing"),
        "extra": ckpt.get("extra"),
        "architecture": ckpt.get("architecture"),
        "trainedWith": summary,
        "weights": {"file": name, "sha256": digest, "bytes": len(data)},
    }
    write_file_atomic(os.path.join(out_dir, "checkpoint.json"), (json.dumps(manifest, indent=1) + "\\n").encode())
    for old in os.listdir(out_dir):
        if old != name and old.startswith("weights-") and old.endswith(".safetensors"):
            os.unlink(os.path.join(out_dir, old))
    return os.path.join(out_dir, "checkpoint.json")


def main():
    with open(os.path.join(HERE, "neurite.json"), encoding="utf-8") as f:
        config = json.load(f)
    training = config.get("training", {})
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=1, help="passes over the training data (default 1)")
    p.add_argument("--steps", type=int, help="optimiser steps instead of whole epochs")
    p.add_argument("--lr", type=float, default=training.get("lr"), help="learning rate (default: the run's, %(default)s)")
    p.add_argument("--batch-size", type=int, default=training.get("batchSize", 32),
                   help="samples per step and process (default: the run's, %(default)s)")
    p.add_argument("--loss", choices=sorted(LOSSES), default=config.get("loss") or "crossEntropy",
                   help="the loss (default: the run's, %(default)s)")
    p.add_argument("--csv", help="train on this CSV of raw rows (header line; target in the last column)")
    p.add_argument("--target", help="the CSV's target column (default: the last)")
    p.add_argument("--test-fraction", type=float, default=0.2, help="CSV rows held out for testing (default 0.2)")
    p.add_argument("--out", default=os.path.join(HERE, "trained"), help="the checkpoint folder to write")
    p.add_argument("--seed", type=int, default=training.get("seed", 0), help="shuffling seed")
    p.add_argument("--log-every", type=int, default=50, help="print the running loss every N steps")
    p.add_argument("--threads", type=int, help="torch threads per process (default: cores / processes)")
    args = p.parse_args()
    global CALL, IGNORE_INDEX
    CALL = CALLS[config.get("call") or "model(x)"]
    if config.get("ignoreIndex") is not None:
        IGNORE_INDEX = int(config["ignoreIndex"])
    if args.lr is None or args.lr <= 0:
        raise SystemExit("train_ddp.py: give a positive --lr (the run recorded none)")
    if args.epochs < 1 or (args.steps is not None and args.steps < 1) or args.batch_size < 1:
        raise SystemExit("train_ddp.py: --epochs, --steps and --batch-size must be positive")

    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if distributed:
        dist.init_process_group("gloo")
    rank, world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    torch.set_num_threads(args.threads or max(1, (os.cpu_count() or 1) // world))
    torch.manual_seed(args.seed)
    say = print if rank == 0 else (lambda *a, **k: None)

    task = config.get("task") or ("regression" if args.loss in ("mse", "mae", "l1", "huber", "smoothL1") else
                                  "binary" if args.loss in ("bce", "bceWithLogits") else "classification")
    loss_fn = LOSSES[args.loss]
    x_train, y_train, x_test, y_test = load_data(args, config)
    model = load_model()
    before = evaluate(model, x_test, y_test, loss_fn, task)
    say(f"{config['model']}: {x_train.shape[0]} training samples, {x_test.shape[0]} test samples; "
        f"{world} process{'es' if world > 1 else ''} (gloo), {torch.get_num_threads()} thread(s) each")
    say(f"before: test loss {before[0]:.4f}  {before[1][0]} {before[1][1]:.4f}")

    dataset = TensorDataset(x_train, y_train)
    if distributed:
        sampler = DistributedSampler(dataset, num_replicas=world, rank=rank, shuffle=True, seed=args.seed)
    else:
        sampler = RandomSampler(dataset, generator=torch.Generator().manual_seed(args.seed))
    loader = DataLoader(dataset, batch_size=args.batch_size, sampler=sampler)
    total = args.steps or args.epochs * len(loader)
    model.train()
    net = DistributedDataParallel(model) if distributed else model
    optimizer = make_optimizer(net.parameters(), config.get("optimizer") or {}, args.lr)
    clip = training.get("clipGradNorm")
    say(f"training: {total} steps of {args.batch_size} x {world} samples, {type(optimizer).__name__} lr {args.lr:g}, "
        f"loss {args.loss}")

    step, epoch, running, seen, start = 0, 0, 0.0, 0, time.time()
    while step < total:
        if distributed:
            sampler.set_epoch(epoch)
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(CALL(net, xb, yb), yb)
            loss.backward()
            if clip:
                torch.nn.utils.clip_grad_norm_(net.parameters(), clip)
            optimizer.step()
            step += 1
            running += float(loss)
            seen += 1
            if step % args.log_every == 0 or step == total:
                say(f"step {step}/{total}  epoch {epoch + 1}  loss {running / seen:.4f}  {time.time() - start:.1f} s",
                    flush=True)
                running, seen = 0.0, 0
            if step >= total:
                break
        epoch += 1
    seconds = time.time() - start

    if rank == 0:
        after = evaluate(model, x_test, y_test, loss_fn, task)
        say(f"after:  test loss {after[0]:.4f}  {after[1][0]} {after[1][1]:.4f}  ({seconds:.1f} s)")
        summary = {"tool": "train_ddp.py", "processes": world, "steps": step, "batchSize": args.batch_size,
                   "lr": args.lr, "loss": args.loss, "data": args.csv or "data.safetensors", "seconds": seconds,
                   "before": {"loss": before[0], before[1][0]: before[1][1]},
                   "after": {"loss": after[0], after[1][0]: after[1][1]}}
        path = save_checkpoint(args.out, model, config, math.floor(step / max(len(loader), 1)), summary)
        say(f"saved {path}")
        say(json.dumps(summary))
    if distributed:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
`;
