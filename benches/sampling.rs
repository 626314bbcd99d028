//! Sampling against diffusers on the same CPU, side by side in one run: 16 MNIST-size images,
//! 50 DDIM steps, the class-conditional MNIST U-Net (the `unet` benchmark's configuration), ours
//! on burn flex with the fused sampler-step kernel, theirs `DDIMScheduler` driving the same
//! architecture in PyTorch (`benches/reference/sampling_torch.py`).
//!
//! Run with `cargo xtask bench sampling` (or `cargo bench --bench sampling`). Besides the total,
//! both sides report the share of time spent outside the network (scheduler, noise, loop).
//! Results go to target/bench/sampling.md and sampling.json, and as a result row for
//! `cargo xtask bench`; the ratio is diffusers / ours (above 1: ours faster). `--tiny` (or
//! `DIFFUSION_BENCH_TINY=1`): 2 images, 3 steps, 2 repeats.

mod common;

use std::cell::Cell;
use std::path::Path;
use std::time::{Duration, Instant};

use burn::backend::Flex;
use burn::tensor::Tensor;
use common::rows::MS_KEYS;
use common::{mnist_config, ms, reference, time_with, Mode, Recorder, Row, Spread, NO_REFERENCE};
use diffusion::math::discrete::{BetaSchedule, DiffusersTable, DiscreteVp, TimestepSpacing};
use diffusion::math::{ForwardProcess, Prediction};
use diffusion::model::{Network, UNet2DModel};
use diffusion::sampling::grid::TimeSpacing;
use diffusion::sampling::run::to_host;
use diffusion::sampling::samplers::Ddim;
use diffusion::sampling::{
    Denoiser, NetworkDenoiser, NoiseIdentity, PlanOptions, Run, Sampler, SamplingResult,
};

/// A denoiser that adds up the time its network takes.
struct Timed<M> {
    inner: M,
    spent: Cell<Duration>,
}

impl<M: Denoiser<Flex, 4>> Denoiser<Flex, 4> for Timed<M> {
    fn process(&self) -> &dyn ForwardProcess {
        self.inner.process()
    }
    fn prediction(&self) -> Prediction {
        self.inner.prediction()
    }
    fn predict(
        &self,
        x: Tensor<Flex, 4>,
        t: f64,
        labels: Option<&[usize]>,
    ) -> SamplingResult<Tensor<Flex, 4>> {
        let start = Instant::now();
        let out = self.inner.predict(x, t, labels);
        self.spent.set(self.spent.get() + start.elapsed());
        out
    }
    fn num_classes(&self) -> Option<usize> {
        self.inner.num_classes()
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mode = Mode::from_env();
    let recorder = Recorder::start(mode.tiny);
    let (batch, steps) = mode.pick((16, 50), (2, 3));
    let device = Default::default();
    let table = DiffusersTable::new(BetaSchedule::DDPM, 1000, false).expect("table");
    let process =
        DiscreteVp::new(table.alphas_cumprod.iter().map(|&a| a as f64).collect()).expect("process");
    let network = UNet2DModel::<Flex>::build(&mnist_config(), 0, &device).expect("model");
    let model = Timed {
        inner: NetworkDenoiser::new(network, process.clone(), Prediction::Epsilon),
        spent: Cell::new(Duration::ZERO),
    };
    let options = PlanOptions::new(TimeSpacing::Diffusers {
        spacing: TimestepSpacing::Leading,
        steps_offset: 0,
    });
    let sampler = Sampler::Ddim(Ddim {
        eta: 0.0,
        final_alpha_one: true,
    });
    let labels: Vec<usize> = (0..batch).map(|i| i % 10).collect();
    let mut outside = Vec::new();
    let (warmup, repeats) = mode.pick((1, 5), (0, 2));
    let timing = time_with(warmup, repeats, || {
        let start = Instant::now();
        model.spent.set(Duration::ZERO);
        let plan = sampler.plan(&process, steps, &options).expect("plan");
        let noise = NoiseIdentity {
            seed: 1,
            first_sample: 0,
        };
        let x = Run::<Flex, _, 4>::new(&plan, &model, Some(&labels), noise)
            .sample([batch, 1, 28, 28], &device)
            .expect("sample");
        let _ = to_host(x);
        let total = start.elapsed().as_secs_f64();
        outside.push((total - model.spent.get().as_secs_f64()) / total);
    });
    outside.sort_by(f64::total_cmp);
    let ours_outside = outside[outside.len() / 2];
    let (batch_arg, steps_arg) = (batch.to_string(), steps.to_string());
    let (warmup_arg, repeats_arg) = (warmup.to_string(), repeats.to_string());
    let reference = reference(
        root,
        mode,
        "benches/reference/sampling_torch.py",
        &[
            "--json",
            "--batch",
            &batch_arg,
            "--steps",
            &steps_arg,
            "--warmup",
            &warmup_arg,
            "--repeats",
            &repeats_arg,
        ],
    );
    let reference_name = reference.as_ref().map_or(NO_REFERENCE, |r| r.1.as_str());
    let theirs = reference
        .as_ref()
        .and_then(|(j, _)| j["workloads"].get("mnist_ddim50_b16").cloned());
    let spread = theirs
        .as_ref()
        .and_then(|t| Spread::from_reference(t, MS_KEYS, repeats));
    let ratio = spread.map(|s| s.median_ms / ms(timing.median));
    let theirs_text = match (&theirs, spread) {
        (Some(t), Some(s)) => format!(
            "{:.0} ({:.0}–{:.0}), outside the network {:.1}%",
            s.median_ms,
            s.min_ms,
            s.max_ms,
            100.0 * t["outside_network_fraction"].as_f64().unwrap_or(f64::NAN)
        ),
        _ => "–".into(),
    };
    let text = format!(
        "Sampling on the CPU: {batch} MNIST images, {steps} DDIM steps, ours (burn flex) vs diffusers\n\nmachine: {}\nreference: {reference_name}\n\n| workload | ours ms (min–max) | PyTorch ms (min–max) | PyTorch/ours (>1: ours faster) |\n|---|---|---|---|\n| mnist_ddim{steps}_b{batch} | {:.0} ({:.0}–{:.0}), outside the network {:.2}% | {theirs_text} | {} |\n",
        recorder.machine(),
        ms(timing.median),
        ms(timing.min),
        ms(timing.max),
        100.0 * ours_outside,
        ratio.map_or("–".into(), |r| format!("{r:.2}")),
    );
    println!("{text}");
    recorder.emit(&Row {
        bench: "sampling",
        workload: format!("sampling, {steps} DDIM steps, {batch} MNIST images (U-Net + sampler)"),
        backend: "flex".into(),
        ours: Spread::of(&timing),
        reference_name: reference_name.to_string(),
        reference: spread,
    });
    let out_dir = root.join("target/bench");
    let _ = std::fs::create_dir_all(&out_dir);
    let _ = std::fs::write(out_dir.join("sampling.md"), &text);
    let _ = std::fs::write(
        out_dir.join("sampling.json"),
        serde_json::to_string_pretty(&serde_json::json!({
            "machine": recorder.machine(),
            "mnist_ddim50_b16": {
                "batch": batch, "steps": steps,
                "ours_median_ms": ms(timing.median), "ours_min_ms": ms(timing.min),
                "ours_max_ms": ms(timing.max), "ours_outside_network_fraction": ours_outside,
                "reference": theirs, "ratio_reference_over_ours": ratio,
            }
        }))
        .unwrap_or_default(),
    );
}
