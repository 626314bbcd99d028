//! Classifier-free guidance (Ho & Salimans 2022): `out = out(∅) + w (out(c) − out(∅))`, with
//! the conditional and unconditional halves in one batched forward pass.

use burn::tensor::backend::Backend;
use burn::tensor::Tensor;
use diffusion_math::{ForwardProcess, Prediction};

use super::Denoiser;
use crate::error::{SamplingError, SamplingResult};

/// A class-conditional denoiser with guidance scale `w` and null class `null_class` (w = 1 is
/// plain conditional sampling, w = 0 unconditional). Guidance acts on the raw output; since the
/// x₀ estimate is affine in it with the same coefficients for both halves, this equals guiding D.
#[derive(Debug, Clone)]
pub struct Guided<M> {
    /// The class-conditional model.
    pub inner: M,
    /// Guidance scale w.
    pub scale: f64,
    /// The label the model was trained with for "no class" (label dropout).
    pub null_class: usize,
}

impl<M> Guided<M> {
    /// Guidance with scale `w` ≥ 0 and the given null class.
    pub fn new(inner: M, scale: f64, null_class: usize) -> SamplingResult<Self> {
        if !(scale.is_finite() && scale >= 0.0) {
            return Err(SamplingError::invalid(
                "guidance scale",
                format!("{scale} must be a finite number ≥ 0 (1 = no guidance)"),
            ));
        }
        Ok(Self {
            inner,
            scale,
            null_class,
        })
    }
}

impl<B: Backend, const D: usize, M: Denoiser<B, D>> Denoiser<B, D> for Guided<M> {
    fn process(&self) -> &dyn ForwardProcess {
        self.inner.process()
    }

    fn prediction(&self) -> Prediction {
        self.inner.prediction()
    }

    fn predict(
        &self,
        x: Tensor<B, D>,
        t: f64,
        labels: Option<&[usize]>,
    ) -> SamplingResult<Tensor<B, D>> {
        let Some(labels) = labels else {
            return Err(SamplingError::invalid(
                "guidance request",
                "classifier-free guidance needs class labels; pass one per image",
            ));
        };
        if self.scale == 1.0 {
            return self.inner.predict(x, t, Some(labels));
        }
        let n = x.dims()[0];
        let mut both = labels.to_vec();
        both.extend(std::iter::repeat_n(self.null_class, n));
        let out = self
            .inner
            .predict(Tensor::cat(vec![x.clone(), x], 0), t, Some(&both))?;
        let cond = out.clone().narrow(0, 0, n);
        let uncond = out.narrow(0, n, n);
        Ok(uncond.clone() + (cond - uncond).mul_scalar(self.scale as f32))
    }

    fn num_classes(&self) -> Option<usize> {
        self.inner.num_classes()
    }
}
