//! Euler on the probability-flow ODE in the process's own time ([`coef::euler`]), then a final
//! denoising step: for flow-matching models this is the rectified-flow sampler `x ← x + h·u`
//! (Liu et al. 2022; Lipman et al. 2022).

use diffusion_math::sampler_coefficients as coef;

use super::method::{PlanRequest, SamplerInfo, SamplerMethod};
use super::process_view::single_stage;
use crate::error::SamplingResult;
use crate::plan::SamplingPlan;

/// Euler in process time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowEuler;

impl SamplerMethod for FlowEuler {
    const INFO: SamplerInfo = SamplerInfo::new(
        "flow-euler",
        "Euler in the process's own time: the rectified-flow sampler",
    );

    fn with_defaults(_eta: f64) -> Self {
        FlowEuler
    }

    fn plan(&self, request: &PlanRequest) -> SamplingResult<SamplingPlan> {
        single_stage(request, coef::euler)
    }
}
