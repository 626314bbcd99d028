//! Predictor–corrector sampling (Song et al. 2021, Algorithms 2–5): at each time,
//! `corrector_steps` Langevin steps at the target signal-to-noise ratio, then the predictor to
//! the next time; at the last time the correctors, then the denoising step `x₀ = D`.
//!
//! | part | formula | source |
//! |---|---|---|
//! | Langevin corrector | `ε = 2α(r‖z‖/‖s‖)²`, `x ← x + ε·s + √(2ε)·z` with `s = ∇log p_t(x)` | Song et al. 2021, Alg. 4/5 |
//! | reverse-diffusion predictor | the ancestral DDPM step (DDIM with η = 1) | eq. 47 |
//! | Euler–Maruyama predictor | [`coef::euler_maruyama`] | eq. 6 |

use diffusion_math::sampler_coefficients::{self as coef, StepCoefficients};
use diffusion_math::ProcessPoint;

use super::method::{PlanRequest, SamplerInfo, SamplerMethod};
use super::process_view::{denoising_step, marginal, stepped, update};
use crate::denoiser::Evaluation;
use crate::error::{SamplingError, SamplingResult};
use crate::grid::clean_point;
use crate::plan::{PlannedStep, SamplingPlan, StepKind};

/// The predictor of a predictor–corrector sampler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Predictor {
    /// The discretised reverse diffusion (the ancestral DDPM step, Song et al. 2021, eq. 47).
    ReverseDiffusion,
    /// Euler–Maruyama on the reverse SDE.
    EulerMaruyama,
}

/// Predictor–corrector with its predictor and Langevin corrector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PredictorCorrector {
    /// The predictor.
    pub predictor: Predictor,
    /// Langevin corrector steps per predictor step.
    pub corrector_steps: usize,
    /// Target signal-to-noise ratio of the corrector (0.16 for VE CIFAR-10 in the paper).
    pub snr: f64,
}

impl SamplerMethod for PredictorCorrector {
    const INFO: SamplerInfo = SamplerInfo::new(
        "pc",
        "predictor–corrector: reverse diffusion and one Langevin step (Song et al. 2021)",
    );

    fn with_defaults(_eta: f64) -> Self {
        PredictorCorrector {
            predictor: Predictor::ReverseDiffusion,
            corrector_steps: 1,
            snr: 0.16,
        }
    }

    /// One for the predictor and one for each corrector step.
    fn evaluations(&self, steps: usize) -> usize {
        steps * (1 + self.corrector_steps)
    }

    fn plan(&self, request: &PlanRequest) -> SamplingResult<SamplingPlan> {
        let Self {
            predictor,
            corrector_steps,
            snr,
        } = *self;
        if !(snr.is_finite() && snr > 0.0) {
            return Err(SamplingError::invalid(
                "corrector snr",
                format!("{snr} must be positive (Song et al. use 0.01–0.17)"),
            ));
        }
        let correctors = |at: Evaluation, to: &ProcessPoint| -> Vec<PlannedStep> {
            let ratio = at.point.signal_scale / to.signal_scale;
            let alpha = (ratio * ratio).min(1.0);
            (0..corrector_steps)
                .map(|i| PlannedStep {
                    evaluation: Some(at),
                    coefficients: StepCoefficients::default(),
                    uses_previous: false,
                    first_order: None,
                    kind: StepKind::Langevin { snr, alpha },
                    starts_at: (i == 0).then(|| marginal(&at.point)),
                })
                .collect()
        };
        let process = request.process;
        let clean = clean_point(process);
        stepped(
            request,
            |at, to| {
                let mut out = correctors(at, to);
                let c = match predictor {
                    Predictor::ReverseDiffusion => coef::ddim(&at.point, to, 1.0)?,
                    Predictor::EulerMaruyama => coef::euler_maruyama(&at.point, to),
                };
                let mut p = update(at, c, false);
                if corrector_steps > 0 {
                    p.starts_at = None;
                }
                out.push(p);
                Ok(out)
            },
            |at| {
                let mut out = correctors(at, &clean);
                let mut d = denoising_step(process, at.t)?;
                if corrector_steps > 0 {
                    d.starts_at = None;
                }
                out.push(d);
                Ok(out)
            },
        )
    }
}
