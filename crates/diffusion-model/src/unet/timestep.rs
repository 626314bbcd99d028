//! Sinusoidal timestep features and the MLP that embeds them.

use burn::module::Module;
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};

use crate::layers::{silu, Linear, ParamInit};

/// The transformer-style sinusoidal features of a timestep (Vaswani et al. 2017; diffusers'
/// `get_timestep_embedding`): with half = dim/2 and
/// ωᵢ = exp(−ln(10000)·i / (half − freq_shift)), the features are [sin(tωᵢ), cos(tωᵢ)]
/// (cosines first when `flip_sin_to_cos`), zero-padded to an odd `dim`.
#[derive(Debug, Clone)]
pub struct SinusoidalTimesteps {
    frequencies: Vec<f32>,
    dim: usize,
    flip_sin_to_cos: bool,
}

impl SinusoidalTimesteps {
    /// Features of width `dim`. The frequencies are rounded through f32 exactly as diffusers
    /// computes them, so that embeddings of large t agree with PyTorch's to a few ulps.
    pub fn new(dim: usize, flip_sin_to_cos: bool, freq_shift: f64) -> Self {
        let half = dim / 2;
        let log_max_period = -(10000f64.ln()) as f32;
        let denominator = (half as f64 - freq_shift) as f32;
        let frequencies = (0..half)
            .map(|i| (log_max_period * i as f32 / denominator).exp())
            .collect();
        Self {
            frequencies,
            dim,
            flip_sin_to_cos,
        }
    }

    /// Features of `timesteps` `[N]` → `[N, dim]`.
    pub fn forward<B: Backend>(&self, timesteps: Tensor<B, 1>) -> Tensor<B, 2> {
        let device = timesteps.device();
        let half = self.frequencies.len();
        let frequencies =
            Tensor::<B, 1>::from_data(TensorData::new(self.frequencies.clone(), [half]), &device);
        let angles = timesteps.unsqueeze_dim::<2>(1) * frequencies.unsqueeze_dim::<2>(0);
        let (sin, cos) = (angles.clone().sin(), angles.cos());
        let features = if self.flip_sin_to_cos {
            Tensor::cat(vec![cos, sin], 1)
        } else {
            Tensor::cat(vec![sin, cos], 1)
        };
        if self.dim % 2 == 1 {
            features.pad([(0, 1)], burn::tensor::ops::PadMode::Constant(0.0))
        } else {
            features
        }
    }
}

/// diffusers' `TimestepEmbedding`: linear_1 → SiLU → linear_2.
#[derive(Module, Debug)]
pub struct TimestepEmbedding<B: Backend> {
    /// Features → embedding width.
    pub linear_1: Linear<B>,
    /// Embedding → embedding.
    pub linear_2: Linear<B>,
}

impl<B: Backend> TimestepEmbedding<B> {
    /// An embedding from `in_dim` sinusoidal features to `dim`.
    pub fn new(in_dim: usize, dim: usize, init: &mut ParamInit, device: &B::Device) -> Self {
        Self {
            linear_1: Linear::new(in_dim, dim, init, device),
            linear_2: Linear::new(dim, dim, init, device),
        }
    }

    /// `[N, in_dim]` → `[N, dim]`.
    pub fn forward(&self, features: Tensor<B, 2>) -> Tensor<B, 2> {
        self.linear_2.forward(silu(self.linear_1.forward(features)))
    }
}
