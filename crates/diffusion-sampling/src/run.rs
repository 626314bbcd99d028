//! The executor: runs a [`SamplingPlan`] with a [`Denoiser`] on any backend with the fused
//! kernels. Every update, including the initial noise, is one fused sampler-step launch whose
//! noise is keyed by `(seed, step, image index, element)`, so an image depends only on its seed
//! and its global index, never on the batch it was drawn in or the backend. The loop never reads
//! the device, except for the per-sample score norms a Langevin corrector needs and the final
//! finiteness check.

use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};
use diffusion_kernels::{
    noise, sampler_step, FusedKernels, NoiseKey, NoisingParams, NoisingTarget, StepParams,
};
use diffusion_math::sampler_coefficients::{self as coef, StepCoefficients};

use crate::denoiser::{denoise, Denoiser};
use crate::error::{SamplingError, SamplingResult};
use crate::plan::{Marginal, PlannedStep, SamplingPlan, StepKind};

/// What identifies a batch's noise: the run's seed and the global index of its first image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoiseIdentity {
    /// The run's seed.
    pub seed: u64,
    /// Global index of row 0 (a batch of a larger run starts past the earlier batches).
    pub first_sample: u64,
}

/// Noise stream of the initial state.
pub const INITIAL_STREAM: u32 = 0;

/// Noise stream of plan step `k` (streams are distinct per step).
pub fn step_stream(k: usize) -> u32 {
    k as u32 + 1
}

/// Progress callback: `(steps done, total steps)`.
pub type Progress<'a> = &'a mut dyn FnMut(usize, usize);

/// Per-step hook run after each update with `(step index, state)`; inpainting uses it.
pub type AfterStep<'a, B, const D: usize> =
    &'a mut dyn FnMut(usize, Tensor<B, D>) -> SamplingResult<Tensor<B, D>>;

/// One request: the plan, the model, labels and noise identity.
pub struct Run<'a, B: FusedKernels, M: ?Sized, const D: usize> {
    /// The plan.
    pub plan: &'a SamplingPlan,
    /// The model.
    pub model: &'a M,
    /// Class labels, one per row.
    pub labels: Option<&'a [usize]>,
    /// Seed and first image index.
    pub noise: NoiseIdentity,
    /// Optional progress reporting.
    pub progress: Option<Progress<'a>>,
    /// Optional hook after each step.
    pub after_step: Option<AfterStep<'a, B, D>>,
}

impl<'a, B: FusedKernels, M: Denoiser<B, D> + ?Sized, const D: usize> Run<'a, B, M, D> {
    /// A run without progress or hooks.
    pub fn new(
        plan: &'a SamplingPlan,
        model: &'a M,
        labels: Option<&'a [usize]>,
        noise: NoiseIdentity,
    ) -> Self {
        Self {
            plan,
            model,
            labels,
            noise,
            progress: None,
            after_step: None,
        }
    }

    /// Draws the initial state of the given shape and runs every step.
    pub fn sample(self, shape: [usize; D], device: &B::Device) -> SamplingResult<Tensor<B, D>> {
        let x = initial_noise::<B, D>(shape, self.plan.initial_std, self.noise, device)?;
        self.run_from(x, 0)
    }

    /// Runs the plan from step `first_step` on the given state (image-to-image starts later).
    pub fn run_from(
        mut self,
        state: Tensor<B, D>,
        first_step: usize,
    ) -> SamplingResult<Tensor<B, D>> {
        let rows = state.dims()[0];
        if let Some(labels) = self.labels {
            if labels.len() != rows {
                return Err(SamplingError::invalid(
                    "class labels",
                    format!("got {} labels for a batch of {rows}", labels.len()),
                ));
            }
        }
        let total = self.plan.steps.len();
        let mut x = state;
        let mut previous: Option<Tensor<B, D>> = None;
        for (k, step) in self.plan.steps.iter().enumerate().skip(first_step) {
            let d = match &step.evaluation {
                Some(at) => Some(denoise(
                    self.model,
                    x.clone(),
                    at,
                    self.labels,
                    self.plan.clip,
                )?),
                None => None,
            };
            let restart = step.uses_previous && previous.is_none() && step.first_order.is_some();
            let coefficients = match step.kind {
                StepKind::Update if restart => vec![step.first_order.unwrap_or_default(); rows],
                StepKind::Update => vec![step.coefficients; rows],
                StepKind::Langevin { snr, alpha } => {
                    langevin_coefficients(step, &x, d.as_ref(), snr, alpha)?
                }
            };
            let d_prev = if step.uses_previous && !restart {
                Some(previous.clone().ok_or_else(|| {
                    SamplingError::invalid(
                        "plan",
                        format!("step {k} uses the previous denoiser output but none exists; start image-to-image at a step boundary"),
                    )
                })?)
            } else {
                None
            };
            let params = step_params(&coefficients, k, self.noise, d_prev.is_some());
            let d_now = d.unwrap_or_else(|| x.clone());
            x = sampler_step(x, d_now.clone(), d_prev, &params)?;
            if step.evaluation.is_some() {
                previous = Some(d_now);
            }
            if let Some(hook) = self.after_step.as_mut() {
                x = hook(k, x)?;
            }
            if let Some(progress) = self.progress.as_mut() {
                progress(k + 1, total);
            }
        }
        Ok(x)
    }
}

/// Per-sample coefficients of a step, as the kernel takes them.
fn step_params(
    coefficients: &[StepCoefficients],
    k: usize,
    noise: NoiseIdentity,
    has_prev: bool,
) -> StepParams {
    let pick = |f: fn(&StepCoefficients) -> f64| coefficients.iter().map(|c| f(c) as f32).collect();
    StepParams {
        c_x: pick(|c| c.c_x),
        c_d: pick(|c| c.c_d),
        c_p: if has_prev {
            pick(|c| c.c_p)
        } else {
            Vec::new()
        },
        c_z: pick(|c| c.c_z),
        key: NoiseKey::new(noise.seed, step_stream(k)),
        first_sample: noise.first_sample,
    }
}

/// `signal·x₀ + noise·ε` for a batch through the fused noising kernel, ε from `stream` keyed by
/// image index (SDEdit starts, inpainting's known pixels, the DDPM bound's noised inputs).
pub fn forward_noise<B: FusedKernels, const D: usize>(
    x0: Tensor<B, D>,
    marginal: Marginal,
    identity: NoiseIdentity,
    stream: u32,
) -> SamplingResult<Tensor<B, D>> {
    let rows = x0.dims()[0];
    let params = NoisingParams {
        signal_scale: vec![marginal.signal as f32; rows],
        noise_std: vec![marginal.noise as f32; rows],
        key: NoiseKey::new(identity.seed, stream),
        first_sample: identity.first_sample,
    };
    Ok(noise(x0, &params, NoisingTarget::None)?.x_t)
}

/// `initial_std · z` from the initial noise stream.
pub fn initial_noise<B: FusedKernels, const D: usize>(
    shape: [usize; D],
    std: f64,
    noise: NoiseIdentity,
    device: &B::Device,
) -> SamplingResult<Tensor<B, D>> {
    let rows = shape[0];
    let zeros = Tensor::<B, D>::zeros(shape, device);
    let params = StepParams {
        c_x: vec![0.0; rows],
        c_d: vec![0.0; rows],
        c_p: Vec::new(),
        c_z: vec![std as f32; rows],
        key: NoiseKey::new(noise.seed, INITIAL_STREAM),
        first_sample: noise.first_sample,
    };
    Ok(sampler_step(zeros.clone(), zeros, None, &params)?)
}

/// The Langevin step size per sample from the score's norm: `ε = 2α (r √dim / ‖∇log p‖)²`
/// (Song et al. 2021, Algorithm 5). Two changes keep images independent of their batch and z
/// in-kernel: norms are per sample (Song et al. average them over the batch) and ‖z‖ is at its
/// expectation √dim. Per-sample norms can be near zero at a mode, so ‖∇log p‖² is floored at
/// `dim/(s² + σ²)`, its typical value for unit-variance data; the step is then at most
/// `2α r² (s² + σ²)`.
fn langevin_coefficients<B: FusedKernels, const D: usize>(
    step: &PlannedStep,
    x: &Tensor<B, D>,
    d: Option<&Tensor<B, D>>,
    snr: f64,
    alpha: f64,
) -> SamplingResult<Vec<StepCoefficients>> {
    let (Some(at), Some(d)) = (&step.evaluation, d) else {
        return Err(SamplingError::invalid(
            "plan",
            "a Langevin step needs an evaluation",
        ));
    };
    let p = at.point;
    let dims = x.dims();
    let (rows, dim) = (dims[0], dims[1..].iter().product::<usize>());
    let score = (d.clone().mul_scalar(p.signal_scale as f32) - x.clone())
        .mul_scalar((1.0 / (p.noise_std * p.noise_std)) as f32);
    let norms: Vec<f32> = score
        .reshape([rows, dim])
        .powi_scalar(2)
        .sum_dim(1)
        .into_data()
        .convert::<f32>()
        .into_vec()
        .map_err(|e| SamplingError::NonFinite(format!("{e:?}")))?;
    norms
        .iter()
        .map(|&sq| {
            let floor = dim as f64 / (p.signal_scale.powi(2) + p.noise_std.powi(2));
            let eps = 2.0 * alpha * snr * snr * dim as f64 / (sq as f64).max(floor);
            Ok(coef::langevin(&p, eps)?)
        })
        .collect()
}

/// Fails if any value is NaN or infinite (one read of the final state).
pub fn check_finite<B: FusedKernels, const D: usize>(x: &Tensor<B, D>) -> SamplingResult<()> {
    if to_host(x.clone()).iter().any(|v| !v.is_finite()) {
        return Err(SamplingError::NonFinite("the final samples".into()));
    }
    Ok(())
}

/// Host data of a tensor (tests and callers that save images).
pub fn to_host<B: Backend, const D: usize>(x: Tensor<B, D>) -> Vec<f32> {
    x.into_data()
        .convert::<f32>()
        .into_vec()
        .unwrap_or_default()
}

/// Uploads host data.
pub fn from_host<B: Backend, const D: usize>(
    values: Vec<f32>,
    shape: [usize; D],
    device: &B::Device,
) -> Tensor<B, D> {
    Tensor::from_data(TensorData::new(values, shape), device)
}
