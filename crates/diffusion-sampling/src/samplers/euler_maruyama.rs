//! Euler–Maruyama on the reverse-time SDE (Song et al. 2021, eq. 6):
//! `x ← x − [f(x, t) − g(t)²·∇log p_t(x)]·Δt + g(t)·√Δt·z` between consecutive times
//! ([`coef::euler_maruyama`]), then a final denoising step `x₀ = D`.

use diffusion_math::sampler_coefficients as coef;

use super::method::{PlanRequest, SamplerInfo, SamplerMethod};
use super::process_view::single_stage;
use crate::error::SamplingResult;
use crate::plan::SamplingPlan;

/// Euler–Maruyama on the reverse-time SDE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EulerMaruyama;

impl SamplerMethod for EulerMaruyama {
    const INFO: SamplerInfo = SamplerInfo::new(
        "em",
        "Euler–Maruyama on the reverse-time SDE (Song et al. 2021)",
    );

    fn with_defaults(_eta: f64) -> Self {
        EulerMaruyama
    }

    fn plan(&self, request: &PlanRequest) -> SamplingResult<SamplingPlan> {
        single_stage(request, coef::euler_maruyama)
    }
}
