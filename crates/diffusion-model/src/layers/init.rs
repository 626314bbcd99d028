//! Seeded parameter initialisation, the same on every backend.

use burn::module::{Param, ParamId};
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};
use diffusion_math::rng::SplitMix64;

/// Draws initial parameter values (tracked for gradients under autodiff) from one seed on the
/// CPU, so that a model built with the same seed has the same weights on flex, wgpu and CUDA
/// (burn's own RNG differs per backend). The placeholder mode makes zeros instead, for models
/// whose every parameter is about to be replaced by loaded weights.
#[derive(Debug)]
pub struct ParamInit {
    rng: Option<SplitMix64>,
}

impl ParamInit {
    /// A generator for one model, keyed by `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            rng: Some(SplitMix64::new(seed)),
        }
    }

    /// Zeros of the right shapes, without drawing random numbers (loading skips the init).
    pub fn placeholder() -> Self {
        Self { rng: None }
    }

    /// U(−bound, bound): PyTorch's default for conv and linear weights and biases,
    /// bound = 1/√fan_in (kaiming_uniform with a = √5).
    pub fn uniform<B: Backend, const D: usize>(
        &mut self,
        shape: [usize; D],
        bound: f64,
        device: &B::Device,
    ) -> Param<Tensor<B, D>> {
        let Some(rng) = &mut self.rng else {
            return self.constant(shape, 0.0, device);
        };
        let count: usize = shape.iter().product();
        let values: Vec<f32> = (0..count)
            .map(|_| ((2.0 * rng.uniform() - 1.0) * bound) as f32)
            .collect();
        param(TensorData::new(values, shape), device)
    }

    /// N(0, 1): PyTorch's default for embedding tables.
    pub fn normal<B: Backend, const D: usize>(
        &mut self,
        shape: [usize; D],
        device: &B::Device,
    ) -> Param<Tensor<B, D>> {
        let Some(rng) = &mut self.rng else {
            return self.constant(shape, 0.0, device);
        };
        let count: usize = shape.iter().product();
        let values: Vec<f32> = (0..count).map(|_| rng.standard_normal() as f32).collect();
        param(TensorData::new(values, shape), device)
    }

    /// A constant tensor (GroupNorm's weight 1 and bias 0).
    pub fn constant<B: Backend, const D: usize>(
        &mut self,
        shape: [usize; D],
        value: f32,
        device: &B::Device,
    ) -> Param<Tensor<B, D>> {
        Param::initialized(
            ParamId::new(),
            Tensor::full(shape, value, device).require_grad(),
        )
    }
}

fn param<B: Backend, const D: usize>(data: TensorData, device: &B::Device) -> Param<Tensor<B, D>> {
    Param::initialized(
        ParamId::new(),
        Tensor::from_data(data, device).require_grad(),
    )
}
