"""diffusers reference timing for the one-sampler-step benchmark.

Usage:
    python benches/reference/sampler_step_torch.py [--batch N] [--repeats R] [--warmup W]

One call of ``DDIMScheduler.step`` (1000 train steps, linear betas 1e-4..0.02,
clip_sample False, "leading" spacing, set_alpha_to_one True, steps_offset 0,
``set_timesteps(50)``, eta 0) at the 26th of the 50 timesteps, on a float32 CPU
batch ``[N, 1, 28, 28]`` (default N = 64) of state and model output (ε) drawn once
from a fixed generator: ``step(eps, t, x, eta=0.0).prev_sample``. This is the work
the Rust side does per step outside the network: ε → x₀ and the DDIM update.

``warmup`` untimed calls (default 20) then ``repeats`` timed ones (default 200), each
timed with ``time.perf_counter``.

Output: one JSON object on one line:

    {"median_ms", "min_ms", "max_ms", "mean_ms", "repeats", "warmup", "batch",
     "timestep", "torch", "diffusers", "python", "num_threads", "cpu_count",
     "loadavg_start": [1, 5, 15 min], "loadavg_end": [...]}

Environment: torch and diffusers (see docs/benchmarks.md).
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

import torch

import diffusers
from diffusers import DDIMScheduler

STEPS = 50
STEP_INDEX = 25


def main() -> int:
    ap = argparse.ArgumentParser(description="diffusers DDIMScheduler.step reference timing (CPU, float32).")
    ap.add_argument("--batch", type=int, default=64, help="images in the batch (default 64)")
    ap.add_argument("--repeats", type=int, default=200, help="timed calls (default 200)")
    ap.add_argument("--warmup", type=int, default=20, help="untimed calls (default 20)")
    args = ap.parse_args()
    if args.batch < 1 or args.repeats < 1 or args.warmup < 0:
        ap.error("--batch and --repeats must be >= 1 and --warmup >= 0")

    loadavg_start = [round(x, 2) for x in os.getloadavg()]
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
    sched.set_timesteps(STEPS)
    t = sched.timesteps[STEP_INDEX]
    g = torch.Generator().manual_seed(0)
    x = torch.randn(args.batch, 1, 28, 28, generator=g)
    eps = torch.randn(args.batch, 1, 28, 28, generator=g)

    def step():
        return sched.step(eps, t, x, eta=0.0).prev_sample

    with torch.no_grad():
        for _ in range(args.warmup):
            step()
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            step()
            times.append((time.perf_counter() - t0) * 1e3)

    result = {
        "median_ms": statistics.median(times),
        "min_ms": min(times),
        "max_ms": max(times),
        "mean_ms": statistics.fmean(times),
        "repeats": args.repeats,
        "warmup": args.warmup,
        "batch": args.batch,
        "timestep": int(t),
        "torch": torch.__version__,
        "diffusers": diffusers.__version__,
        "python": platform.python_version(),
        "num_threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "loadavg_start": loadavg_start,
        "loadavg_end": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
