//! DPM-Solver++(2M) (Lu et al. 2022, Algorithm 2) in log-SNR time λ = log(s/σ), predicting x₀:
//!
//! | step | formula | source |
//! |---|---|---|
//! | first order | `x ← (σ_next/σ)·x − s_next·(e^{−h} − 1)·D` with `h = λ_next − λ` | Lu et al. 2022, eq. 8 |
//! | second order | `D` replaced by `(1 + 1/(2r))·D − 1/(2r)·D_prev`, `r = h_prev/h` | Algorithm 2 |
//!
//! First order on the first step and into σ = 0 (diffusers' `final_sigmas_type="zero"`). The
//! loop is written once here for the ODE and for its SDE form (`dpmpp_2m_sde.rs`).

use diffusion_math::sampler_coefficients as coef;
use diffusion_math::ProcessPoint;

use super::method::{PlanRequest, SamplerInfo, SamplerMethod};
use super::process_view::{evaluation, nodes, plan, update};
use crate::error::SamplingResult;
use crate::grid::DiffusersFlavour;
use crate::plan::SamplingPlan;

/// DPM-Solver++(2M), the deterministic multistep solver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DpmSolverPp2m;

impl SamplerMethod for DpmSolverPp2m {
    const INFO: SamplerInfo = SamplerInfo::new(
        "dpmpp-2m",
        "DPM-Solver++(2M) in log-SNR time (Lu et al. 2022)",
    );

    fn with_defaults(_eta: f64) -> Self {
        DpmSolverPp2m
    }

    fn plan(&self, request: &PlanRequest) -> SamplingResult<SamplingPlan> {
        multistep(request, false)
    }
}

/// The two-step DPM-Solver++ plan, its ODE form or (`sde`) its SDE form; each second-order step
/// carries its first-order fallback for runs that restart mid-plan.
pub(super) fn multistep(request: &PlanRequest, sde: bool) -> SamplingResult<SamplingPlan> {
    let process = request.process;
    let (times, targets) = nodes(request, DiffusersFlavour::DpmSolver)?;
    let points: Vec<ProcessPoint> = times.iter().map(|&t| process.point_unchecked(t)).collect();
    let steps = times
        .iter()
        .enumerate()
        .map(|(k, &t)| {
            let at = evaluation(process, t);
            let prev = k.checked_sub(1).map(|j| &points[j]);
            let step = |prev| {
                if sde {
                    coef::dpm_solver_pp_2m_sde(prev, &at.point, &targets[k])
                } else {
                    coef::dpm_solver_pp_2m(prev, &at.point, &targets[k])
                }
            };
            let c = step(prev);
            let mut planned = update(at, c, prev.is_some() && c.c_p != 0.0);
            if planned.uses_previous {
                planned.first_order = Some(step(None));
            }
            planned
        })
        .collect();
    Ok(plan(steps))
}
