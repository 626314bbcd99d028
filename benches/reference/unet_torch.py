"""PyTorch/diffusers reference timings for the U-Net benchmark.

Usage:
    python benches/reference/unet_torch.py [--repeats R] [--warmup W] [--json]
        [--only NAME ...] [--repeats-for NAME=R ...] [--warmup-for NAME=W ...]
        [--mnist-batch N]

Workloads (float32, CPU, torch's default thread count):

* ``mnist_unet_forward_b64``: UNet2DModel (1x28x28, block_out_channels (16, 32, 32),
  layers_per_block 1, norm_num_groups 8, down (Down, Down, AttnDown), up (AttnUp, Up, Up),
  attention_head_dim 8, num_class_embeds 11, flip_sin_to_cos True, freq_shift 0),
  eval mode, ``torch.no_grad()``, batch 64, random timesteps and class labels.
* ``mnist_unet_train_step_b64``: the same model in train mode; one step is
  ``zero_grad`` + forward + MSE loss against a random target + backward +
  ``torch.optim.AdamW(lr=1e-4).step()``.
* ``cifar_unet_forward_b8``: the full google/ddpm-cifar10-32 architecture (35.7M
  parameters, random weights), eval mode, ``torch.no_grad()``, batch 8.

Each workload runs ``warmup`` untimed iterations then ``repeats`` timed ones
(``time.perf_counter``). Defaults: warmup 3, repeats 10 for every workload;
``--repeats-for``/``--warmup-for`` override them per workload. ``--mnist-batch`` changes the
batch of the two MNIST workloads (default 64; the benchmark's tiny mode uses 2; the workload
names keep their ``_b64`` suffix as identifiers).

Output: a human-readable table, then one JSON object:

    {"workloads": {NAME: {"median_ms", "min_ms", "max_ms", "mean_ms", "repeats", "warmup"}},
     "torch": ..., "diffusers": ..., "python": ..., "num_threads": ...,
     "num_interop_threads": ..., "cpu_count": ..., "loadavg_start": [1, 5, 15 min],
     "loadavg_end": [...]}

With ``--json`` only the JSON object is printed (on one line). Timings are only
comparable on an otherwise idle machine: check the load averages.

Environment: see crates/diffusion-model/tests/fixtures/make_unet_fixtures.py
(CPU-only torch, diffusers, safetensors, numpy).
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

import torch
import torch.nn.functional as F

import diffusers
from diffusers import UNet2DModel

MNIST_CONFIG = dict(
    sample_size=28,
    in_channels=1,
    out_channels=1,
    block_out_channels=(16, 32, 32),
    layers_per_block=1,
    norm_num_groups=8,
    down_block_types=("DownBlock2D", "DownBlock2D", "AttnDownBlock2D"),
    up_block_types=("AttnUpBlock2D", "UpBlock2D", "UpBlock2D"),
    attention_head_dim=8,
    num_class_embeds=11,
    flip_sin_to_cos=True,
    freq_shift=0,
)

DDPM_CIFAR10_32_CONFIG = dict(
    sample_size=32,
    in_channels=3,
    out_channels=3,
    block_out_channels=(128, 256, 256, 256),
    layers_per_block=2,
    down_block_types=("DownBlock2D", "AttnDownBlock2D", "DownBlock2D", "DownBlock2D"),
    up_block_types=("UpBlock2D", "UpBlock2D", "AttnUpBlock2D", "UpBlock2D"),
    attention_head_dim=None,
    flip_sin_to_cos=False,
    freq_shift=1,
    downsample_padding=0,
    norm_eps=1e-6,
)

NUM_TRAIN_TIMESTEPS = 1000

# Batch of the MNIST workloads (--mnist-batch).
MNIST_BATCH = 64


def make_model(config: dict, seed: int) -> UNet2DModel:
    torch.manual_seed(seed)
    return UNet2DModel(**config).float()


def mnist_forward_b64():
    model = make_model(MNIST_CONFIG, 0).eval()
    g = torch.Generator().manual_seed(1)
    n = MNIST_BATCH
    x = torch.randn(n, 1, 28, 28, generator=g)
    t = torch.randint(0, NUM_TRAIN_TIMESTEPS, (n,), generator=g)
    y = torch.randint(0, 11, (n,), generator=g)

    def step():
        with torch.no_grad():
            return model(x, t, class_labels=y).sample

    return step


def mnist_train_step_b64():
    model = make_model(MNIST_CONFIG, 0).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    g = torch.Generator().manual_seed(2)
    n = MNIST_BATCH
    x = torch.randn(n, 1, 28, 28, generator=g)
    t = torch.randint(0, NUM_TRAIN_TIMESTEPS, (n,), generator=g)
    y = torch.randint(0, 11, (n,), generator=g)
    target = torch.randn(n, 1, 28, 28, generator=g)

    def step():
        opt.zero_grad(set_to_none=True)
        pred = model(x, t, class_labels=y).sample
        loss = F.mse_loss(pred, target)
        loss.backward()
        opt.step()
        return loss

    return step


def cifar_forward_b8():
    model = make_model(DDPM_CIFAR10_32_CONFIG, 0).eval()
    g = torch.Generator().manual_seed(3)
    x = torch.randn(8, 3, 32, 32, generator=g)
    t = torch.randint(0, NUM_TRAIN_TIMESTEPS, (8,), generator=g)

    def step():
        with torch.no_grad():
            return model(x, t).sample

    return step


# name -> (factory, default repeats or None for --repeats, default warmup or None for --warmup)
WORKLOADS = {
    "mnist_unet_forward_b64": (mnist_forward_b64, None, None),
    "mnist_unet_train_step_b64": (mnist_train_step_b64, None, None),
    "cifar_unet_forward_b8": (cifar_forward_b8, None, None),
}


def parse_overrides(items, what):
    out = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or name not in WORKLOADS:
            raise SystemExit(f"--{what}-for expects NAME=N with NAME one of {sorted(WORKLOADS)}, got {item!r}")
        out[name] = int(value)
    return out


def time_workload(factory, warmup: int, repeats: int) -> dict:
    step = factory()
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    return {
        "median_ms": statistics.median(times),
        "min_ms": min(times),
        "max_ms": max(times),
        "mean_ms": statistics.fmean(times),
        "repeats": repeats,
        "warmup": warmup,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description="PyTorch/diffusers U-Net reference timings (CPU, float32).")
    ap.add_argument("--repeats", type=int, default=10, help="timed iterations per workload (default 10)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed iterations per workload (default 3)")
    ap.add_argument("--json", action="store_true", help="print only the JSON object")
    ap.add_argument("--only", action="append", choices=sorted(WORKLOADS), help="run only this workload (repeatable)")
    ap.add_argument("--repeats-for", action="append", metavar="NAME=R", help="per-workload repeats")
    ap.add_argument("--warmup-for", action="append", metavar="NAME=W", help="per-workload warmup")
    ap.add_argument("--mnist-batch", type=int, default=64, help="batch of the MNIST workloads (default 64)")
    args = ap.parse_args()
    if args.repeats < 1 or args.warmup < 0 or args.mnist_batch < 1:
        ap.error("--repeats and --mnist-batch must be >= 1 and --warmup >= 0")
    global MNIST_BATCH
    MNIST_BATCH = args.mnist_batch
    rep_over = parse_overrides(args.repeats_for, "repeats")
    warm_over = parse_overrides(args.warmup_for, "warmup")

    names = [n for n in WORKLOADS if not args.only or n in args.only]
    result = {
        "workloads": {},
        "torch": torch.__version__,
        "diffusers": diffusers.__version__,
        "python": platform.python_version(),
        "num_threads": torch.get_num_threads(),
        "num_interop_threads": torch.get_num_interop_threads(),
        "cpu_count": os.cpu_count(),
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
    }
    if not args.json:
        print(
            f"torch {result['torch']}, diffusers {result['diffusers']}, "
            f"{result['num_threads']} threads, load average {result['loadavg_start']}"
        )
    for name in names:
        factory, def_rep, def_warm = WORKLOADS[name]
        repeats = rep_over.get(name, def_rep or args.repeats)
        warmup = warm_over.get(name, def_warm if def_warm is not None else args.warmup)
        stats = time_workload(factory, warmup, repeats)
        result["workloads"][name] = stats
        if not args.json:
            print(
                f"{name:28s} median {stats['median_ms']:9.2f} ms  "
                f"(min {stats['min_ms']:.2f}, max {stats['max_ms']:.2f}, {repeats} repeats)",
                flush=True,
            )
    result["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        print(json.dumps(result))
    else:
        print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
