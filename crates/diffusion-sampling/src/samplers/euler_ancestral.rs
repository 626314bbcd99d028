//! Euler ancestral in σ (k-diffusion's `sample_euler_ancestral`, diffusers'
//! `EulerAncestralDiscreteScheduler`) on `x̃ = x/s`: split σ_next into
//! `σ_up = min(σ_next, η·√(σ_next²(σ² − σ_next²)/σ²))` and `σ_down = √(σ_next² − σ_up²)`, then
//! `x̃ ← x̃ + (σ_down − σ)(x̃ − D)/σ + σ_up·z` ([`coef::euler_ancestral`]).

use diffusion_math::sampler_coefficients as coef;
use diffusion_math::ProcessPoint;

use super::edm_view::{at_sigma, evaluation, plan, sigma_nodes, step};
use super::method::{PlanRequest, SamplerInfo, SamplerMethod};
use crate::error::SamplingResult;
use crate::plan::SamplingPlan;

/// Euler ancestral with noise fraction η.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EulerAncestral {
    /// η (1: full ancestral noise).
    pub eta: f64,
}

impl SamplerMethod for EulerAncestral {
    const INFO: SamplerInfo = SamplerInfo::new(
        "euler-ancestral",
        "Euler ancestral in σ (k-diffusion, diffusers' EulerAncestralDiscreteScheduler)",
    )
    .with_aliases(&["euler-a"]);

    fn with_defaults(_eta: f64) -> Self {
        EulerAncestral { eta: 1.0 }
    }

    fn plan(&self, request: &PlanRequest) -> SamplingResult<SamplingPlan> {
        let (times, sigmas) = sigma_nodes(request)?;
        let planned = times
            .iter()
            .enumerate()
            .map(|(k, &t)| {
                let c = coef::euler_ancestral(
                    &ProcessPoint::edm_view(sigmas[k]),
                    &ProcessPoint::edm_view(sigmas[k + 1]),
                    self.eta,
                )?;
                let at = evaluation(request.process, t);
                Ok(step(Some(at), c, false, Some(at_sigma(sigmas[k]))))
            })
            .collect::<SamplingResult<_>>()?;
        Ok(plan(planned, sigmas[0]))
    }
}
