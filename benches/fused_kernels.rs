//! Fused kernels against the unfused burn expressions they replace, side by side in one run.
//!
//! Run with `cargo xtask bench` (or `cargo bench --bench fused_kernels`). For each backend
//! (wgpu: lavapipe on a machine without a GPU, a real device otherwise; flex on the CPU) and
//! each size, it times
//! - noising: fused `noise(x0, a, b, ε target)` vs `randn`, two multiplies, an add;
//! - sampler step: fused `sampler_step` vs `x·c_x + D·c_d + D_prev·c_p + randn·c_z`;
//!
//! and prints medians over repeats (with min–max), the unfused/fused ratio, the fused kernel's
//! effective bandwidth (bytes read + written per second) and, on GPU backends, that bandwidth as
//! a fraction of the device's measured copy bandwidth (a 128-bit vector copy kernel, the ceiling
//! for a kernel that touches each byte once). `-- --no-wgpu` skips wgpu. `-- --cuda` (with `--features cuda`) adds the
//! CUDA backend. The table is also written to target/bench/fused_kernels.md, and each line is
//! a result row for `cargo xtask bench` (reference: the unfused expression). `--tiny` (or
//! `DIFFUSION_BENCH_TINY=1`) times one 4×784 batch with few repeats.

mod common;

use common::{ms, time_with, Mode, Recorder, Row as ResultRow, Spread, Timing};

use burn::backend::wgpu::{Wgpu, WgpuDevice};
use burn::backend::Flex;
use burn::tensor::backend::Backend;
use burn::tensor::{Distribution, Tensor};
use cubecl::prelude::*;
use diffusion::kernels::{
    noise, sampler_step, FusedKernels, NoiseKey, NoisingParams, NoisingTarget, StepParams,
};

/// (rows, elements per row): an MNIST batch, a CIFAR-10 batch, and 4 Mi elements.
const SIZES: [(usize, usize); 3] = [(64, 784), (64, 3 * 32 * 32), (16, 262_144)];
/// The tiny mode's one size.
const TINY_SIZES: [(usize, usize); 1] = [(4, 784)];
const WARMUP: usize = 3;
const REPEATS: usize = 15;

/// What every measurement of a run shares: the size mode and the result-row recorder.
struct Bench {
    mode: Mode,
    recorder: Recorder,
}

impl Bench {
    fn sizes(&self) -> &'static [(usize, usize)] {
        self.mode.pick(&SIZES[..], &TINY_SIZES[..])
    }

    fn time<F: FnMut()>(&self, run: F) -> Timing {
        time_with(self.mode.pick(WARMUP, 1), self.mode.pick(REPEATS, 3), run)
    }
}

fn per_sample<B: Backend>(values: &[f32], device: &B::Device) -> Tensor<B, 2> {
    Tensor::<B, 1>::from_floats(values, device).reshape([values.len(), 1])
}

/// Median bandwidth (GB/s, bytes read + written) of a device copy of `len` f32.
fn copy_bandwidth<R: Runtime>(bench: &Bench, client: &ComputeClient<R>, len: usize) -> f64 {
    let input = client.create_from_slice(f32::as_bytes(&vec![1.0f32; len]));
    let out = client.empty(len * 4);
    let t = bench.time(|| {
        diffusion::kernels::cube::launch_copy(client, &input, &out, len);
        futures_lite::future::block_on(client.sync()).unwrap();
    });
    (len * 8) as f64 / t.median.as_secs_f64() / 1e9
}

/// One measured workload, printed and kept for the Markdown table.
struct Row<'a> {
    backend: &'a str,
    kernel: &'a str,
    rows: usize,
    len: usize,
    bytes_per_elem: usize,
    fused: Timing,
    unfused: Timing,
    copy_gbps: Option<f64>,
}

fn report(bench: &Bench, table: &mut Vec<String>, r: Row<'_>) {
    let gbps = (r.rows * r.len * r.bytes_per_elem) as f64 / r.fused.median.as_secs_f64() / 1e9;
    let of_copy = r
        .copy_gbps
        .map_or("n/a".to_string(), |c| format!("{:.0}%", 100.0 * gbps / c));
    let line = format!(
        "| {:<5} | {:<12} | {:>3}×{:<7} | {:>8.3} ({:.3}–{:.3}) | {:>8.3} ({:.3}–{:.3}) | {:>5.2}× | {gbps:>6.2} | {of_copy:>5} |",
        r.backend,
        r.kernel,
        r.rows,
        r.len,
        ms(r.fused.median),
        ms(r.fused.min),
        ms(r.fused.max),
        ms(r.unfused.median),
        ms(r.unfused.min),
        ms(r.unfused.max),
        r.unfused.median.as_secs_f64() / r.fused.median.as_secs_f64(),
    );
    println!("{line}");
    table.push(line);
    bench.recorder.emit(&ResultRow {
        bench: "kernels",
        workload: format!("{} {}×{} (fused kernel)", r.kernel, r.rows, r.len),
        backend: r.backend.to_string(),
        ours: Spread::of(&r.fused),
        reference_name: "unfused burn".to_string(),
        reference: Some(Spread::of(&r.unfused)),
    });
}

fn bench_backend<B: FusedKernels>(
    bench: &Bench,
    table: &mut Vec<String>,
    name: &str,
    device: &B::Device,
    copy_gbps: Option<f64>,
) {
    for &(rows, len) in bench.sizes() {
        let x0 = Tensor::<B, 2>::random([rows, len], Distribution::Normal(0.0, 1.0), device);
        let a: Vec<f32> = (0..rows).map(|i| 1.0 - i as f32 / rows as f32).collect();
        let b: Vec<f32> = a.iter().map(|v| (1.0 - v * v).sqrt()).collect();
        let params = NoisingParams {
            signal_scale: a.clone(),
            noise_std: b.clone(),
            key: NoiseKey::new(0, 0),
            first_sample: 0,
        };
        let fused = bench.time(|| {
            let out = noise(x0.clone(), &params, NoisingTarget::Epsilon).unwrap();
            B::sync(device).unwrap();
            drop(out);
        });
        let unfused = bench.time(|| {
            let eps = Tensor::<B, 2>::random([rows, len], Distribution::Normal(0.0, 1.0), device);
            let x_t = x0.clone() * per_sample::<B>(&a, device)
                + eps.clone() * per_sample::<B>(&b, device);
            B::sync(device).unwrap();
            drop((x_t, eps));
        });
        // Fused noising reads x₀ and writes x_t and ε: 12 bytes per element.
        report(
            bench,
            table,
            Row {
                backend: name,
                kernel: "noising",
                rows,
                len,
                bytes_per_elem: 12,
                fused,
                unfused,
                copy_gbps,
            },
        );

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
        let fused = bench.time(|| {
            let out = sampler_step(x0.clone(), d.clone(), Some(d_prev.clone()), &step).unwrap();
            B::sync(device).unwrap();
            drop(out);
        });
        let unfused = bench.time(|| {
            let z = Tensor::<B, 2>::random([rows, len], Distribution::Normal(0.0, 1.0), device);
            let out = x0.clone() * per_sample::<B>(&step.c_x, device)
                + d.clone() * per_sample::<B>(&step.c_d, device)
                + d_prev.clone() * per_sample::<B>(&step.c_p, device)
                + z * per_sample::<B>(&step.c_z, device);
            B::sync(device).unwrap();
            drop(out);
        });
        // Fused step reads x, D, D_prev and writes x_next: 16 bytes per element.
        report(
            bench,
            table,
            Row {
                backend: name,
                kernel: "sampler step",
                rows,
                len,
                bytes_per_elem: 16,
                fused,
                unfused,
                copy_gbps,
            },
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = Mode::from_env();
    let bench = Bench {
        mode,
        recorder: Recorder::start(mode.tiny),
    };
    let largest = bench.sizes().iter().map(|(r, l)| r * l).max().unwrap();
    let mut table = vec![
        "| backend | kernel | rows×len | fused ms (min–max) | unfused ms (min–max) | unfused/fused | fused GB/s | of copy |".to_string(),
        "|---|---|---|---|---|---|---|---|".to_string(),
    ];
    // `--no-wgpu` skips wgpu (a machine whose Vulkan driver is not reachable, e.g. a headless
    // CUDA box without its ICD), so the CUDA and flex rows still come out.
    if !args.iter().any(|a| a == "--no-wgpu") {
        let device = WgpuDevice::DefaultDevice;
        let wgpu_client = cubecl::wgpu::WgpuRuntime::client(&device);
        let wgpu_copy = copy_bandwidth(&bench, &wgpu_client, largest);
        println!(
            "wgpu: {}, device copy {wgpu_copy:.2} GB/s",
            <Wgpu as Backend>::name(&device)
        );
        for line in &table {
            println!("{line}");
        }
        bench_backend::<Wgpu>(&bench, &mut table, "wgpu", &device, Some(wgpu_copy));
    }
    if args.iter().any(|a| a == "--cuda") {
        run_cuda(&bench, &mut table, largest);
    }
    bench_backend::<Flex>(&bench, &mut table, "flex", &Default::default(), None);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join("fused_kernels.md"), table.join("\n") + "\n"));
    match written {
        Ok(()) => println!(
            "table written to {}",
            dir.join("fused_kernels.md").display()
        ),
        Err(e) => eprintln!("could not write the table under {}: {e}", dir.display()),
    }
}

#[cfg(feature = "cuda")]
fn run_cuda(bench: &Bench, table: &mut Vec<String>, largest: usize) {
    use burn::backend::Cuda;
    let device = Default::default();
    let client = cubecl::cuda::CudaRuntime::client(&device);
    let copy = copy_bandwidth(bench, &client, largest);
    println!("cuda: device copy {copy:.2} GB/s");
    bench_backend::<Cuda>(bench, table, "cuda", &device, Some(copy));
}

#[cfg(not(feature = "cuda"))]
fn run_cuda(_bench: &Bench, _table: &mut Vec<String>, _largest: usize) {
    eprintln!("--cuda needs the benchmark built with `--features cuda` (cargo xtask bench --cuda)");
}
