//! DDPM ancestral sampling (Ho et al. 2020, Algorithm 2), strided as diffusers'
//! `DDPMScheduler` does: from each evaluation time to the next (`previous_timestep`).
//!
//! | variance | step | source |
//! |---|---|---|
//! | fixed small | DDIM with η = 1: `σ² = β̃ = (1 − ᾱ_prev)/(1 − ᾱ_t)·(1 − ᾱ_t/ᾱ_prev)` | Ho et al. 2020, eq. 7 |
//! | fixed large | `σ² = β = 1 − ᾱ_t/ᾱ_prev` (no noise on the step from timestep 0, as diffusers) | Ho et al. 2020, §3.2 |

use diffusion_math::sampler_coefficients as coef;

use super::method::{PlanRequest, SamplerInfo, SamplerMethod, LEADING};
use super::process_view::{evaluation, nodes, plan, update};
use crate::error::SamplingResult;
use crate::grid::DiffusersFlavour;
use crate::plan::SamplingPlan;

/// DDPM's posterior variance choice (diffusers' `variance_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DdpmVariance {
    /// `β̃ = (1 − ᾱ_prev)/(1 − ᾱ_t) β` (the true posterior variance).
    FixedSmall,
    /// `β` (Ho et al. 2020 found both work; this one upper-bounds the entropy).
    FixedLarge,
}

/// DDPM ancestral sampling with its posterior variance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ddpm {
    /// Posterior variance.
    pub variance: DdpmVariance,
}

impl SamplerMethod for Ddpm {
    const INFO: SamplerInfo = SamplerInfo::new(
        "ddpm",
        "DDPM ancestral sampling (Ho et al. 2020), strided as diffusers does",
    )
    .with_grid(LEADING);

    fn with_defaults(_eta: f64) -> Self {
        Ddpm {
            variance: DdpmVariance::FixedSmall,
        }
    }

    fn plan(&self, request: &PlanRequest) -> SamplingResult<SamplingPlan> {
        let process = request.process;
        let (times, targets) = nodes(request, DiffusersFlavour::Ddim)?;
        let steps = times
            .iter()
            .zip(&targets)
            .map(|(&t, to)| {
                let at = evaluation(process, t);
                let c = match self.variance {
                    DdpmVariance::FixedSmall => coef::ddim(&at.point, to, 1.0)?,
                    DdpmVariance::FixedLarge => coef::ddpm_fixed_large(&at.point, to, t == 0.0)?,
                };
                Ok(update(at, c, false))
            })
            .collect::<SamplingResult<_>>()?;
        Ok(plan(steps))
    }
}
