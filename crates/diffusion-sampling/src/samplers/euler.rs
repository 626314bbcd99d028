//! Euler on the probability-flow ODE in σ (Karras et al. 2022, Algorithm 2 without the second
//! stage), optionally with churn, on `x̃ = x/s`:
//!
//! | step | formula | source |
//! |---|---|---|
//! | churn | `σ̂ = σ(1 + γ)`, `x̃ ← x̃ + S_noise·√(σ̂² − σ²)·z` with `γ = min(S_churn/n, √2 − 1)` on `σ ∈ [S_tmin, S_tmax]` | Karras et al. 2022, Alg. 2 lines 4–6 |
//! | Euler | `x̃ ← x̃ + (σ_next − σ̂)(x̃ − D)/σ̂` | Alg. 2 lines 7–8 |
//! | Heun's correction | `x̃ ← x̃ + (σ_next − σ̂)·½(d + d')` where `σ_next > 0` | Alg. 2 lines 9–11 |
//!
//! The loop is written once here for both Euler and Heun (`heun.rs`).

use diffusion_math::sampler_coefficients::{self as coef, StepCoefficients};
use diffusion_math::ProcessPoint;

use super::edm_view::{at_sigma, evaluation, plan, sigma_nodes, step};
use super::method::{PlanRequest, SamplerInfo, SamplerMethod};
use super::Churn;
use crate::error::{SamplingError, SamplingResult};
use crate::grid::time_at_sigma_tilde;
use crate::plan::SamplingPlan;

/// Euler in σ with optional churn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Euler {
    /// Stochastic churn.
    pub churn: Churn,
}

impl SamplerMethod for Euler {
    const INFO: SamplerInfo = SamplerInfo::new(
        "euler",
        "Euler on the probability-flow ODE in σ (Karras et al. 2022)",
    );

    fn with_defaults(_eta: f64) -> Self {
        Euler { churn: Churn::NONE }
    }

    fn plan(&self, request: &PlanRequest) -> SamplingResult<SamplingPlan> {
        churned_euler(request, self.churn, false)
    }
}

/// Euler (`heun = false`) or Heun (`heun = true`) with optional churn.
pub(super) fn churned_euler(
    request: &PlanRequest,
    churn: Churn,
    heun: bool,
) -> SamplingResult<SamplingPlan> {
    let PlanRequest { process, steps, .. } = *request;
    if !(churn.s_churn >= 0.0 && churn.s_noise >= 0.0) {
        return Err(SamplingError::invalid(
            "churn",
            "s_churn and s_noise must be ≥ 0",
        ));
    }
    let (times, sigmas) = sigma_nodes(request)?;
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
