//! What a network predicts, turned into the one quantity every sampler uses: the denoiser
//! `D(x, t) = E[x₀ | x_t = x]`.
//!
//! With `x_t = s x₀ + σ ε`, every parameterisation (ε, x₀, v, score, flow velocity) is a linear
//! function of `(x₀, ε)` given `x_t`, so `D = α·x_t + β·output` with `(α, β)` fixed by the
//! process point (see `diffusion_math::parameterization`). A [`Denoiser`] supplies the raw
//! output, what it is and the process it was trained under; [`denoise`] does the rest.

mod edm;
mod guidance;
mod network;
mod oracle;

pub use edm::EdmDenoiser;
pub use guidance::Guided;
pub use network::{DenoisingNetwork, NetworkDenoiser};
pub use oracle::MixtureDenoiser;

use burn::tensor::backend::Backend;
use burn::tensor::Tensor;
use diffusion_math::parameterization::SignalNoise;
use diffusion_math::{ForwardProcess, Prediction, ProcessPoint};

use crate::error::SamplingResult;

/// A model of the data: a network (or an exact oracle) with its parameterisation and the forward
/// process it was trained under.
pub trait Denoiser<B: Backend, const D: usize> {
    /// The forward process whose marginals the model was trained on.
    fn process(&self) -> &dyn ForwardProcess;

    /// What [`Denoiser::predict`] returns.
    fn prediction(&self) -> Prediction;

    /// The raw output for the batch `x` (in the process's own units) at process time `t`, with
    /// optional class labels (one per row).
    fn predict(
        &self,
        x: Tensor<B, D>,
        t: f64,
        labels: Option<&[usize]>,
    ) -> SamplingResult<Tensor<B, D>>;

    /// Number of classes the model is conditioned on (with the null class), `None` if
    /// unconditional.
    fn num_classes(&self) -> Option<usize> {
        None
    }
}

impl<B: Backend, const D: usize, M: Denoiser<B, D> + ?Sized> Denoiser<B, D> for &M {
    fn process(&self) -> &dyn ForwardProcess {
        (**self).process()
    }
    fn prediction(&self) -> Prediction {
        (**self).prediction()
    }
    fn predict(
        &self,
        x: Tensor<B, D>,
        t: f64,
        labels: Option<&[usize]>,
    ) -> SamplingResult<Tensor<B, D>> {
        (**self).predict(x, t, labels)
    }
    fn num_classes(&self) -> Option<usize> {
        (**self).num_classes()
    }
}

/// Where a sampler evaluates the network: process time `t`, its point, and the factor that turns
/// the sampler's state into the network's input (`s(t)` for samplers that work on `x/s`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// Process time passed to the network.
    pub t: f64,
    /// The process's coefficients at `t`.
    pub point: ProcessPoint,
    /// Network input = `input_scale` × state.
    pub input_scale: f64,
}

/// `(α, β)` with `x₀ = α·x_t + β·output` for a prediction kind at a point.
pub fn x0_coefficients(kind: Prediction, point: &ProcessPoint) -> (f64, f64) {
    let alpha = SignalNoise::from_prediction(1.0, 0.0, kind, point).x0;
    let beta = SignalNoise::from_prediction(0.0, 1.0, kind, point).x0;
    (alpha, beta)
}

/// `D = E[x₀ | x]` at an evaluation, optionally clipped to `[−clip, clip]` (diffusers'
/// `clip_sample`).
pub fn denoise<B: Backend, const D: usize, M: Denoiser<B, D> + ?Sized>(
    model: &M,
    state: Tensor<B, D>,
    at: &Evaluation,
    labels: Option<&[usize]>,
    clip: Option<f64>,
) -> SamplingResult<Tensor<B, D>> {
    let x = if at.input_scale == 1.0 {
        state
    } else {
        state.mul_scalar(at.input_scale as f32)
    };
    let output = model.predict(x.clone(), at.t, labels)?;
    let (alpha, beta) = x0_coefficients(model.prediction(), &at.point);
    let mut d = if beta == 1.0 {
        output
    } else {
        output.mul_scalar(beta as f32)
    };
    if alpha != 0.0 {
        d = d + x.mul_scalar(alpha as f32);
    }
    Ok(match clip {
        Some(c) => d.clamp(-c as f32, c as f32),
        None => d,
    })
}
