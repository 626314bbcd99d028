//! A sampling run as data: every step's evaluation point and update coefficients, computed once
//! in f64 before any tensor is touched.
//!
//! Every step is `x_next = c_x·x + c_d·D + c_p·D_prev + c_z·z`, where `D` is the denoiser at the
//! step's evaluation and `D_prev` the one before it (see
//! `diffusion_math::sampler_coefficients`); the executor (`crate::run`) feeds them to the fused
//! sampler-step kernel. Samplers differ only in the plans they build.

use diffusion_math::sampler_coefficients::StepCoefficients;

use crate::denoiser::Evaluation;
use crate::error::{SamplingError, SamplingResult};

/// The distribution of the state entering a step given the data: `signal·x₀ + noise·ε`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Marginal {
    /// Multiplier of the clean data.
    pub signal: f64,
    /// Standard deviation of the Gaussian noise.
    pub noise: f64,
}

/// How the executor turns a step into coefficients.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StepKind {
    /// The planned coefficients as they are.
    Update,
    /// A Langevin corrector step (Song et al. 2021, Algorithm 4): its step size
    /// `ε = 2α (r ‖z‖/‖∇log p‖)²` depends on the score's norm per sample, so the executor
    /// computes the coefficients from the evaluated D (the only device read of a plan).
    Langevin {
        /// Target signal-to-noise ratio r.
        snr: f64,
        /// α of the step size (`1 − β` for VP processes, 1 otherwise).
        alpha: f64,
    },
}

/// One update of the state.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedStep {
    /// Where the denoiser is evaluated first (`None`: a pure noise step, D unused).
    pub evaluation: Option<Evaluation>,
    /// The update.
    pub coefficients: StepCoefficients,
    /// Whether `c_p` multiplies the D of the previous evaluation.
    pub uses_previous: bool,
    /// The coefficients to use instead when a run starts at this step and no previous D exists
    /// (multistep methods fall back to their first-order step, as diffusers' img2img does).
    pub first_order: Option<StepCoefficients>,
    /// How the coefficients are applied.
    pub kind: StepKind,
    /// The state's marginal entering this step, when it is one of the forward process's
    /// (`None` in the middle of a multi-stage step); image-to-image starts and inpainting
    /// re-imposition happen only at such steps.
    pub starts_at: Option<Marginal>,
}

/// A complete sampling run.
#[derive(Debug, Clone, PartialEq)]
pub struct SamplingPlan {
    /// The sampler's name.
    pub sampler: String,
    /// Standard deviation of the initial state (pure noise).
    pub initial_std: f64,
    /// The steps, in order.
    pub steps: Vec<PlannedStep>,
    /// Clip the x₀ estimate to `[−c, c]` before each update (diffusers' `clip_sample`).
    pub clip: Option<f64>,
}

impl SamplingPlan {
    /// Network evaluations the plan makes (its NFE); guidance doubles the batch, not the count.
    pub fn evaluations(&self) -> usize {
        self.steps.iter().filter(|s| s.evaluation.is_some()).count()
    }

    /// The first step and its marginal for image-to-image at `strength` ∈ (0, 1]: as diffusers'
    /// img2img, the last `round_down(strength × starts)` step starts are kept (at least one).
    pub fn start_for_strength(&self, strength: f64) -> SamplingResult<(usize, Marginal)> {
        if !(strength > 0.0 && strength <= 1.0) {
            return Err(SamplingError::invalid(
                "strength",
                format!("{strength} must lie in (0, 1]: 1 starts from pure noise, small values stay close to the image"),
            ));
        }
        let starts: Vec<(usize, Marginal)> = self
            .steps
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.starts_at.map(|m| (i, m)))
            .collect();
        let keep = ((starts.len() as f64 * strength) as usize).clamp(1, starts.len());
        starts.get(starts.len() - keep).copied().ok_or_else(|| {
            SamplingError::invalid("plan", "it has no step that starts on a forward marginal")
        })
    }
}
