//! Samplers on the process's own state `x`: DDPM, DDIM, DPM-Solver++(2M) (ODE and SDE),
//! Euler–Maruyama, predictor–corrector and flow Euler.

use diffusion_math::sampler_coefficients::{self as coef, StepCoefficients};
use diffusion_math::{ForwardProcess, ProcessPoint};

use super::{DdpmVariance, PlanOptions, Predictor};
use crate::denoiser::Evaluation;
use crate::error::{SamplingError, SamplingResult};
use crate::grid::{clean_point, evaluation_times, DiffusersFlavour, TimeSpacing};
use crate::plan::{Marginal, PlannedStep, SamplingPlan, StepKind};

/// The evaluation at time t of the unscaled state.
fn evaluation(process: &dyn ForwardProcess, t: f64) -> Evaluation {
    Evaluation {
        t,
        point: process.point_unchecked(t),
        input_scale: 1.0,
    }
}

fn marginal(p: &ProcessPoint) -> Marginal {
    Marginal {
        signal: p.signal_scale,
        noise: p.noise_std,
    }
}

fn update(at: Evaluation, coefficients: StepCoefficients, uses_previous: bool) -> PlannedStep {
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
fn plan(steps: Vec<PlannedStep>) -> SamplingPlan {
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
fn nodes(
    process: &dyn ForwardProcess,
    steps: usize,
    options: &PlanOptions,
    flavour: DiffusersFlavour,
) -> SamplingResult<(Vec<f64>, Vec<ProcessPoint>)> {
    let times = evaluation_times(process, steps, options.spacing, flavour, options.t_end)?;
    let mut targets: Vec<ProcessPoint> = times[1..]
        .iter()
        .map(|&t| process.point_unchecked(t))
        .collect();
    targets.push(clean_point(process));
    Ok((times, targets))
}

/// DDPM, strided: from each evaluation time to the next (diffusers' `previous_timestep`).
pub(super) fn ddpm(
    process: &dyn ForwardProcess,
    steps: usize,
    options: &PlanOptions,
    variance: DdpmVariance,
) -> SamplingResult<SamplingPlan> {
    let (times, targets) = nodes(process, steps, options, DiffusersFlavour::Ddim)?;
    let steps = times
        .iter()
        .zip(&targets)
        .map(|(&t, to)| {
            let at = evaluation(process, t);
            let c = match variance {
                DdpmVariance::FixedSmall => coef::ddim(&at.point, to, 1.0)?,
                DdpmVariance::FixedLarge => coef::ddpm_fixed_large(&at.point, to, t == 0.0)?,
            };
            Ok(update(at, c, false))
        })
        .collect::<SamplingResult<_>>()?;
    Ok(plan(steps))
}

/// DDIM(η). With diffusers spacing the step goes to `t − N/n` as diffusers' DDIMScheduler does
/// (which differs from the next evaluation time when n does not divide N); below timestep 0 it
/// goes to the data (`final_alpha_one`) or to timestep 0.
pub(super) fn ddim(
    process: &dyn ForwardProcess,
    steps: usize,
    options: &PlanOptions,
    eta: f64,
    final_alpha_one: bool,
) -> SamplingResult<SamplingPlan> {
    let (times, mut targets) = nodes(process, steps, options, DiffusersFlavour::Ddim)?;
    let first = if final_alpha_one {
        clean_point(process)
    } else {
        process.point_unchecked(process.t_min())
    };
    if matches!(options.spacing, TimeSpacing::Diffusers { .. }) {
        let train = process.num_train_timesteps().unwrap_or(1);
        let ratio = (train / steps) as f64;
        targets = times
            .iter()
            .map(|&t| {
                let prev = t - ratio;
                if prev >= 0.0 {
                    process.point_unchecked(prev)
                } else {
                    first
                }
            })
            .collect();
    } else if let Some(last) = targets.last_mut() {
        *last = first;
    }
    let steps = times
        .iter()
        .zip(&targets)
        .map(|(&t, to)| {
            let at = evaluation(process, t);
            Ok(update(at, coef::ddim(&at.point, to, eta)?, false))
        })
        .collect::<SamplingResult<_>>()?;
    Ok(plan(steps))
}

/// DPM-Solver++(2M), or its SDE variant: first order on the first step, second order after,
/// and first order into σ = 0 (diffusers' `final_sigmas_type="zero"`).
pub(super) fn dpm_solver(
    process: &dyn ForwardProcess,
    steps: usize,
    options: &PlanOptions,
    sde: bool,
) -> SamplingResult<SamplingPlan> {
    let (times, targets) = nodes(process, steps, options, DiffusersFlavour::DpmSolver)?;
    let points: Vec<ProcessPoint> = times.iter().map(|&t| process.point_unchecked(t)).collect();
    let steps = times
        .iter()
        .enumerate()
        .map(|(k, &t)| {
            let at = evaluation(process, t);
            let prev = k.checked_sub(1).map(|j| &points[j]);
            let step = |prev| {
                if sde {
                    coef::dpm_solver_pp_2m_sde(prev, &at.point, &targets[k])
                } else {
                    coef::dpm_solver_pp_2m(prev, &at.point, &targets[k])
                }
            };
            let c = step(prev);
            let mut planned = update(at, c, prev.is_some() && c.c_p != 0.0);
            if planned.uses_previous {
                planned.first_order = Some(step(None));
            }
            planned
        })
        .collect();
    Ok(plan(steps))
}

/// The last step of the SDE and flow samplers: `x₀ = D` at the final evaluation (Song et al.
/// 2021's "denoise" option).
fn denoising_step(process: &dyn ForwardProcess, t: f64) -> SamplingResult<PlannedStep> {
    let at = evaluation(process, t);
    Ok(update(
        at,
        coef::ddim(&at.point, &clean_point(process), 0.0)?,
        false,
    ))
}

/// Runs `step` between consecutive evaluation times and ends with a denoising step.
fn stepped(
    process: &dyn ForwardProcess,
    steps: usize,
    options: &PlanOptions,
    mut step: impl FnMut(Evaluation, &ProcessPoint) -> SamplingResult<Vec<PlannedStep>>,
    mut last: impl FnMut(Evaluation) -> SamplingResult<Vec<PlannedStep>>,
) -> SamplingResult<SamplingPlan> {
    let (times, targets) = nodes(process, steps, options, DiffusersFlavour::Ddim)?;
    let mut planned = Vec::new();
    for (k, &t) in times.iter().enumerate() {
        let at = evaluation(process, t);
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
    process: &dyn ForwardProcess,
    steps: usize,
    options: &PlanOptions,
    method: fn(&ProcessPoint, &ProcessPoint) -> StepCoefficients,
) -> SamplingResult<SamplingPlan> {
    stepped(
        process,
        steps,
        options,
        |at, to| Ok(vec![update(at, method(&at.point, to), false)]),
        |at| Ok(vec![denoising_step(process, at.t)?]),
    )
}

/// Predictor–corrector: at each time, `corrector_steps` Langevin steps at the target SNR, then
/// the predictor to the next time; at the last time the correctors then the denoising step.
pub(super) fn predictor_corrector(
    process: &dyn ForwardProcess,
    steps: usize,
    options: &PlanOptions,
    predictor: Predictor,
    corrector_steps: usize,
    snr: f64,
) -> SamplingResult<SamplingPlan> {
    if !(snr.is_finite() && snr > 0.0) {
        return Err(SamplingError::invalid(
            "corrector snr",
            format!("{snr} must be positive (Song et al. use 0.01–0.17)"),
        ));
    }
    let correctors = |at: Evaluation, to: &ProcessPoint| -> Vec<PlannedStep> {
        let ratio = at.point.signal_scale / to.signal_scale;
        let alpha = (ratio * ratio).min(1.0);
        (0..corrector_steps)
            .map(|i| PlannedStep {
                evaluation: Some(at),
                coefficients: StepCoefficients::default(),
                uses_previous: false,
                first_order: None,
                kind: StepKind::Langevin { snr, alpha },
                starts_at: (i == 0).then(|| marginal(&at.point)),
            })
            .collect()
    };
    let clean = clean_point(process);
    stepped(
        process,
        steps,
        options,
        |at, to| {
            let mut out = correctors(at, to);
            let c = match predictor {
                Predictor::ReverseDiffusion => coef::ddim(&at.point, to, 1.0)?,
                Predictor::EulerMaruyama => coef::euler_maruyama(&at.point, to),
            };
            let mut p = update(at, c, false);
            if corrector_steps > 0 {
                p.starts_at = None;
            }
            out.push(p);
            Ok(out)
        },
        |at| {
            let mut out = correctors(at, &clean);
            let mut d = denoising_step(process, at.t)?;
            if corrector_steps > 0 {
                d.starts_at = None;
            }
            out.push(d);
            Ok(out)
        },
    )
}
