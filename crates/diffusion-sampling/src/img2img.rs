//! Image-to-image and inverse problems on top of any plan.
//!
//! - SDEdit (Meng et al. 2022): noise a guide image to an intermediate step of the plan with
//!   the forward process (fused noising kernel, in-kernel noise) and run the rest of the plan.
//!   `strength` ∈ (0, 1] picks how much of the plan runs, as diffusers' img2img pipelines do.
//! - Inpainting by re-imposing the known pixels (the "replacement" method of Song et al. 2021,
//!   appendix I.2; Lugmayr et al. 2022 without resampling): after every step that lands on a
//!   marginal of the forward process, the known pixels are replaced by a fresh forward-noised
//!   copy of the known image at that noise level, and by the known image itself at the end.

use burn::tensor::Tensor;
use diffusion_kernels::FusedKernels;

use crate::denoiser::Denoiser;
use crate::error::{SamplingError, SamplingResult};
use crate::run::{forward_noise, Run};

/// Noise stream of the SDEdit start.
pub const SDEDIT_STREAM: u32 = 0x4000_0000;

/// First noise stream of inpainting's re-imposed pixels (one stream per step).
pub const INPAINT_STREAM: u32 = 0x5000_0000;

/// SDEdit: the guide `image` (data units, same shape as the output) noised to the plan's step
/// for `strength`, then denoised by the rest of the plan.
pub fn sdedit<B: FusedKernels, M: Denoiser<B, D> + ?Sized, const D: usize>(
    run: Run<'_, B, M, D>,
    image: Tensor<B, D>,
    strength: f64,
) -> SamplingResult<Tensor<B, D>> {
    let (first, marginal) = run.plan.start_for_strength(strength)?;
    let start = forward_noise(image, marginal, run.noise, SDEDIT_STREAM)?;
    run.run_from(start, first)
}

/// Inpainting: fills the pixels where `mask` is 0 and keeps those where it is 1 (`known` holds
/// their values; the rest of `known` is ignored). `strength` < 1 also starts from the noised
/// known image (SDEdit), 1 starts from noise.
pub fn inpaint<B: FusedKernels, M: Denoiser<B, D> + ?Sized, const D: usize>(
    mut run: Run<'_, B, M, D>,
    known: Tensor<B, D>,
    mask: Tensor<B, D>,
    strength: f64,
) -> SamplingResult<Tensor<B, D>> {
    let shape = known.dims();
    let mask_dims = mask.dims();
    if mask_dims
        .iter()
        .zip(&shape)
        .any(|(&m, &s)| m != s && m != 1)
    {
        return Err(SamplingError::invalid(
            "mask",
            format!("shape {mask_dims:?} does not broadcast to the image shape {shape:?}; use 1 = keep, 0 = fill"),
        ));
    }
    let mask = mask.expand(shape);
    let (first, marginal) = run.plan.start_for_strength(strength)?;
    let plan = run.plan;
    let identity = run.noise;
    let blend = |x: Tensor<B, D>, target: Tensor<B, D>| x.clone() + mask.clone() * (target - x);
    let start = forward_noise(known.clone(), marginal, identity, SDEDIT_STREAM)?;
    let mut reimpose = |k: usize, x: Tensor<B, D>| -> SamplingResult<Tensor<B, D>> {
        match plan.steps.get(k + 1) {
            None => Ok(blend(x, known.clone())),
            Some(next) => match next.starts_at {
                Some(m) => {
                    let noised =
                        forward_noise(known.clone(), m, identity, INPAINT_STREAM + k as u32)?;
                    Ok(blend(x, noised))
                }
                None => Ok(x),
            },
        }
    };
    let mut report = |done: usize, total: usize| {
        if let Some(progress) = run.progress.as_mut() {
            progress(done, total);
        }
    };
    let local = Run {
        plan: run.plan,
        model: run.model,
        labels: run.labels,
        noise: run.noise,
        progress: Some(&mut report),
        after_step: Some(&mut reimpose),
    };
    local.run_from(start, first)
}
