//! Samplers on `x̃ = x/s` in the noise level `σ̃ = σ/s` (Karras et al. 2022): Euler and Heun
//! (with optional churn) and Euler ancestral, as diffusers' σ schedulers and k-diffusion run them.

use diffusion_math::sampler_coefficients::{self as coef, StepCoefficients};
use diffusion_math::{ForwardProcess, ProcessPoint};

use super::{Churn, PlanOptions};
use crate::denoiser::Evaluation;
use crate::error::{SamplingError, SamplingResult};
use crate::grid::{evaluation_times, time_at_sigma_tilde, DiffusersFlavour};
use crate::plan::{Marginal, PlannedStep, SamplingPlan, StepKind};

/// The evaluation at time t: the network gets `s(t)·x̃`.
fn evaluation(process: &dyn ForwardProcess, t: f64) -> Evaluation {
    let point = process.point_unchecked(t);
    Evaluation {
        t,
        point,
        input_scale: point.signal_scale,
    }
}

/// An update step (these samplers have no multistep fallback): `evaluation` is `None` for a pure
/// noise step, `uses_previous` marks Heun's correction, `starts_at` the σ̃ marginal the state
/// enters on (`None` mid-step).
fn step(
    evaluation: Option<Evaluation>,
    coefficients: StepCoefficients,
    uses_previous: bool,
    starts_at: Option<Marginal>,
) -> PlannedStep {
    PlannedStep {
        evaluation,
        coefficients,
        uses_previous,
        first_order: None,
        kind: StepKind::Update,
        starts_at,
    }
}

/// The marginal of `x̃` at noise level σ̃: `x₀ + σ̃ ε`.
fn at_sigma(sigma: f64) -> Marginal {
    Marginal {
        signal: 1.0,
        noise: sigma,
    }
}

/// Evaluation times and their σ̃, followed by σ̃ = 0.
fn sigma_nodes(
    process: &dyn ForwardProcess,
    steps: usize,
    options: &PlanOptions,
) -> SamplingResult<(Vec<f64>, Vec<f64>)> {
    let times = evaluation_times(
        process,
        steps,
        options.spacing,
        DiffusersFlavour::Sigma,
        options.t_end,
    )?;
    let mut sigmas: Vec<f64> = times
        .iter()
        .map(|&t| process.noise_std(t) / process.signal_scale(t))
        .collect();
    sigmas.push(0.0);
    Ok((times, sigmas))
}

fn plan(steps: Vec<PlannedStep>, first_sigma: f64) -> SamplingPlan {
    SamplingPlan {
        sampler: String::new(),
        initial_std: (1.0 + first_sigma * first_sigma).sqrt(),
        steps,
        clip: None,
    }
}

/// Euler (`heun = false`) or Heun (`heun = true`) with optional churn.
pub(super) fn euler(
    process: &dyn ForwardProcess,
    steps: usize,
    options: &PlanOptions,
    churn: Churn,
    heun: bool,
) -> SamplingResult<SamplingPlan> {
    if !(churn.s_churn >= 0.0 && churn.s_noise >= 0.0) {
        return Err(SamplingError::invalid(
            "churn",
            "s_churn and s_noise must be ≥ 0",
        ));
    }
    let (times, sigmas) = sigma_nodes(process, steps, options)?;
    let gamma_max = (churn.s_churn / steps as f64).min(std::f64::consts::SQRT_2 - 1.0);
    let mut planned = Vec::new();
    for (k, &t) in times.iter().enumerate() {
        let (sigma, sigma_next) = (sigmas[k], sigmas[k + 1]);
        let churned = gamma_max > 0.0 && (churn.s_tmin..=churn.s_tmax).contains(&sigma);
        let (at, sigma_hat) = if churned {
            let sigma_hat = sigma * (1.0 + gamma_max);
            let t_hat = time_at_sigma_tilde(process, sigma_hat)?;
            let noise = StepCoefficients {
                c_x: 1.0,
                c_z: churn.s_noise * (sigma_hat * sigma_hat - sigma * sigma).sqrt(),
                ..StepCoefficients::default()
            };
            planned.push(step(None, noise, false, Some(at_sigma(sigma))));
            (evaluation(process, t_hat), sigma_hat)
        } else {
            (evaluation(process, t), sigma)
        };
        let (from, to) = (
            ProcessPoint::edm_view(sigma_hat),
            ProcessPoint::edm_view(sigma_next),
        );
        let first = coef::euler(&from, &to);
        let starts_at = (!churned).then_some(at_sigma(sigma));
        planned.push(step(Some(at), first, false, starts_at));
        if heun && sigma_next > 0.0 {
            let second = coef::rebase_on_first_stage(coef::heun_second_stage(&from, &to), first)?;
            let at_next = evaluation(process, times[k + 1]);
            planned.push(step(Some(at_next), second, true, None));
        }
    }
    Ok(plan(planned, sigmas[0]))
}

/// Euler ancestral with noise fraction η.
pub(super) fn euler_ancestral(
    process: &dyn ForwardProcess,
    steps: usize,
    options: &PlanOptions,
    eta: f64,
) -> SamplingResult<SamplingPlan> {
    let (times, sigmas) = sigma_nodes(process, steps, options)?;
    let planned = times
        .iter()
        .enumerate()
        .map(|(k, &t)| {
            let c = coef::euler_ancestral(
                &ProcessPoint::edm_view(sigmas[k]),
                &ProcessPoint::edm_view(sigmas[k + 1]),
                eta,
            )?;
            let at = evaluation(process, t);
            Ok(step(Some(at), c, false, Some(at_sigma(sigmas[k]))))
        })
        .collect::<SamplingResult<_>>()?;
    Ok(plan(planned, sigmas[0]))
}
