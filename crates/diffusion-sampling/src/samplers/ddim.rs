//! DDIM(η) (Song, Meng & Ermon 2021, eq. 12): `x_prev = √ᾱ_prev·x̂₀ + √(1 − ᾱ_prev − σ²)·ε̂ + σz`
//! with `σ = η·√((1 − ᾱ_prev)/(1 − ᾱ_t))·√(1 − ᾱ_t/ᾱ_prev)`; η = 0 is deterministic, η = 1 is
//! DDPM. With diffusers spacing the step goes to `t − N/n` as diffusers' `DDIMScheduler` does
//! (which differs from the next evaluation time when n does not divide N); below timestep 0 it
//! goes to the data (`set_alpha_to_one`) or to timestep 0.

use diffusion_math::sampler_coefficients as coef;

use super::method::{PlanRequest, SamplerInfo, SamplerMethod, LEADING};
use super::process_view::{evaluation, nodes, plan, update};
use crate::error::SamplingResult;
use crate::grid::{clean_point, DiffusersFlavour, TimeSpacing};
use crate::plan::SamplingPlan;

/// DDIM with stochasticity η.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ddim {
    /// η ≥ 0.
    pub eta: f64,
    /// Whether the last step goes to ᾱ = 1 (diffusers' `set_alpha_to_one`) rather than to
    /// timestep 0.
    pub final_alpha_one: bool,
}

impl SamplerMethod for Ddim {
    const INFO: SamplerInfo = SamplerInfo::new(
        "ddim",
        "DDIM (Song, Meng & Ermon 2021) with stochasticity η (0: deterministic)",
    )
    .with_grid(LEADING);

    fn with_defaults(eta: f64) -> Self {
        Ddim {
            eta,
            final_alpha_one: true,
        }
    }

    fn plan(&self, request: &PlanRequest) -> SamplingResult<SamplingPlan> {
        let PlanRequest {
            process,
            steps,
            options,
        } = *request;
        let (times, mut targets) = nodes(request, DiffusersFlavour::Ddim)?;
        let first = if self.final_alpha_one {
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
                Ok(update(at, coef::ddim(&at.point, to, self.eta)?, false))
            })
            .collect::<SamplingResult<_>>()?;
        Ok(plan(steps))
    }
}
