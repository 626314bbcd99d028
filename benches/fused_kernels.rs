//! Fused kernels against the unfused burn expressions they replace, side by side in one run.
//!
//! Run with `cargo xtask bench` (or `cargo bench --bench fused_kernels`). For each backend
//! (wgpu: lavapipe on a machine without a GPU, a real device otherwise; flex on the CPU) and
//! each size, it times
//! - noising: fused `noise(x0, a, b, ε target)` vs `randn`, two multiplies, an add;
//! - sampler step: fused `sampler_step` vs `x·c_x + D·c_d + D_prev·c_p + randn·c_z`;
//!
//! and prints medians over repeats (with min–max), the unfused/fused ratio and the fused
//! kernel's effective bandwidth (bytes read + written per second).

use std::time::{Duration, Instant};

use burn::backend::wgpu::{Wgpu, WgpuDevice};
use burn::backend::Flex;
use burn::tensor::backend::Backend;
use burn::tensor::{Distribution, Tensor};
use diffusion::kernels::{
    noise, sampler_step, FusedKernels, NoiseKey, NoisingParams, NoisingTarget, StepParams,
};

/// (rows, elements per row): an MNIST batch, a CIFAR-10 batch, and 4 Mi elements.
const SIZES: [(usize, usize); 3] = [(64, 784), (64, 3 * 32 * 32), (16, 262_144)];
const WARMUP: usize = 3;
const REPEATS: usize = 15;

struct Timing {
    median: Duration,
    min: Duration,
    max: Duration,
}

fn time<F: FnMut()>(mut run: F) -> Timing {
    for _ in 0..WARMUP {
        run();
    }
    let mut samples: Vec<Duration> = (0..REPEATS)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .collect();
    samples.sort();
    Timing {
        median: samples[REPEATS / 2],
        min: samples[0],
        max: samples[REPEATS - 1],
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn per_sample<B: Backend>(values: &[f32], device: &B::Device) -> Tensor<B, 2> {
    Tensor::<B, 1>::from_floats(values, device).reshape([values.len(), 1])
}

fn report(
    backend: &str,
    kernel: &str,
    rows: usize,
    len: usize,
    bytes_per_elem: usize,
    fused: Timing,
    unfused: Timing,
) {
    let elems = rows * len;
    let gbps = (elems * bytes_per_elem) as f64 / fused.median.as_secs_f64() / 1e9;
    println!(
        "| {backend:<5} | {kernel:<12} | {rows:>3}×{len:<7} | {:>8.3} ({:.3}–{:.3}) | {:>8.3} ({:.3}–{:.3}) | {:>5.2}× | {gbps:>6.2} |",
        ms(fused.median),
        ms(fused.min),
        ms(fused.max),
        ms(unfused.median),
        ms(unfused.min),
        ms(unfused.max),
        unfused.median.as_secs_f64() / fused.median.as_secs_f64(),
    );
}

fn bench_backend<B: FusedKernels>(name: &str, device: &B::Device) {
    for &(rows, len) in &SIZES {
        let x0 = Tensor::<B, 2>::random([rows, len], Distribution::Normal(0.0, 1.0), device);
        let a: Vec<f32> = (0..rows).map(|i| 1.0 - i as f32 / rows as f32).collect();
        let b: Vec<f32> = a.iter().map(|v| (1.0 - v * v).sqrt()).collect();
        let params = NoisingParams {
            signal_scale: a.clone(),
            noise_std: b.clone(),
            key: NoiseKey::new(0, 0),
            first_sample: 0,
        };
        let fused = time(|| {
            let out = noise(x0.clone(), &params, NoisingTarget::Epsilon).unwrap();
            B::sync(device).unwrap();
            drop(out);
        });
        let unfused = time(|| {
            let eps = Tensor::<B, 2>::random([rows, len], Distribution::Normal(0.0, 1.0), device);
            let x_t = x0.clone() * per_sample::<B>(&a, device)
                + eps.clone() * per_sample::<B>(&b, device);
            B::sync(device).unwrap();
            drop((x_t, eps));
        });
        // Fused noising reads x₀ and writes x_t and ε: 12 bytes per element.
        report(name, "noising", rows, len, 12, fused, unfused);

        let d = x0.clone() * 0.5;
        let d_prev = x0.clone() * 0.25;
        let step = StepParams {
            c_x: a.clone(),
            c_d: b.clone(),
            c_p: vec![0.1; rows],
            c_z: vec![0.2; rows],
            key: NoiseKey::new(0, 1),
            first_sample: 0,
        };
        let fused = time(|| {
            let out = sampler_step(x0.clone(), d.clone(), Some(d_prev.clone()), &step).unwrap();
            B::sync(device).unwrap();
            drop(out);
        });
        let unfused = time(|| {
            let z = Tensor::<B, 2>::random([rows, len], Distribution::Normal(0.0, 1.0), device);
            let out = x0.clone() * per_sample::<B>(&step.c_x, device)
                + d.clone() * per_sample::<B>(&step.c_d, device)
                + d_prev.clone() * per_sample::<B>(&step.c_p, device)
                + z * per_sample::<B>(&step.c_z, device);
            B::sync(device).unwrap();
            drop(out);
        });
        // Fused step reads x, D, D_prev and writes x_next: 16 bytes per element.
        report(name, "sampler step", rows, len, 16, fused, unfused);
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported by this harness.
    let device = WgpuDevice::DefaultDevice;
    println!("wgpu adapter: {}", <Wgpu as Backend>::name(&device));
    println!("| backend | kernel | rows×len | fused ms (min–max) | unfused ms (min–max) | unfused/fused | fused GB/s |");
    println!("|---|---|---|---|---|---|---|");
    bench_backend::<Wgpu>("wgpu", &device);
    bench_backend::<Flex>("flex", &Default::default());
}
