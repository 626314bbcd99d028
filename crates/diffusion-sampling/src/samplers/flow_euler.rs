//! Euler on the probability-flow ODE in the process's own time ([`coef::euler`]), then a final
//! denoising step: for flow-matching models this is the rectified-flow sampler `x ← x + h·u`
//! (Liu et al. 2022; Lipman et al. 2022).

use diffusion_math::sampler_coefficients as coef;

use super::method::{PlanRequest, SamplerMethod};
use super::process_view::single_stage;
use super::registry::SamplerEntry;
use crate::error::SamplingResult;
use crate::plan::SamplingPlan;

/// Euler in process time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowEuler;

impl SamplerMethod for FlowEuler {
    const ENTRY: SamplerEntry = SamplerEntry::new(
        "flow-euler",
        "Euler in the process's own time: the rectified-flow sampler",
        |_| FlowEuler.into(),
    );

    fn plan(&self, request: &PlanRequest) -> SamplingResult<SamplingPlan> {
        single_stage(request, coef::euler)
    }
}
