//! [`SamplerMethod`]: what each sampler module provides. A sampler is a type holding its own
//! options (DDIM's η, Heun's churn, …) that knows its registry entry, how many network
//! evaluations it makes and how to plan a run; [`super::registry`] lists the types.

use diffusion_math::ForwardProcess;

use super::plan_options::PlanOptions;
use super::registry::SamplerEntry;
use super::Sampler;
use crate::error::SamplingResult;
use crate::plan::SamplingPlan;

/// What a plan is asked for: the process, the number of steps and the options every sampler
/// shares.
#[derive(Clone, Copy)]
pub struct PlanRequest<'a> {
    /// The forward process the network was trained under.
    pub process: &'a dyn ForwardProcess,
    /// Steps (not network evaluations: see [`SamplerMethod::evaluations`]).
    pub steps: usize,
    /// Grid, end time and clipping.
    pub options: &'a PlanOptions,
}

/// One sampler: its options are the implementing type's fields.
pub trait SamplerMethod: Copy + Into<Sampler> {
    /// Its registry entry: name, aliases, summary, default options and default grid.
    const ENTRY: SamplerEntry;

    /// Network evaluations for `steps` steps (one a step unless the method says otherwise).
    fn evaluations(&self, steps: usize) -> usize {
        steps
    }

    /// The plan of `request.steps` steps on `request.process`. [`Sampler::plan`] fills in the
    /// plan's sampler name and clipping.
    fn plan(&self, request: &PlanRequest) -> SamplingResult<SamplingPlan>;
}
