//! Sampling against diffusers on the same CPU, side by side in one run: 16 MNIST-size images,
//! 50 DDIM steps, the class-conditional MNIST U-Net (the `unet` benchmark's configuration), ours
//! on burn flex with the fused sampler-step kernel, theirs `DDIMScheduler` driving the same
//! architecture in PyTorch (`benches/reference/sampling_torch.py`).
//!
//! Run with `cargo xtask bench sampling` (or `cargo bench --bench sampling`). Besides the total,
//! both sides report the share of time spent outside the network (scheduler, noise, loop).
//! Results go to target/bench/sampling.md and sampling.json.

mod common;

use std::cell::Cell;
use std::path::Path;
use std::time::{Duration, Instant};

use burn::backend::Flex;
use burn::tensor::Tensor;
use common::{machine, mnist_config, ms, reference, time_with, warn_if_loaded};
use diffusion::math::discrete::{BetaSchedule, DiffusersTable, DiscreteVp, TimestepSpacing};
use diffusion::math::{ForwardProcess, Prediction};
use diffusion::model::UNet2DModel;
use diffusion::sampling::grid::TimeSpacing;
use diffusion::sampling::run::to_host;
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
    warn_if_loaded();
    let device = Default::default();
    let table = DiffusersTable::new(BetaSchedule::DDPM, 1000, false).expect("table");
    let process =
        DiscreteVp::new(table.alphas_cumprod.iter().map(|&a| a as f64).collect()).expect("process");
    let network = UNet2DModel::<Flex>::new(&mnist_config(), 0, &device).expect("model");
    let model = Timed {
        inner: NetworkDenoiser::new(network, process.clone(), Prediction::Epsilon),
        spent: Cell::new(Duration::ZERO),
    };
    let options = PlanOptions::new(TimeSpacing::Diffusers {
        spacing: TimestepSpacing::Leading,
        steps_offset: 0,
    });
    let sampler = Sampler::Ddim {
        eta: 0.0,
        final_alpha_one: true,
    };
    let labels: Vec<usize> = (0..16).map(|i| i % 10).collect();
    let mut outside = Vec::new();
    let timing = time_with(1, 5, || {
        let start = Instant::now();
        model.spent.set(Duration::ZERO);
        let plan = sampler.plan(&process, 50, &options).expect("plan");
        let noise = NoiseIdentity {
            seed: 1,
            first_sample: 0,
        };
        let x = Run::<Flex, _, 4>::new(&plan, &model, Some(&labels), noise)
            .sample([16, 1, 28, 28], &device)
            .expect("sample");
        let _ = to_host(x);
        let total = start.elapsed().as_secs_f64();
        outside.push((total - model.spent.get().as_secs_f64()) / total);
    });
    outside.sort_by(f64::total_cmp);
    let ours_outside = outside[outside.len() / 2];
    let reference = reference(root, "benches/reference/sampling_torch.py", &["--json"]);
    let theirs = reference
        .as_ref()
        .and_then(|(j, _)| j["workloads"].get("mnist_ddim50_b16").cloned());
    let (theirs_text, ratio) = match &theirs {
        Some(t) => {
            let median = t["median_ms"].as_f64().unwrap_or(f64::NAN);
            (
                format!(
                    "{median:.0} ({:.0}–{:.0}), outside the network {:.1}%",
                    t["min_ms"].as_f64().unwrap_or(f64::NAN),
                    t["max_ms"].as_f64().unwrap_or(f64::NAN),
                    100.0 * t["outside_network_fraction"].as_f64().unwrap_or(f64::NAN)
                ),
                Some(ms(timing.median) / median),
            )
        }
        None => ("–".into(), None),
    };
    let text = format!(
        "Sampling on the CPU: 16 MNIST images, 50 DDIM steps, ours (burn flex) vs diffusers\n\nmachine: {}\nreference: {}\n\n| workload | ours ms (min–max) | PyTorch ms (min–max) | ratio ours/PyTorch |\n|---|---|---|---|\n| mnist_ddim50_b16 | {:.0} ({:.0}–{:.0}), outside the network {:.2}% | {theirs_text} | {} |\n",
        machine(),
        reference.as_ref().map(|r| r.1.as_str()).unwrap_or("not available (set DIFFUSION_REFERENCE_PYTHON or make .venv-reference)"),
        ms(timing.median),
        ms(timing.min),
        ms(timing.max),
        100.0 * ours_outside,
        ratio.map_or("–".into(), |r| format!("{r:.2}")),
    );
    println!("{text}");
    let out_dir = root.join("target/bench");
    let _ = std::fs::create_dir_all(&out_dir);
    let _ = std::fs::write(out_dir.join("sampling.md"), &text);
    let _ = std::fs::write(
        out_dir.join("sampling.json"),
        serde_json::to_string_pretty(&serde_json::json!({
            "machine": machine(),
            "mnist_ddim50_b16": {
                "ours_median_ms": ms(timing.median), "ours_min_ms": ms(timing.min),
                "ours_max_ms": ms(timing.max), "ours_outside_network_fraction": ours_outside,
                "reference": theirs, "ratio": ratio,
            }
        }))
        .unwrap_or_default(),
    );
}
