//! Heun's second-order method in σ (Karras et al. 2022, Algorithm 2, with optional churn): an
//! Euler step, then the trapezoidal correction with a second evaluation at σ_next, except into
//! σ = 0. The loop is [`super::euler`]'s; this module is Heun's options and entry.

use super::euler::churned_euler;
use super::method::{PlanRequest, SamplerInfo, SamplerMethod};
use super::Churn;
use crate::error::SamplingResult;
use crate::plan::SamplingPlan;

/// Heun in σ with optional churn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Heun {
    /// Stochastic churn.
    pub churn: Churn,
}

impl SamplerMethod for Heun {
    const INFO: SamplerInfo = SamplerInfo::new(
        "heun",
        "Heun's second-order method in σ (Karras et al. 2022), two evaluations a step",
    );

    fn with_defaults(_eta: f64) -> Self {
        Heun { churn: Churn::NONE }
    }

    /// Two a step, one on the last (no correction into σ = 0).
    fn evaluations(&self, steps: usize) -> usize {
        (2 * steps).saturating_sub(1)
    }

    fn plan(&self, request: &PlanRequest) -> SamplingResult<SamplingPlan> {
        churned_euler(request, self.churn, true)
    }
}
