//! Parity with diffusers' schedulers (fixtures from tests/fixtures/make_sampler_fixtures.py):
//! timestep tables, every single step, and whole 10-step trajectories with the stand-in model
//! and the noise diffusers used; the deterministic cases also through the fused kernel.
//!
//! Tolerance: `1e-5 · max(1, |expected|)` — the σ-view samplers carry states near 460 where one
//! f32 ulp is 3e-5, so an absolute 1e-5 cannot hold for diffusers itself.

mod common;

use burn::tensor::Tensor;
use common::{fixture, floats, process_of, stand_in_scalars, Cpu, StandIn};
use diffusion_math::discrete::{
    dpm_solver_timesteps, euler_timesteps, inference_timesteps, TimestepSpacing,
};
use diffusion_math::Prediction;
use diffusion_sampling::denoiser::x0_coefficients;
use diffusion_sampling::grid::TimeSpacing;
use diffusion_sampling::samplers::{Ddim, Ddpm, DdpmVariance, DpmSolverPp2m};
use diffusion_sampling::{NoiseIdentity, PlanOptions, Run, Sampler, SamplingPlan};
use serde_json::Value;

const TOL: f64 = 1e-5;

fn close(name: &str, ours: &[f64], theirs: &[f64]) {
    assert_eq!(ours.len(), theirs.len(), "{name}: length");
    for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
        assert!(
            (a - b).abs() <= TOL * b.abs().max(1.0),
            "{name}[{i}]: ours {a} vs diffusers {b}"
        );
    }
}

/// Our sampler, options and prediction for a fixture case.
fn setup(case: &Value) -> (Sampler, PlanOptions, Prediction) {
    let cfg = &case["full_config"];
    let spacing = TimestepSpacing::parse(cfg["timestep_spacing"].as_str().unwrap()).unwrap();
    let steps_offset = cfg["steps_offset"].as_u64().unwrap_or(0) as usize;
    let mut options = PlanOptions::new(TimeSpacing::Diffusers {
        spacing,
        steps_offset,
    });
    if cfg["clip_sample"].as_bool() == Some(true) {
        options.clip = Some(cfg["clip_sample_range"].as_f64().unwrap());
    }
    let prediction = Prediction::parse(cfg["prediction_type"].as_str().unwrap()).unwrap();
    let sampler = match case["scheduler"].as_str().unwrap() {
        "DDPMScheduler" => Sampler::Ddpm(Ddpm {
            variance: match cfg["variance_type"].as_str().unwrap() {
                "fixed_small" => DdpmVariance::FixedSmall,
                _ => DdpmVariance::FixedLarge,
            },
        }),
        "DDIMScheduler" => Sampler::Ddim(Ddim {
            eta: case["step_kwargs"]["eta"].as_f64().unwrap(),
            final_alpha_one: cfg["set_alpha_to_one"].as_bool().unwrap(),
        }),
        "EulerDiscreteScheduler" => Sampler::parse("euler", 0.0).unwrap(),
        "EulerAncestralDiscreteScheduler" => Sampler::parse("euler-ancestral", 0.0).unwrap(),
        "HeunDiscreteScheduler" => Sampler::parse("heun", 0.0).unwrap(),
        "DPMSolverMultistepScheduler" => Sampler::DpmSolverPp2m(DpmSolverPp2m),
        other => panic!("unexpected scheduler {other}"),
    };
    (sampler, options, prediction)
}

fn plan_of(case: &Value) -> (SamplingPlan, Prediction) {
    let (sampler, options, prediction) = setup(case);
    let process = process_of(&case["full_config"]);
    let steps = case["num_inference_steps"].as_u64().unwrap() as usize;
    (sampler.plan(&process, steps, &options).unwrap(), prediction)
}

/// One planned step on host f64 values with the given model output and noise; returns
/// `(x_next, D)`.
fn host_step(
    plan: &SamplingPlan,
    k: usize,
    prediction: Prediction,
    x: &[f64],
    output: &[f64],
    d_prev: Option<&[f64]>,
    noise: Option<&[f64]>,
) -> (Vec<f64>, Vec<f64>) {
    let step = &plan.steps[k];
    let at = step.evaluation.expect("every diffusers step evaluates");
    let (alpha, beta) = x0_coefficients(prediction, &at.point);
    let c = step.coefficients;
    let d: Vec<f64> = x
        .iter()
        .zip(output)
        .map(|(&xi, &o)| {
            let v = alpha * at.input_scale * xi + beta * o;
            plan.clip.map_or(v, |r| v.clamp(-r, r))
        })
        .collect();
    let next = (0..x.len())
        .map(|i| {
            let p = if step.uses_previous {
                d_prev.unwrap()[i]
            } else {
                0.0
            };
            let z = noise.map_or(0.0, |n| n[i]);
            c.c_x * x[i] + c.c_d * d[i] + c.c_p * p + c.c_z * z
        })
        .collect();
    (next, d)
}

fn stand_in_host(x: &[f64], t: f64) -> Vec<f64> {
    let (a, b) = stand_in_scalars(t);
    x.iter()
        .map(|&v| ((v as f32).tanh() * a + b) as f64)
        .collect()
}

#[test]
fn timesteps_match_every_case() {
    let fx = fixture();
    for case in fx["cases"].as_array().unwrap() {
        let (plan, _) = plan_of(case);
        let ours: Vec<f64> = plan
            .steps
            .iter()
            .filter_map(|s| s.evaluation.map(|e| e.t))
            .collect();
        close(
            &format!("{} timesteps", case["name"]),
            &ours,
            &floats(&case["timesteps"]),
        );
    }
}

#[test]
fn timestep_tables_match() {
    let fx = fixture();
    for table in fx["timestep_tables"].as_array().unwrap() {
        let spacing = TimestepSpacing::parse(table["timestep_spacing"].as_str().unwrap()).unwrap();
        let offset = table["steps_offset"].as_u64().unwrap() as usize;
        let n = table["num_inference_steps"].as_u64().unwrap() as usize;
        let ours: Vec<f64> = match table["scheduler"].as_str().unwrap() {
            "DDIMScheduler" => inference_timesteps(1000, n, spacing, offset)
                .unwrap()
                .into_iter()
                .map(|t| t as f64)
                .collect(),
            "DPMSolverMultistepScheduler" => dpm_solver_timesteps(1000, n, spacing, offset)
                .unwrap()
                .into_iter()
                .map(|t| t as f64)
                .collect(),
            _ => euler_timesteps(1000, n, spacing, offset).unwrap(),
        };
        close(&format!("{table}"), &ours, &floats(&table["timesteps"]));
    }
}

#[test]
fn single_steps_match_every_case() {
    let fx = fixture();
    for case in fx["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let (plan, prediction) = plan_of(case);
        let records = case["steps"].as_array().unwrap();
        assert_eq!(plan.steps.len(), records.len(), "{name}: number of steps");
        let mut d_prev: Option<Vec<f64>> = None;
        for (k, rec) in records.iter().enumerate() {
            let x = floats(&rec["sample_in"]);
            let scale = plan.steps[k].evaluation.unwrap().input_scale;
            let model_input: Vec<f64> = x.iter().map(|v| v * scale).collect();
            close(
                &format!("{name} step {k} model input"),
                &model_input,
                &floats(&rec["model_input"]),
            );
            let noise = (!rec["noise"].is_null()).then(|| floats(&rec["noise"]));
            let (next, d) = host_step(
                &plan,
                k,
                prediction,
                &x,
                &floats(&rec["model_output"]),
                d_prev.as_deref(),
                noise.as_deref(),
            );
            close(
                &format!("{name} step {k}"),
                &next,
                &floats(&rec["prev_sample"]),
            );
            d_prev = Some(d);
        }
    }
}

#[test]
fn ten_step_trajectories_match_every_case() {
    let fx = fixture();
    for case in fx["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let (plan, prediction) = plan_of(case);
        let mut x = floats(&case["initial_sample"]);
        let mut d_prev: Option<Vec<f64>> = None;
        for (k, rec) in case["steps"].as_array().unwrap().iter().enumerate() {
            let at = plan.steps[k].evaluation.unwrap();
            let input: Vec<f64> = x.iter().map(|v| v * at.input_scale).collect();
            let output = stand_in_host(&input, at.t);
            let noise = (!rec["noise"].is_null()).then(|| floats(&rec["noise"]));
            let (next, d) = host_step(
                &plan,
                k,
                prediction,
                &x,
                &output,
                d_prev.as_deref(),
                noise.as_deref(),
            );
            close(
                &format!("{name} trajectory after step {k}"),
                &next,
                &floats(&rec["prev_sample"]),
            );
            x = next;
            d_prev = Some(d);
        }
    }
}

#[test]
fn deterministic_trajectories_match_through_the_fused_kernel() {
    let fx = fixture();
    let device = Default::default();
    let mut checked = 0;
    for case in fx["cases"].as_array().unwrap() {
        let (plan, prediction) = plan_of(case);
        if plan.steps.iter().any(|s| s.coefficients.c_z != 0.0) {
            continue;
        }
        let model = StandIn {
            process: process_of(&case["full_config"]),
            prediction,
        };
        let init = Tensor::<Cpu, 4>::from_data(
            burn::tensor::TensorData::new(
                floats(&case["initial_sample"])
                    .iter()
                    .map(|&v| v as f32)
                    .collect::<Vec<_>>(),
                [2, 1, 4, 4],
            ),
            &device,
        );
        let noise = NoiseIdentity {
            seed: 0,
            first_sample: 0,
        };
        let out = Run::new(&plan, &model, None, noise)
            .run_from(init, 0)
            .unwrap();
        let ours: Vec<f64> = diffusion_sampling::run::to_host(out)
            .into_iter()
            .map(f64::from)
            .collect();
        let last = case["steps"].as_array().unwrap().last().unwrap();
        close(
            &format!("{} through the kernel", case["name"]),
            &ours,
            &floats(&last["prev_sample"]),
        );
        checked += 1;
    }
    assert!(checked >= 7, "only {checked} deterministic cases");
}
