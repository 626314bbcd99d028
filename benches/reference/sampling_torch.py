"""PyTorch/diffusers reference timings for the sampling benchmark.

Usage:
    python benches/reference/sampling_torch.py [--repeats R] [--warmup W] [--json]
        [--batch N] [--steps S]

Workloads (float32, CPU, torch's default thread count):

* ``mnist_ddim50_b16``: UNet2DModel(**MNIST_CONFIG) (imported from unet_torch.py,
  ``torch.manual_seed(0)`` init), eval mode, ``torch.no_grad()``; DDIMScheduler
  (1000 train steps, linear betas 1e-4..0.02, clip_sample False, "leading" spacing,
  set_alpha_to_one True, steps_offset 0); class labels ``arange(16) % 10``. One run is
  ``set_timesteps(50)``, ``x = randn(16, 1, 28, 28)`` from a fixed generator, then for
  each timestep ``x = step(model(x, t, class_labels=y).sample, t, x, eta=0).prev_sample``.

``--batch`` and ``--steps`` change the 16 images and 50 steps (the benchmark's tiny mode
uses 2 and 3; the workload keeps its name as an identifier).

Each workload runs ``warmup`` untimed runs then ``repeats`` timed ones
(``time.perf_counter``). Defaults: warmup 1, repeats 5. Within each timed run the
time spent inside the model calls is also measured, giving the extra keys
``network_median_ms`` (median per-run network time) and ``outside_network_fraction``
(median per-run (total - network) / total: scheduler, noise and loop overhead).

Output: a human-readable table, then one JSON object:

    {"workloads": {NAME: {"median_ms", "min_ms", "max_ms", "mean_ms", "repeats", "warmup",
                          "network_median_ms", "outside_network_fraction"}},
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import diffusers  # noqa: E402
from diffusers import DDIMScheduler, UNet2DModel  # noqa: E402

from unet_torch import MNIST_CONFIG  # noqa: E402


# Images and DDIM steps of the workload (--batch, --steps).
BATCH = 16
STEPS = 50


def mnist_ddim50_b16():
    """Build the model, scheduler and labels; return one sampling run -> (total_ms, network_ms)."""
    torch.manual_seed(0)
    model = UNet2DModel(**MNIST_CONFIG).float().eval()
    sched = DDIMScheduler(
        num_train_timesteps=1000,
        beta_schedule="linear",
        beta_start=1e-4,
        beta_end=0.02,
        clip_sample=False,
        timestep_spacing="leading",
        set_alpha_to_one=True,
        steps_offset=0,
    )
    y = torch.arange(BATCH, dtype=torch.int64) % 10

    def run():
        network = 0.0
        t0 = time.perf_counter()
        with torch.no_grad():
            sched.set_timesteps(STEPS)
            x = torch.randn(BATCH, 1, 28, 28, generator=torch.Generator().manual_seed(1))
            for t in sched.timesteps:
                n0 = time.perf_counter()
                out = model(x, t, class_labels=y).sample
                network += time.perf_counter() - n0
                x = sched.step(out, t, x, eta=0.0).prev_sample
        total = time.perf_counter() - t0
        return total * 1e3, network * 1e3

    return run


WORKLOADS = {"mnist_ddim50_b16": mnist_ddim50_b16}


def time_workload(factory, warmup: int, repeats: int) -> dict:
    run = factory()
    for _ in range(warmup):
        run()
    totals, networks = zip(*(run() for _ in range(repeats)))
    return {
        "median_ms": statistics.median(totals),
        "min_ms": min(totals),
        "max_ms": max(totals),
        "mean_ms": statistics.fmean(totals),
        "repeats": repeats,
        "warmup": warmup,
        "network_median_ms": statistics.median(networks),
        "outside_network_fraction": statistics.median((t - n) / t for t, n in zip(totals, networks)),
    }


def environment() -> dict:
    return {
        "torch": torch.__version__,
        "diffusers": diffusers.__version__,
        "python": platform.python_version(),
        "num_threads": torch.get_num_threads(),
        "num_interop_threads": torch.get_num_interop_threads(),
        "cpu_count": os.cpu_count(),
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description="PyTorch/diffusers DDIM sampling reference timings (CPU, float32).")
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per workload (default 5)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed runs per workload (default 1)")
    ap.add_argument("--json", action="store_true", help="print only the JSON object")
    ap.add_argument("--batch", type=int, default=16, help="images per run (default 16)")
    ap.add_argument("--steps", type=int, default=50, help="DDIM steps (default 50)")
    args = ap.parse_args()
    if args.repeats < 1 or args.warmup < 0 or args.batch < 1 or args.steps < 1:
        ap.error("--repeats, --batch and --steps must be >= 1 and --warmup >= 0")
    global BATCH, STEPS
    BATCH, STEPS = args.batch, args.steps

    result = {"workloads": {}, **environment()}
    if not args.json:
        print(
            f"torch {result['torch']}, diffusers {result['diffusers']}, "
            f"{result['num_threads']} threads, load average {result['loadavg_start']}"
        )
    for name, factory in WORKLOADS.items():
        stats = time_workload(factory, args.warmup, args.repeats)
        result["workloads"][name] = stats
        if not args.json:
            print(
                f"{name:20s} median {stats['median_ms']:9.2f} ms  "
                f"(min {stats['min_ms']:.2f}, max {stats['max_ms']:.2f}, {args.repeats} repeats; "
                f"network {stats['network_median_ms']:.2f} ms, "
                f"outside {100 * stats['outside_network_fraction']:.1f}%)",
                flush=True,
            )
    result["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
