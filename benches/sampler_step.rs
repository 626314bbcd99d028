//! One sampler step against diffusers' `DDIMScheduler.step`, side by side in one run.
//!
//! The workload is the work a sampling loop does per step outside the network: given the state
//! x and the network's ε output, form x₀ and take the DDIM (η = 0) update, on a 64×1×28×28
//! batch at step 26 of a 50-step "leading" DDIM schedule on diffusers' DDPM table (the
//! `sampling` benchmark's schedule). Ours runs that one step of the plan through
//! [`Run`](diffusion::sampling::Run) on burn flex (ε → x₀ and the fused sampler-step kernel),
//! the network replaced by a fixed ε; diffusers runs
//! `benches/reference/sampler_step_torch.py`.
//!
//! Run with `cargo xtask bench step` (or `cargo bench --bench sampler_step`); prints one line
//! and appends a result row for `cargo xtask bench`. `--tiny` (or `DIFFUSION_BENCH_TINY=1`):
//! batch 4, 5 repeats. This is also the bench target `cargo test` runs (tiny, no reference),
//! so that the test suite checks a benchmark binary runs.

mod common;

use std::path::Path;

use burn::backend::Flex;
use burn::tensor::backend::Backend;
use burn::tensor::{Distribution, Tensor};
use common::rows::MS_KEYS;
use common::{ms, reference, time_with, Mode, Recorder, Row, Spread, NO_REFERENCE};
use diffusion::math::discrete::{BetaSchedule, DiffusersTable, DiscreteVp, TimestepSpacing};
use diffusion::math::{ForwardProcess, Prediction};
use diffusion::sampling::grid::TimeSpacing;
use diffusion::sampling::samplers::Ddim;
use diffusion::sampling::{
    Denoiser, NoiseIdentity, PlanOptions, Run, Sampler, SamplingPlan, SamplingResult,
};

/// Steps of the schedule and the one that is timed (as in the reference script).
const STEPS: usize = 50;
const STEP_INDEX: usize = 25;

/// A stand-in network: returns the same ε for any input, so only the step is timed.
struct FixedEpsilon {
    process: DiscreteVp,
    epsilon: Tensor<Flex, 4>,
}

impl Denoiser<Flex, 4> for FixedEpsilon {
    fn process(&self) -> &dyn ForwardProcess {
        &self.process
    }
    fn prediction(&self) -> Prediction {
        Prediction::Epsilon
    }
    fn predict(
        &self,
        _x: Tensor<Flex, 4>,
        _t: f64,
        _labels: Option<&[usize]>,
    ) -> SamplingResult<Tensor<Flex, 4>> {
        Ok(self.epsilon.clone())
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mode = Mode::from_env();
    let recorder = Recorder::start(mode.tiny);
    let batch = mode.pick(64, 4);
    let (warmup, repeats) = mode.pick((20, 200), (1, 5));
    let device = Default::default();
    let table = DiffusersTable::new(BetaSchedule::DDPM, 1000, false).expect("table");
    let process =
        DiscreteVp::new(table.alphas_cumprod.iter().map(|&a| a as f64).collect()).expect("process");
    let options = PlanOptions::new(TimeSpacing::Diffusers {
        spacing: TimestepSpacing::Leading,
        steps_offset: 0,
    });
    let sampler = Sampler::Ddim(Ddim {
        eta: 0.0,
        final_alpha_one: true,
    });
    let full = sampler.plan(&process, STEPS, &options).expect("plan");
    let plan = SamplingPlan {
        steps: vec![full.steps[STEP_INDEX].clone()],
        ..full
    };
    let shape = [batch, 1, 28, 28];
    let model = FixedEpsilon {
        process,
        epsilon: Tensor::random(shape, Distribution::Normal(0.0, 1.0), &device),
    };
    let x = Tensor::<Flex, 4>::random(shape, Distribution::Normal(0.0, 1.0), &device);
    let noise = NoiseIdentity {
        seed: 0,
        first_sample: 0,
    };
    let timing = time_with(warmup, repeats, || {
        let next = Run::new(&plan, &model, None, noise)
            .run_from(x.clone(), 0)
            .expect("step");
        Flex::sync(&device).expect("sync");
        drop(next);
    });
    let ours = Spread::of(&timing);

    let (batch_arg, warmup_arg, repeats_arg) =
        (batch.to_string(), warmup.to_string(), repeats.to_string());
    let theirs = reference(
        root,
        mode,
        "benches/reference/sampler_step_torch.py",
        &[
            "--batch",
            &batch_arg,
            "--warmup",
            &warmup_arg,
            "--repeats",
            &repeats_arg,
        ],
    );
    let reference_name = theirs.as_ref().map_or(NO_REFERENCE, |t| t.1.as_str());
    let spread = theirs
        .as_ref()
        .and_then(|(j, _)| Spread::from_reference(j, MS_KEYS, repeats));
    println!(
        "One DDIM step (ε → x₀, update), {batch}×1×28×28, machine: {}\n\
         ours (flex): {:.4} ms ({:.4}–{:.4})\n{reference_name}: {}",
        recorder.machine(),
        ms(timing.median),
        ms(timing.min),
        ms(timing.max),
        spread.map_or("–".into(), |s| format!(
            "{:.4} ms ({:.4}–{:.4}), diffusers/ours {:.2}",
            s.median_ms,
            s.min_ms,
            s.max_ms,
            s.median_ms / ours.median_ms
        )),
    );
    recorder.emit(&Row {
        bench: "step",
        workload: format!("one DDIM sampler step (ε → x₀, update), {batch}×1×28×28"),
        backend: "flex".into(),
        ours,
        reference_name: reference_name.to_string(),
        reference: spread,
    });
}
