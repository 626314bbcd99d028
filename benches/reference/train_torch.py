"""PyTorch/diffusers reference timing for the training-throughput benchmark.

Usage:
    python benches/reference/train_torch.py (--config PATH | --config-json STRING)
        [--batch N] [--warmup W] [--steps S] [--threads T] [--seed SEED]

Measures the wall time of one full optimisation step of a diffusers UNet2DModel, so
the Rust trainer's images/second can be compared against the stock PyTorch recipe on
the same machine. The model is ``UNet2DModel.from_config(config)`` (any diffusers
config.json; class-conditional when ``num_class_embeds`` is set), float32, CPU,
``torch.manual_seed(seed)`` init, train mode.

One step follows diffusers' examples/unconditional_image_generation/train_unconditional.py:
``noise = randn_like(x0)``, ``timesteps = randint(0, 1000)``,
``x_t = DDPMScheduler(num_train_timesteps=1000).add_noise(x0, noise, timesteps)``,
class labels ``randint(0, num_class_embeds - 1)`` (the last embedding is left out: it
is the null class of classifier-free guidance), ``pred = model(x_t, timesteps,
class_labels=...).sample``, ``loss = mse_loss(pred, noise)``, ``backward``,
``clip_grad_norm_(params, 1.0)``, ``AdamW(lr=1e-4, weight_decay=1e-2).step()``,
``zero_grad``, then an EMA update of a parameter copy like diffusers' EMAModel.step
with a fixed decay: ``ema = 0.999 * ema + 0.001 * param`` (``torch._foreach`` ops,
under ``no_grad``). The batch ``x0`` (uniform in [-1, 1], shape [batch, in_channels,
sample_size, sample_size]) is generated once, so data loading is not timed; noise,
timesteps and labels are drawn inside each step, as in the recipe.

``warmup`` untimed steps (default 3) then ``steps`` timed ones (default 10), each
timed with ``time.perf_counter``. Threads: torch's default unless ``--threads``.

Output: one JSON object on one line:

    {"ms_per_step_median", "ms_per_step_min", "ms_per_step_max", "ms_per_step_mean",
     "images_per_second" (batch / median step seconds), "batch", "steps", "warmup",
     "seed", "threads" (torch.get_num_threads()), "num_interop_threads", "cpu_count",
     "torch", "diffusers", "python", "parameters", "final_loss",
     "loadavg_start": [1, 5, 15 min], "loadavg_end": [...]}

Timings are only comparable on an otherwise idle machine: check the load averages.

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
from diffusers import DDPMScheduler, UNet2DModel

NUM_TRAIN_TIMESTEPS = 1000
LR = 1e-4
WEIGHT_DECAY = 1e-2
MAX_GRAD_NORM = 1.0
EMA_DECAY = 0.999


def make_step(config: dict, batch: int, seed: int):
    """Build model, optimiser, EMA copy and data; return one training step -> loss tensor."""
    torch.manual_seed(seed)
    model = UNet2DModel.from_config(config).float().train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=LR, weight_decay=WEIGHT_DECAY)
    ema = [p.detach().clone() for p in params]
    sched = DDPMScheduler(num_train_timesteps=NUM_TRAIN_TIMESTEPS)
    cfg = model.config
    num_classes = cfg.num_class_embeds

    g = torch.Generator().manual_seed(seed + 1)
    x0 = torch.rand(batch, cfg.in_channels, cfg.sample_size, cfg.sample_size, generator=g) * 2 - 1

    def step():
        noise = torch.randn(x0.shape, generator=g)
        t = torch.randint(0, NUM_TRAIN_TIMESTEPS, (batch,), generator=g)
        y = torch.randint(0, num_classes - 1, (batch,), generator=g) if num_classes else None
        x_t = sched.add_noise(x0, noise, t)
        pred = model(x_t, t, class_labels=y).sample
        loss = F.mse_loss(pred, noise)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, MAX_GRAD_NORM)
        opt.step()
        opt.zero_grad(set_to_none=True)
        with torch.no_grad():
            torch._foreach_mul_(ema, EMA_DECAY)
            torch._foreach_add_(ema, params, alpha=1 - EMA_DECAY)
        return loss.detach()

    return step, sum(p.numel() for p in model.parameters())


def main() -> int:
    ap = argparse.ArgumentParser(description="PyTorch/diffusers U-Net training-step reference timing (CPU, float32).")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--config", metavar="PATH", help="diffusers UNet2DModel config.json")
    src.add_argument("--config-json", metavar="STRING", help="the same config as a JSON string")
    ap.add_argument("--batch", type=int, default=64, help="images per step (default 64)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps (default 3)")
    ap.add_argument("--steps", type=int, default=10, help="timed steps (default 10)")
    ap.add_argument("--threads", type=int, help="torch.set_num_threads (default: torch's default)")
    ap.add_argument("--seed", type=int, default=0, help="init / data seed (default 0)")
    args = ap.parse_args()
    if args.steps < 1 or args.warmup < 0 or args.batch < 1:
        ap.error("--steps and --batch must be >= 1 and --warmup >= 0")
    if args.threads is not None:
        if args.threads < 1:
            ap.error("--threads must be >= 1")
        torch.set_num_threads(args.threads)

    if args.config is not None:
        with open(args.config) as f:
            config = json.load(f)
    else:
        config = json.loads(args.config_json)

    loadavg_start = [round(x, 2) for x in os.getloadavg()]
    step, n_params = make_step(config, args.batch, args.seed)
    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        loss = step()
        times.append((time.perf_counter() - t0) * 1e3)

    median = statistics.median(times)
    result = {
        "ms_per_step_median": median,
        "ms_per_step_min": min(times),
        "ms_per_step_max": max(times),
        "ms_per_step_mean": statistics.fmean(times),
        "images_per_second": args.batch / (median / 1e3),
        "batch": args.batch,
        "steps": args.steps,
        "warmup": args.warmup,
        "seed": args.seed,
        "threads": torch.get_num_threads(),
        "num_interop_threads": torch.get_num_interop_threads(),
        "cpu_count": os.cpu_count(),
        "torch": torch.__version__,
        "diffusers": diffusers.__version__,
        "python": platform.python_version(),
        "parameters": n_params,
        "final_loss": loss.item(),
        "loadavg_start": loadavg_start,
        "loadavg_end": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
