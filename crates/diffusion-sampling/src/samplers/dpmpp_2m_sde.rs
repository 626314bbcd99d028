//! SDE-DPM-Solver++(2M) (Lu et al. 2022, as in k-diffusion's `sample_dpmpp_2m_sde` and
//! diffusers' `algorithm_type="sde-dpmsolver++"`): the first-order step becomes
//! `x ← (σ_next/σ)·e^{−h}·x + s_next·(1 − e^{−2h})·D + σ_next·√(1 − e^{−2h})·z`, with the same
//! second-order correction of D. The loop is [`super::dpmpp_2m`]'s.

use super::dpmpp_2m::multistep;
use super::method::{PlanRequest, SamplerInfo, SamplerMethod};
use crate::error::SamplingResult;
use crate::plan::SamplingPlan;

/// SDE-DPM-Solver++(2M), the stochastic multistep solver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DpmSolverPp2mSde;

impl SamplerMethod for DpmSolverPp2mSde {
    const INFO: SamplerInfo = SamplerInfo::new(
        "dpmpp-2m-sde",
        "SDE-DPM-Solver++(2M), the stochastic variant",
    );

    fn with_defaults(_eta: f64) -> Self {
        DpmSolverPp2mSde
    }

    fn plan(&self, request: &PlanRequest) -> SamplingResult<SamplingPlan> {
        multistep(request, true)
    }
}
