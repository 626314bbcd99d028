//! The process's own coordinates, shared by the samplers that step the state `x` itself (DDPM,
//! DDIM, DPM-Solver++(2M) and its SDE form, Euler–Maruyama, predictor–corrector, flow Euler):
//! evaluations of the unscaled state, the nodes a run steps between, and the single-stage loop
//! that ends with a denoising step.

use diffusion_math::sampler_coefficients::{self as coef, StepCoefficients};
use diffusion_math::{ForwardProcess, ProcessPoint};

use super::method::PlanRequest;
use crate::denoiser::Evaluation;
use crate::error::SamplingResult;
use crate::grid::{clean_point, evaluation_times, DiffusersFlavour};
use crate::plan::{Marginal, PlannedStep, SamplingPlan, StepKind};

/// The evaluation at time t of the unscaled state.
pub(super) fn evaluation(process: &dyn ForwardProcess, t: f64) -> Evaluation {
    Evaluation {
        t,
        point: process.point_unchecked(t),
        input_scale: 1.0,
    }
}

/// The marginal a state at `p` is on, for unit-variance data.
pub(super) fn marginal(p: &ProcessPoint) -> Marginal {
    Marginal {
        signal: p.signal_scale,
        noise: p.noise_std,
    }
}

/// An update step from the evaluation `at` (`uses_previous`: a multistep step).
pub(super) fn update(
    at: Evaluation,
    coefficients: StepCoefficients,
    uses_previous: bool,
) -> PlannedStep {
    PlannedStep {
        starts_at: Some(marginal(&at.point)),
        evaluation: Some(at),
        coefficients,
        uses_previous,
        first_order: None,
        kind: StepKind::Update,
    }
}

/// A plan whose initial noise matches the first step's marginal for unit-variance data.
pub(super) fn plan(steps: Vec<PlannedStep>) -> SamplingPlan {
    let initial_std = steps
        .first()
        .and_then(|s| s.starts_at)
        .map_or(1.0, |m| (m.signal * m.signal + m.noise * m.noise).sqrt());
    SamplingPlan {
        sampler: String::new(),
        initial_std,
        steps,
        clip: None,
    }
}

/// The evaluation times and the points each step goes to (the next time, then the data).
pub(super) fn nodes(
    request: &PlanRequest,
    flavour: DiffusersFlavour,
) -> SamplingResult<(Vec<f64>, Vec<ProcessPoint>)> {
    let PlanRequest {
        process,
        steps,
        options,
    } = *request;
    let times = evaluation_times(process, steps, options.spacing, flavour, options.t_end)?;
    let mut targets: Vec<ProcessPoint> = times[1..]
        .iter()
        .map(|&t| process.point_unchecked(t))
        .collect();
    targets.push(clean_point(process));
    Ok((times, targets))
}

/// The last step of the SDE and flow samplers: `x₀ = D` at the final evaluation (Song et al.
/// 2021's "denoise" option).
pub(super) fn denoising_step(process: &dyn ForwardProcess, t: f64) -> SamplingResult<PlannedStep> {
    let at = evaluation(process, t);
    Ok(update(
        at,
        coef::ddim(&at.point, &clean_point(process), 0.0)?,
        false,
    ))
}

/// Runs `step` between consecutive evaluation times and ends with a denoising step.
pub(super) fn stepped(
    request: &PlanRequest,
    mut step: impl FnMut(Evaluation, &ProcessPoint) -> SamplingResult<Vec<PlannedStep>>,
    mut last: impl FnMut(Evaluation) -> SamplingResult<Vec<PlannedStep>>,
) -> SamplingResult<SamplingPlan> {
    let (times, targets) = nodes(request, DiffusersFlavour::Ddim)?;
    let mut planned = Vec::new();
    for (k, &t) in times.iter().enumerate() {
        let at = evaluation(request.process, t);
        if k + 1 == times.len() {
            planned.extend(last(at)?);
        } else {
            planned.extend(step(at, &targets[k])?);
        }
    }
    Ok(plan(planned))
}

/// A one-evaluation-per-step method between consecutive times, then a final denoising step:
/// Euler–Maruyama on the reverse SDE ([`coef::euler_maruyama`]) or Euler on the probability-flow
/// ODE in process time ([`coef::euler`], the rectified-flow sampler for velocity models).
pub(super) fn single_stage(
    request: &PlanRequest,
    method: fn(&ProcessPoint, &ProcessPoint) -> StepCoefficients,
) -> SamplingResult<SamplingPlan> {
    stepped(
        request,
        |at, to| Ok(vec![update(at, method(&at.point, to), false)]),
        |at| Ok(vec![denoising_step(request.process, at.t)?]),
    )
}
