//! The EDM view `x̃ = x/s` in the noise level `σ̃ = σ/s` (Karras et al. 2022), shared by the
//! samplers that step in σ as diffusers' σ schedulers and k-diffusion do (Euler, Heun, Euler
//! ancestral): evaluations of the scaled state, the σ̃ nodes and the plan's initial noise.

use diffusion_math::sampler_coefficients::StepCoefficients;
use diffusion_math::ForwardProcess;

use super::method::PlanRequest;
use crate::denoiser::Evaluation;
use crate::error::SamplingResult;
use crate::grid::{evaluation_times, DiffusersFlavour};
use crate::plan::{Marginal, PlannedStep, SamplingPlan, StepKind};

/// The evaluation at time t: the network gets `s(t)·x̃`.
pub(super) fn evaluation(process: &dyn ForwardProcess, t: f64) -> Evaluation {
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
pub(super) fn step(
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
pub(super) fn at_sigma(sigma: f64) -> Marginal {
    Marginal {
        signal: 1.0,
        noise: sigma,
    }
}

/// Evaluation times and their σ̃, followed by σ̃ = 0.
pub(super) fn sigma_nodes(request: &PlanRequest) -> SamplingResult<(Vec<f64>, Vec<f64>)> {
    let PlanRequest {
        process,
        steps,
        options,
    } = *request;
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

/// A plan starting from noise of standard deviation `√(1 + σ̃₀²)` (unit-variance data).
pub(super) fn plan(steps: Vec<PlannedStep>, first_sigma: f64) -> SamplingPlan {
    SamplingPlan {
        sampler: String::new(),
        initial_std: (1.0 + first_sigma * first_sigma).sqrt(),
        steps,
        clip: None,
    }
}
