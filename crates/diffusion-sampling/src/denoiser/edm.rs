//! A network trained with EDM preconditioning (Karras et al. 2022) as a denoiser: under the EDM
//! process (`s = 1`, `σ = t`) it returns `D = c_skip(σ)·x + c_out(σ)·F(c_in(σ)·x; ¼ ln σ)`,
//! an x₀ prediction every sampler can use.

use burn::tensor::backend::Backend;
use burn::tensor::Tensor;
use diffusion_math::{Edm, EdmPreconditioning, ForwardProcess, Prediction};

use super::network::{label_tensor, DenoisingNetwork};
use super::Denoiser;
use crate::error::{SamplingError, SamplingResult};

/// An EDM-preconditioned network F with its process and preconditioning.
#[derive(Debug, Clone)]
pub struct EdmDenoiser<N> {
    /// The raw network F.
    pub network: N,
    /// The EDM process (its σ_max bounds the sampler's start).
    pub process: Edm,
    /// c_skip, c_out, c_in, c_noise.
    pub preconditioning: EdmPreconditioning,
}

impl<B, N, const D: usize> Denoiser<B, D> for EdmDenoiser<N>
where
    B: Backend,
    N: DenoisingNetwork<B, D>,
{
    fn process(&self) -> &dyn ForwardProcess {
        &self.process
    }

    fn prediction(&self) -> Prediction {
        Prediction::Sample
    }

    fn predict(
        &self,
        x: Tensor<B, D>,
        t: f64,
        labels: Option<&[usize]>,
    ) -> SamplingResult<Tensor<B, D>> {
        if !(t.is_finite() && t > 0.0) {
            return Err(SamplingError::invalid(
                "EDM noise level",
                format!("σ = {t}: the preconditioned network is defined for σ > 0"),
            ));
        }
        let p = &self.preconditioning;
        let device = x.device();
        let time = Tensor::<B, 1>::from_floats([p.c_noise(t) as f32], &device);
        let labels = labels
            .map(|l| label_tensor(l, self.network.class_count(), &device))
            .transpose()?;
        let f = self
            .network
            .run(x.clone().mul_scalar(p.c_in(t)), time, labels)?;
        Ok(x.mul_scalar(p.c_skip(t)) + f.mul_scalar(p.c_out(t)))
    }

    fn num_classes(&self) -> Option<usize> {
        self.network.class_count()
    }
}
